package org.meter2mqtt.driver.homeassistant.internal;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.meter2mqtt.simulators.homeassistant.HaSimulator;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;
import org.meter2mqtt.tck.SampleFeed;

/**
 * The Home Assistant driver (push mode, the default) passes the compliance kit against the Home Assistant
 * simulator, which is written from HA's API documentation: good data is the simulator's house, bad data a
 * whole-home power state that is no number, a lost link a simulator that closes every connection and accepts
 * none. No waivers.
 */
class HomeAssistantComplianceTest extends DriverComplianceKit {

    private static HaSimulator sim;

    /** The simulator as the meter behind the driver. */
    private static SampleFeed feed(HaSimulator simulator, Map<String, String> more) {
        return new SampleFeed() {
            @Override
            public Map<String, String> config() {
                Map<String, String> c = new java.util.HashMap<>(more);
                c.put("url", "http://127.0.0.1:" + simulator.port());
                c.put("token", HaSimulator.DEFAULT_TOKEN);
                c.put("timeout", "2");
                return c;
            }

            @Override
            public void good() {
                simulator.unreachable(false);
                simulator.setState("sensor.total_power", "2000");
            }

            @Override
            public boolean canSendBadData() {
                return true;
            }

            @Override
            public void bad() {
                simulator.setState("sensor.total_power", "2,000 W?");
            }

            @Override
            public boolean canLoseLink() {
                return true;
            }

            @Override
            public void cut() {
                simulator.unreachable(true);
            }
        };
    }

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
                .feed(feed(sim, mode())).bundleClass(HomeAssistantComponent.class)
                .protocolPackage("org.meter2mqtt.driver.homeassistant.protocol").build();
    }

    /** Keys that choose the driver's mode (none: push, the default). */
    protected Map<String, String> mode() {
        return Map.of();
    }
}
