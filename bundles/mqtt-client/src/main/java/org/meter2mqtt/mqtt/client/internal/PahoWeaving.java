package org.meter2mqtt.mqtt.client.internal;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link PahoBlockReads} when Paho's bundle defines its {@code CountingInputStream}: an OSGi weaving hook,
 * the framework's own way to adjust a bundle's classes as they load. It is registered when this bundle starts,
 * before any Paho client of the gateway exists (they are all made through this bundle), and looks at nothing but
 * that one class name.
 *
 * <p>Registered by the bundle's activator as a ready instance, not as a Declarative Services component: the
 * framework asks weaving hooks about every class it defines, including the component's own class while SCR loads
 * it on the first such request, and that lazy start ended in "ServiceFactory.getService() resulted in a cycle".
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class PahoWeaving implements WeavingHook, BundleActivator {

    private static final Logger LOG = LoggerFactory.getLogger(PahoWeaving.class);
    private static final String PAHO = "org.eclipse.paho.client.mqttv3";

    @Override
    public void start(BundleContext context) {
        context.registerService(WeavingHook.class, this, null);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the hook with the bundle; classes already woven stay as they are
    }

    @Override
    public void weave(WovenClass woven) {
        if (!PahoBlockReads.CLASS.equals(woven.getClassName())
                || !PAHO.equals(woven.getBundleWiring().getBundle().getSymbolicName())) {
            return;
        }
        try {
            byte[] patched = PahoBlockReads.patch(woven.getBytes());
            if (patched == null) {
                LOG.info("Paho's {} is not the 1.2.5 class: left as it is (received packets decode byte by byte)",
                        PahoBlockReads.CLASS);
                return;
            }
            woven.setBytes(patched);
            LOG.debug("Paho decodes received packets with block reads ({} patched)", PahoBlockReads.CLASS);
        } catch (RuntimeException e) {
            // a hook that throws is blacklisted and the class fails to load: Paho as shipped is the safe answer
            LOG.warn("Cannot patch Paho's {}, left as it is: {}", PahoBlockReads.CLASS, e.toString());
        }
    }
}
