package org.meter2mqtt.driver.kpm33b.internal;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DiscoveredMeter;
import org.meter2mqtt.api.DiscoveryService;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.MeterOutput;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * OSGi glue only: registers {@link Kpm33bDriver} as the {@code kpm33b} MeterDriver and DiscoveryService,
 * versioned like its bundle. It takes no configuration itself: DS would publish every configuration key (broker
 * passwords included) as service properties of this service, visible to anyone who lists services. The PID's
 * settings come through {@link Kpm33bSettingsComponent}, which registers nothing.
 */
@Component(service = { MeterDriver.class, DiscoveryService.class },
        property = MeterDriver.PROPERTY_ID + "=" + Kpm33bDriver.ID, configurationPolicy = ConfigurationPolicy.IGNORE)
public class Kpm33bComponent implements MeterDriver, DiscoveryService {

    private final Kpm33bDriver driver;

    @Activate
    public Kpm33bComponent(BundleContext context) {
        driver = new Kpm33bDriver(context.getBundle().getVersion().toString(), Clock.systemUTC());
    }

    /** The PID's settings, first or changed. */
    void settings(HubSettings settings) {
        driver.configure(settings);
    }

    @Deactivate
    void deactivate() {
        driver.close();
    }

    @Override
    public DriverDescription describe() {
        return driver.describe();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return driver.open(context);
    }

    @Override
    public List<DiscoveredMeter> discovered() {
        return driver.discovered();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setRegistry(DeviceRegistry registry) {
        driver.setRegistry(registry);
    }

    void unsetRegistry(DeviceRegistry registry) {
        driver.unsetRegistry(registry);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setLocalBroker(LocalBroker broker) {
        driver.setLocalBroker(broker);
    }

    void unsetLocalBroker(LocalBroker broker) {
        // with GREEDY a new broker can be bound before the old one is unbound: clear only the one going
        driver.unsetLocalBroker(broker);
    }

    /** The MQTT output's broker, from its service property, for the kpm33b_proxy layout's proxy.url check. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(meter.output=mqtt)")
    void setOutput(MeterOutput output, Map<String, Object> props) {
        driver.setOutputUrl(url(props));
    }

    void updatedOutput(MeterOutput output, Map<String, Object> props) {
        driver.setOutputUrl(url(props));
    }

    void unsetOutput(MeterOutput output) {
        driver.setOutputUrl(null);
    }

    private static String url(Map<String, Object> props) {
        Object u = props.get("mqtt.url");
        return u == null ? null : u.toString();
    }
}
