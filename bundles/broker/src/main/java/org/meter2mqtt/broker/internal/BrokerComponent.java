package org.meter2mqtt.broker.internal;

import java.io.IOException;
import java.nio.file.Path;

import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the embedded broker as configured by PID {@code org.meter2mqtt.broker}. Works without a .cfg
 * (defaults); a changed configuration restarts the listener. While it runs, it is registered as
 * {@link LocalBroker} (by hand, so no configuration, password included, becomes a service property).
 */
@Component(configurationPid = "org.meter2mqtt.broker", configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = Config.class)
public class BrokerComponent {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerComponent.class);

    private final BundleContext context;
    private EmbeddedBroker broker;
    private ServiceRegistration<LocalBroker> registration;

    @Activate
    public BrokerComponent(Config config, BundleContext context) {
        this.context = context;
        apply(config);
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
    }

    private synchronized void apply(Config config) {
        stop();
        if (!config.enabled()) {
            LOG.info("Embedded MQTT broker disabled (enabled=false in etc/org.meter2mqtt.broker.cfg)");
            return;
        }
        BrokerSettings settings;
        try {
            settings = BrokerSettings.of(config.host(), config.port(), config.username(), config.password(),
                    config.persistence() ? dataDir() : null, config.allow_anonymous());
        } catch (IllegalArgumentException e) {
            LOG.error("Embedded MQTT broker not started: {} (fix etc/org.meter2mqtt.broker.cfg)", e.getMessage());
            return;
        }
        EmbeddedBroker b = new EmbeddedBroker(settings);
        try {
            b.start();
            broker = b;
            registration = context.registerService(LocalBroker.class, b, null);
        } catch (IOException e) {
            // A taken port must not stop the gateway: log what to change and stay inactive until reconfigured.
            LOG.error("Embedded MQTT broker not started: {}; change host/port in etc/org.meter2mqtt.broker.cfg "
                    + "or set enabled=false if another broker runs here", e.getMessage(), e);
        }
    }

    private void stop() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    private static Path dataDir() {
        String data = System.getProperty("karaf.data", "data");
        return Path.of(data, "moquette");
    }
}
