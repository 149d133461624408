package org.meter2mqtt.driver.pulse.internal;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterDriver;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** OSGi glue only: {@link PulseDriver} as the {@code meter.driver=pulse} service, with its bundle's version. */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=" + PulseDriver.ID)
public class PulseComponent implements MeterDriver {

    private final PulseDriver driver;

    @Activate
    public PulseComponent(BundleContext context) {
        driver = new PulseDriver(context.getBundle().getVersion().toString());
    }

    @Override
    public DriverDescription describe() {
        return driver.describe();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return driver.open(context);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setLocalBroker(LocalBroker broker) {
        driver.setLocalBroker(broker);
    }

    void unsetLocalBroker(LocalBroker broker) {
        // a greedy reference binds the new broker before it unbinds the old one: clear only the one that goes
        driver.clearLocalBroker(broker);
    }
}
