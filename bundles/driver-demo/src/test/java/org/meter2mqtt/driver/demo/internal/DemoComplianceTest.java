package org.meter2mqtt.driver.demo.internal;

import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;

/** The demo driver passes the compliance kit; it simulates its meter, so there is no line to feed or cut. */
class DemoComplianceTest extends DriverComplianceKit {

    @Override
    protected DriverUnderTest driverUnderTest() {
        return DriverUnderTest.of(() -> new DemoDriver("1.2.3")).bundleClass(DemoComponent.class)
                .protocolPackage("org.meter2mqtt.driver.demo.protocol").build();
    }
}
