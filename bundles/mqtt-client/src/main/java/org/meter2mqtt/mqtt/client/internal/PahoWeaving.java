package org.meter2mqtt.mqtt.client.internal;

import java.util.Map;
import java.util.function.UnaryOperator;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link PahoBlockReads}, {@link PahoInFlightWakes} and {@link PahoInlineCompletions} when Paho's bundle
 * defines the class each is made for: an OSGi weaving hook, the framework's own way to adjust a bundle's classes as
 * they load. It is registered when this bundle starts, before any Paho client of the gateway exists (they are all
 * made through this bundle), and looks at nothing but those class names.
 *
 * <p>Registered by the bundle's activator as a ready instance, not as a Declarative Services component: the
 * framework asks weaving hooks about every class it defines, including the component's own class while SCR loads
 * it on the first such request, and that lazy start ended in "ServiceFactory.getService() resulted in a cycle".
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class PahoWeaving implements WeavingHook, BundleActivator {

    private static final Logger LOG = LoggerFactory.getLogger(PahoWeaving.class);
    private static final String PAHO = "org.eclipse.paho.client.mqttv3";
    /** By the binary name of the class each changes. */
    private static final Map<String, Patch> PATCHES = Map.of(
            PahoBlockReads.CLASS, new Patch(PahoBlockReads.CLASS, PahoBlockReads::patch,
                    "received packets decode with block reads", "received packets decode byte by byte"),
            PahoInFlightWakes.CLASS, new Patch(PahoInFlightWakes.CLASS, PahoInFlightWakes::patch,
                    "an acknowledgement wakes the sender only for a queued PUBLISH",
                    "every acknowledgement wakes the sender"),
            PahoInlineCompletions.CLASS, new Patch(PahoInlineCompletions.CLASS, PahoInlineCompletions::patch,
                    "deliveries complete on the thread that learns of them",
                    "every delivery wakes the callback thread"));

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
        Patch patch = PATCHES.get(woven.getClassName());
        if (patch == null || !PAHO.equals(woven.getBundleWiring().getBundle().getSymbolicName())) {
            return;
        }
        try {
            byte[] patched = patch.apply.apply(woven.getBytes());
            if (patched == null) {
                LOG.info("Paho's {} is not the 1.2.5 class: left as it is ({})", patch.className, patch.without);
                return;
            }
            woven.setBytes(patched);
            LOG.debug("Paho's {} patched: {}", patch.className, patch.with);
        } catch (RuntimeException e) {
            // a hook that throws is blacklisted and the class fails to load: Paho as shipped is the safe answer
            LOG.warn("Cannot patch Paho's {}, left as it is: {}", patch.className, e.toString());
        }
    }

    /** A change to one Paho class: null from {@code apply} when the class is not the one it was made for. */
    private record Patch(String className, UnaryOperator<byte[]> apply, String with, String without) {
    }
}
