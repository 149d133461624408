package org.meter2mqtt.driver.pulse.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.meter2mqtt.simulators.pulse.PulseSimulator;

/**
 * The counter on disk: a write cut short by a kill (a torn temporary file beside the state file) leaves the
 * previous state, which is loaded and published first after the start, with the calibration offset applied.
 */
class PulseStateTest {

    @TempDir
    Path tmp;

    @Test
    void aTornWriteLeavesTheLastCompleteCounter() throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        broker.start();
        Path state = tmp.resolve("state");
        try {
            try (Gateway gw = new Gateway(state, new CopyOnWriteArrayList<>(), broker)) {
                gw.manager.configure("s", Gateway.cfg("url", "embedded"));
                gw.awaitState("s", DeviceState.ONLINE);
                PulseSimulator.Options o = new PulseSimulator.Options();
                o.mqtt = "tcp://127.0.0.1:" + broker.port();
                o.powerW = 3600;
                o.startMs = System.currentTimeMillis() - 1_000_000L;
                try (PulseSimulator sim = new PulseSimulator(o)) {
                    sim.connect();
                    sim.send(250, 0);
                }
                gw.awaitTotal("s", "active_energy", new BigDecimal("0.250"));
            }
            Path file;
            try (var files = Files.list(state)) {
                file = files.filter(p -> p.getFileName().toString().startsWith("s.")).findFirst().orElseThrow();
            }
            Properties saved = new Properties();
            try (var in = Files.newBufferedReader(file)) {
                saved.load(in);
            }
            assertThat(saved.getProperty("active.wh")).isEqualTo("250");
            // a kill in the middle of the next write: half a temporary file, never renamed over the state
            byte[] whole = Files.readAllBytes(file);
            Files.write(file.resolveSibling(file.getFileName() + ".tmp"),
                    java.util.Arrays.copyOf(whole, whole.length / 2));

            List<Reading> after = new CopyOnWriteArrayList<>();
            try (Gateway gw = new Gateway(state, after, broker)) {
                gw.manager.configure("s", Gateway.cfg("url", "embedded", "energy.offset", "12345.6"));
                gw.awaitState("s", DeviceState.ONLINE);
                assertThat(gw.values("s", "active_energy").get(0)).isEqualByComparingTo("12345.850");
                assertThat(gw.values("s", "reactive_energy").get(0)).isEqualByComparingTo("0");
            }
        } finally {
            broker.close();
        }
    }
}
