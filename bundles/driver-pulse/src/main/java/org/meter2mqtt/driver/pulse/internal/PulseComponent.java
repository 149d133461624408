package org.meter2mqtt.driver.pulse.internal;

import java.util.Map;

import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterDriver;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** OSGi glue for {@link PulseDriver}: registers it with {@code meter.driver=pulse}, hands it the embedded broker. */
@Component(immediate = true, service = {})
public class PulseComponent {

    private final PulseDriver driver;
    private final ServiceRegistration<?> registration;

    @Activate
    public PulseComponent(BundleContext context) {
        driver = new PulseDriver(context.getBundle().getVersion().toString());
        registration = context.registerService(MeterDriver.class.getName(), driver,
                FrameworkUtil.asDictionary(Map.of(MeterDriver.PROPERTY_ID, PulseDriver.ID)));
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setLocalBroker(LocalBroker broker) {
        driver.setLocalBroker(broker);
    }

    void unsetLocalBroker(LocalBroker broker) {
        if (driver.localBroker() == broker) {
            driver.setLocalBroker(null);
        }
    }
}
