package org.meter2mqtt.driver.pulse.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.meter2mqtt.simulators.pulse.PulseSimulator;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;
import org.meter2mqtt.tck.SampleFeed;

/**
 * The pulse driver passes the compliance kit with no waivers: an MQTT broker (the embedded one, started once) and
 * the independently written EMDC edge simulator sending a pulse every 200 ms; bad data is a garbage body after
 * every pulse; a lost link is the broker stopped (started again on the same port for good data).
 */
class PulseComplianceTest extends DriverComplianceKit {

    private static final AtomicReference<EmbeddedBroker> BROKER = new AtomicReference<>();
    private static int port;
    private static volatile boolean garbage;
    private static volatile boolean running = true;
    private static Thread edge;

    @BeforeAll
    static void start() throws Exception {
        EmbeddedBroker b = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        b.start();
        port = b.port();
        BROKER.set(b);
        edge = new Thread(PulseComplianceTest::edge, "tck edge");
        edge.setDaemon(true);
        edge.start();
    }

    /** One simulated edge, reconnecting when the broker was away. */
    private static void edge() {
        while (running) {
            PulseSimulator.Options o = new PulseSimulator.Options();
            o.mqtt = "tcp://127.0.0.1:" + port;
            o.powerW = 3600;
            try (PulseSimulator sim = new PulseSimulator(o)) {
                sim.connect();
                while (running) {
                    o.garbage = garbage ? 1 : 0;
                    sim.sendNow();
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                try {
                    Thread.sleep(200); // the broker is away (a lost-link check): try again
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        running = false;
        edge.interrupt();
        edge.join(5_000);
        BROKER.get().close();
    }

    @Override
    protected DriverUnderTest driverUnderTest() {
        SampleFeed feed = new SampleFeed() {
            @Override
            public Map<String, String> config() {
                return Map.of("url", "tcp://127.0.0.1:" + port, "client.id", "tck-pulse");
            }

            @Override
            public void good() {
                garbage = false;
                if (!BROKER.get().running()) {
                    EmbeddedBroker b = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", port, null, null, null));
                    try {
                        b.start();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("cannot start the broker again on port " + port, e);
                    }
                    BROKER.set(b);
                }
            }

            @Override
            public boolean canSendBadData() {
                return true;
            }

            @Override
            public void bad() {
                garbage = true;
            }

            @Override
            public boolean canLoseLink() {
                return true;
            }

            @Override
            public void cut() {
                BROKER.get().close();
            }
        };
        return DriverUnderTest.of(() -> new PulseDriver(null)).feed(feed).bundleClass(PulseComponent.class).build();
    }
}
