package org.meter2mqtt.driver.kamstrup.internal;

import java.util.Map;

import org.meter2mqtt.simulators.kmp.KmpResponder;
import org.meter2mqtt.tck.ByteFeed;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;

/**
 * The Kamstrup driver passes the compliance kit against the independently written KMP simulator on an in-memory
 * line; bad data is every answer with a broken CRC.
 */
class KamstrupComplianceTest extends DriverComplianceKit {

    @Override
    protected DriverUnderTest driverUnderTest() {
        KmpResponder.Options options = new KmpResponder.Options();
        KmpResponder meter = new KmpResponder("403", options);
        return DriverUnderTest.of(() -> new KamstrupDriver(KamstrupDeviceTest.TEST_VERSION))
                .feed(ByteFeed.exchange(meter::serve, () -> options.crcErrorRate = 0, () -> options.crcErrorRate = 1,
                        Map.of("port", "/dev/ttyUSB0", "model", "403", "timeout", "500", "retries", "0")))
                .bundleClass(KamstrupComponent.class).protocolPackage("org.meter2mqtt.driver.kamstrup.kmp").build();
    }
}
