package org.meter2mqtt.driver.kpm33b.internal;

import java.time.Clock;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.meter2mqtt.simulators.kpm33b.Kpm33bSimulator;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;
import org.meter2mqtt.tck.SampleFeed;

/**
 * The KPM33B driver passes the compliance kit: the embedded broker (started once) as the internal broker, the
 * independently written simulator publishing every 300 ms; bad data is the meter's clock 21 years off.
 */
class Kpm33bComplianceTest extends DriverComplianceKit {

    private static final String METER = "33B1225950027";
    private static EmbeddedBroker broker;
    private static Kpm33bSimulator sim;
    private static Kpm33bSimulator.Options options;

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        broker.start();
        options = new Kpm33bSimulator.Options();
        options.broker = "tcp://127.0.0.1:" + broker.port();
        options.rtMillis = 300;
        options.enyMillis = 300;
        sim = new Kpm33bSimulator(options);
        sim.start();
    }

    @AfterAll
    static void stop() throws Exception {
        sim.close();
        broker.close();
    }

    @Override
    protected DriverUnderTest driverUnderTest() {
        SampleFeed feed = new SampleFeed() {
            @Override
            public Map<String, String> config() {
                return Map.of("meter.id", METER);
            }

            @Override
            public void good() {
                options.badClock = false;
            }

            @Override
            public boolean canSendBadData() {
                return true;
            }

            @Override
            public void bad() {
                options.badClock = true;
            }
        };
        return DriverUnderTest.of(() -> {
            Kpm33bDriver d = new Kpm33bDriver("7.7.7", Map.of("url", "embedded", "client.id", "tck"),
                    Clock.systemUTC());
            d.setLocalBroker(broker);
            return d;
        }).feed(feed).bundleClass(Kpm33bComponent.class)
                .protocolPackage("org.meter2mqtt.driver.kpm33b.protocol").build();
    }
}
