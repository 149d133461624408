package org.meter2mqtt.driver.kamstrup.internal;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** OSGi glue only: registers {@link KamstrupDriver} as a MeterDriver service, versioned like its bundle. */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=" + KamstrupDriver.ID)
public class KamstrupComponent implements MeterDriver {

    private final KamstrupDriver driver;

    @Activate
    public KamstrupComponent(BundleContext context) {
        this.driver = new KamstrupDriver(context.getBundle().getVersion().toString());
    }

    @Override
    public DriverDescription describe() {
        return driver.describe();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return driver.open(context);
    }
}
