package org.meter2mqtt.driver.kpm33b.internal;

import java.util.Map;

import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DiscoveryService;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.MeterOutput;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * OSGi glue for {@link Kpm33bDriver}. The driver's services are registered by hand with only
 * {@code meter.driver=kpm33b}: DS would publish the whole configuration (broker passwords included) as
 * service properties, visible to anyone who lists services.
 */
@Component(immediate = true, service = {}, configurationPid = Kpm33bDriver.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Config.class)
public class Kpm33bComponent {

    private final Kpm33bDriver driver;
    private final ServiceRegistration<?> registration;

    @Activate
    public Kpm33bComponent(Config config, BundleContext context) {
        driver = new Kpm33bDriver(config);
        registration = context.registerService(
                new String[] { MeterDriver.class.getName(), DiscoveryService.class.getName() }, driver,
                FrameworkUtil.asDictionary(Map.of(MeterDriver.PROPERTY_ID, Kpm33bDriver.ID)));
    }

    @Modified
    void modified(Config config) {
        driver.modified(config);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
        driver.close();
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
