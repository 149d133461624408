package org.meter2mqtt.driver.dsmr.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

import org.meter2mqtt.tck.ByteFeed;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;

/**
 * The DSMR driver passes the compliance kit: a recorded DSMR 5 telegram every 200 ms as good data, the same
 * telegram with a wrong CRC as bad data.
 */
class DsmrComplianceTest extends DriverComplianceKit {

    @Override
    protected DriverUnderTest driverUnderTest() {
        return DriverUnderTest.of(() -> new DsmrDriver("7.7.7"))
                .feed(ByteFeed.stream(telegram("telegram_v5.telegram"), telegram("generated_v5_corrupt_crc.telegram"),
                        Duration.ofMillis(200), Map.of(DsmrDriver.PORT, "socket://p1-dongle:23")))
                .bundleClass(DsmrComponent.class).protocolPackage("org.meter2mqtt.driver.dsmr.p1").build();
    }

    private static byte[] telegram(String name) {
        try (InputStream in = DsmrComplianceTest.class.getResourceAsStream("/org/meter2mqtt/driver/dsmr/p1/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
