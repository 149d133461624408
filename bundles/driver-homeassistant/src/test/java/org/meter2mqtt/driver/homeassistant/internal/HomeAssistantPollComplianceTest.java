package org.meter2mqtt.driver.homeassistant.internal;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.meter2mqtt.simulators.homeassistant.HaSimulator;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;

/** The same compliance kit in {@code mode = poll} (REST every second here), against the same simulator. No waivers. */
class HomeAssistantPollComplianceTest extends DriverComplianceKit {

    private static HaSimulator sim;

    @AfterAll
    static void stopSimulator() {
        if (sim != null) {
            sim.close();
            sim = null;
        }
    }

    @Override
    protected DriverUnderTest driverUnderTest() {
        try {
            sim = new HaSimulator(HaSimulator.DEFAULT_TOKEN).loadDefaultEntities().start("127.0.0.1", 0);
        } catch (Exception e) {
            throw new IllegalStateException("Home Assistant simulator did not start", e);
        }
        return DriverUnderTest.of(() -> new HomeAssistantDriver("1.0.0", () -> "gw1"))
                .feed(HomeAssistantComplianceTest.feed(sim, Map.of("mode", "poll", "poll.interval", "1")))
                .bundleClass(HomeAssistantComponent.class)
                .protocolPackage("org.meter2mqtt.driver.homeassistant.protocol").build();
    }
}
