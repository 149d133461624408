package ${package}.internal;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** OSGi glue only: registers the driver as a MeterDriver service, with the bundle's version as driver version. */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=" + ${driverClass}Driver.ID)
public class ${driverClass}Component implements MeterDriver {

    private final ${driverClass}Driver driver;

    @Activate
    public ${driverClass}Component(BundleContext context) {
        this.driver = new ${driverClass}Driver(context.getBundle().getVersion().toString());
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
