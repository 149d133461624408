package ${package}.internal;

import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;

/** The compliance kit on a device configured with nothing but driver=${driver}: the built-in simulated meter. */
class ${driverClass}SimulatedComplianceTest extends DriverComplianceKit {

    @Override
    protected DriverUnderTest driverUnderTest() {
        return DriverUnderTest.of(() -> new ${driverClass}Driver("1.0.0")).bundleClass(${driverClass}Component.class)
                .build();
    }
}
