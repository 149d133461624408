package org.meter2mqtt.driver.pulse.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.meter2mqtt.simulators.pulse.PulseSimulator;

/**
 * The counter on disk: writes cut short by a kill (half a record at the end of the journal, half a temporary file
 * beside the state file) leave the previous state, which is loaded and published first after the start, with the
 * calibration offset applied; counting goes on from it and survives the next start.
 */
class PulseStateTest {

    @TempDir
    Path tmp;

    @Test
    void aTornWriteLeavesTheLastCompleteCounter() throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        broker.start();
        Path state = tmp.resolve("state");
        PulseSimulator.Options o = new PulseSimulator.Options();
        o.mqtt = "tcp://127.0.0.1:" + broker.port();
        o.powerW = 3600;
        o.startMs = System.currentTimeMillis() - 1_000_000L;
        try {
            try (Gateway gw = new Gateway(state, new CopyOnWriteArrayList<>(), broker)) {
                gw.manager.configure("s", Gateway.cfg("url", "embedded"));
                gw.awaitState("s", DeviceState.ONLINE);
                try (PulseSimulator sim = new PulseSimulator(o)) {
                    sim.connect();
                    sim.send(250, 0);
                }
                gw.awaitTotal("s", "active_energy", new BigDecimal("0.250"));
            }
            // a kill in the middle of the next writes: half a record at the end of the journal (an append cut
            // short) and half a temporary file beside the state file (a compaction cut short, never renamed)
            Path journal = state.resolve("s.journal");
            Path file = state.resolve("s.properties");
            assertThat(journal).exists();
            java.nio.ByteBuffer half = java.nio.ByteBuffer.allocate(24).putInt(400).putInt(0x12345678);
            Files.write(journal, half.array(), java.nio.file.StandardOpenOption.APPEND);
            byte[] whole = Files.readAllBytes(file);
            Files.write(file.resolveSibling("s.properties.tmp"), java.util.Arrays.copyOf(whole, whole.length / 2));

            List<Reading> after = new CopyOnWriteArrayList<>();
            Map<String, String> cfg = Gateway.cfg("url", "embedded", "energy.offset", "12345.6");
            try (Gateway gw = new Gateway(state, after, broker)) {
                gw.manager.configure("s", cfg);
                gw.awaitState("s", DeviceState.ONLINE);
                assertThat(gw.values("s", "active_energy").get(0)).isEqualByComparingTo("12345.850");
                assertThat(gw.values("s", "reactive_energy").get(0)).isEqualByComparingTo("0");
                // counting goes on after the torn tail, which the next write replaces
                o.startMs += 300_000; // the edge's clock went on (250 pulses 1 s apart before)
                try (PulseSimulator sim = new PulseSimulator(o)) {
                    sim.connect();
                    sim.send(100, 0);
                }
                gw.awaitTotal("s", "active_energy", new BigDecimal("12345.950"));
            }
            List<Reading> third = new CopyOnWriteArrayList<>();
            try (Gateway gw = new Gateway(state, third, broker)) {
                gw.manager.configure("s", cfg);
                gw.awaitState("s", DeviceState.ONLINE);
                assertThat(gw.values("s", "active_energy").get(0)).isEqualByComparingTo("12345.950");
            }
        } finally {
            broker.close();
        }
    }
}
