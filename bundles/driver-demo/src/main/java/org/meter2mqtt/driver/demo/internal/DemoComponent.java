package org.meter2mqtt.driver.demo.internal;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** OSGi glue only: registers {@link DemoDriver} as a MeterDriver service, versioned like its bundle. */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=" + DemoDriver.ID)
public class DemoComponent implements MeterDriver {

    private final DemoDriver driver;

    @Activate
    public DemoComponent(BundleContext context) {
        this.driver = new DemoDriver(context.getBundle().getVersion().toString());
    }

    @Override
    public DriverDescription describe() {
        return driver.describe();
    }

    @Override
    public DriverSession open(DeviceContext context) {
        return driver.open(context);
    }
}
