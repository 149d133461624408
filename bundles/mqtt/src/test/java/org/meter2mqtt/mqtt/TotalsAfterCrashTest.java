package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;

/**
 * Issue 12, "lower totals after kill -9": a publisher in its own JVM sends a rising total to Mosquitto and is
 * killed with SIGKILL mid-flow. Its buffer's durable cursor is saved only every minute here ({@code buffer.fsync.ms})
 * and the test deletes {@code cursor.live} after the kill, as a power cut may leave the buffer, so after the restart
 * it sends again everything it had sent. A subscriber that watched
 * the whole time must never see a total below the highest one the broker had acknowledged (what was in flight at
 * the kill may come again: at least once); a channel marked {@link Channel#resets()} is sent again as it is, which
 * proves that the replay really happened.
 */
class TotalsAfterCrashTest extends OnMosquitto {

    private static final String ENERGY = "meters/demo/e1/energy_import";
    private static final String PERIOD = "meters/demo/e1/period";
    static final Channel PERIOD_CH = Channel.builder("period").name("This period").unit("kWh")
            .stateClass(Channel.StateClass.TOTAL_INCREASING).resets(true).build();

    static MqttPublisher publisher(Path data) {
        return publisher(data, broker == null ? "" : broker.url());
    }

    static MqttPublisher publisher(Path data, String url) {
        MqttPublisher p = new MqttPublisher(data, "0.1.0", Clock.systemUTC());
        // the buffer's cursor is saved once a minute: a crash replays everything sent before it
        p.start(PublisherTest.settings(url).buffer(8L << 20, Duration.ofDays(1), Duration.ofSeconds(60)).build());
        return p;
    }

    static DeviceInfo meter() {
        return Devices.meter("e1", Devices.ENERGY, PERIOD_CH, Devices.SEQ);
    }

    /**
     * A child's publisher to {@code args[1]} on data folder {@code args[0]}, its cursor saved once a minute, with the
     * meter announced; prints CONNECTED once connected.
     */
    static MqttPublisher connectedChild(String[] args) {
        MqttPublisher p = new MqttPublisher(Path.of(args[0]), "0.1.0", Clock.systemUTC());
        p.start(PublisherTest.settings(args[1]).buffer(8L << 20, Duration.ofDays(1), Duration.ofSeconds(60))
                .build());
        p.deviceChanged(meter());
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::state,
                s -> s == org.meter2mqtt.mqtt.status.MqttOutputStatus.State.CONNECTED);
        System.out.println("CONNECTED");
        System.out.flush();
        return p;
    }

    /** The child: a publisher to {@code args[1]} on data folder {@code args[0]}, fed a rising total until killed. */
    public static void main(String[] args) throws Exception {
        MqttPublisher p = connectedChild(args);
        DeviceInfo e1 = meter();
        for (int i = 1;; i++) {
            p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(i), "energy_import", i + ".000",
                    "period", i + ".000", "seq", i));
            Thread.sleep(5);
        }
    }

    private static List<BigDecimal> numbers(Subscriber s, String topic) {
        return s.payloads(topic).stream().map(BigDecimal::new).collect(Collectors.toList());
    }

    @Test
    void noLowerTotalAfterKill() throws Exception {
        Path data = tmp.resolve("data");
        try (Subscriber witness = new Subscriber(broker.url(), "witness", true, ENERGY, PERIOD)) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), TotalsAfterCrashTest.class.getName(),
                    data.toString(), broker.url()).redirectError(tmp.resolve("child.err").toFile()).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).isEqualTo("CONNECTED");
                // mid-flow: readings keep coming while it dies
                witness.awaitCount(ENERGY, 100);
                child.destroyForcibly();
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            java.nio.file.Files.delete(data.resolve("mqtt-buffer/cursor.live"));
            int before = witness.on(ENERGY).size();
            int periodsBefore = witness.on(PERIOD).size();
            BigDecimal highest = numbers(witness, ENERGY).get(before - 1);
            // the highest total the broker had acknowledged when the publisher died, as its journal says
            BigDecimal acked = java.nio.file.Files.readAllLines(data.resolve("delivered-totals.log")).stream()
                    .map(l -> l.split("\t")).filter(f -> f.length >= 3 && f[1].equals("energy_import"))
                    .map(f -> new BigDecimal(f[2])).max(BigDecimal::compareTo).orElseThrow();
            assertThat(acked).isGreaterThan(BigDecimal.ONE).isLessThanOrEqualTo(highest);

            MqttPublisher p = publisher(data);
            try {
                DeviceInfo e1 = meter();
                p.deviceChanged(e1);
                // the replay: the resetting channel is sent again from its start
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> witness.on(PERIOD).size(),
                        n -> n >= 2 * periodsBefore);
                int next = highest.intValue() + 1000;
                p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(next), "energy_import", next + ".000",
                        "period", "1.000", "seq", next));
                witness.await(ENERGY, m -> new BigDecimal(m.payload()).intValue() == next);
                assertThat(p.staleTotals()).isPositive();
            } finally {
                p.close();
            }
            List<BigDecimal> energy = numbers(witness, ENERGY);
            // before the kill: rising
            for (int i = 1; i < before; i++) {
                assertThat(energy.get(i)).as("total %d of %s", i, energy).isGreaterThanOrEqualTo(energy.get(i - 1));
            }
            // after the restart: nothing below what was acknowledged (the replay sent everything again, and all of
            // that below the acknowledged total was left out), and rising again. Only what was in flight at the
            // kill (sent, maybe seen, not yet acknowledged) can come again.
            List<BigDecimal> after = energy.subList(before, energy.size());
            assertThat(after).isNotEmpty().allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(acked));
            for (int i = 1; i < after.size(); i++) {
                assertThat(after.get(i)).as("total %d of %s", i, after).isGreaterThanOrEqualTo(after.get(i - 1));
            }
            // the replay did happen: the channel that resets went back to its first value
            assertThat(numbers(witness, PERIOD).subList(periodsBefore, witness.on(PERIOD).size()))
                    .contains(new BigDecimal("1.000"));
        }
    }

    /** The journal keeps the highest total across a clean stop and start, and forgets a removed device. */
    @Test
    void journalAcrossRestart() throws Exception {
        Path f = tmp.resolve("journal/delivered-totals.log");
        java.nio.file.Files.createDirectories(f.getParent());
        java.time.Instant t = PublisherTest.T0;
        try (DeliveredTotals s = new DeliveredTotals(f)) {
            Batch b = new Batch("demo", "e1", t, List.of(new Batch.Value("energy_import", new BigDecimal("5.5"), null),
                    new Batch.Value("power", new BigDecimal("1"), null)));
            assertThat(s.admit(b, "energy_import"::equals, (c, n) -> { })).isSameAs(b);
            s.delivered(b, "energy_import"::equals);
            s.delivered(new Batch("demo", "e2", t, List.of(new Batch.Value("gas", BigDecimal.TEN, null))), c -> true);
            s.forget("e2");
            s.write();
        }
        // killed mid-line: the torn line is skipped
        java.nio.file.Files.writeString(f, "e1\tenergy_import\t5.", java.nio.file.StandardOpenOption.APPEND);
        try (DeliveredTotals s = new DeliveredTotals(f)) {
            assertThat(s.get("e1", "energy_import")).isEqualByComparingTo("5.5");
            assertThat(s.known("e2", "gas")).isFalse();
            // power is not a total: never journaled
            assertThat(s.known("e1", "power")).isFalse();
            List<Batch.Value> dropped = new java.util.ArrayList<>();
            Batch lower = new Batch("demo", "e1", t, List.of(new Batch.Value("energy_import", new BigDecimal("5.4"),
                    null), new Batch.Value("power", new BigDecimal("2"), null)));
            Batch kept = s.admit(lower, "energy_import"::equals, (c, n) -> dropped.add(new Batch.Value(c, n, null)));
            assertThat(kept.values()).extracting(Batch.Value::channel).containsExactly("power");
            assertThat(dropped).extracting(Batch.Value::channel).containsExactly("energy_import");
            Batch onlyLower = new Batch("demo", "e1", t, List.of(new Batch.Value("energy_import", BigDecimal.ONE,
                    null)));
            assertThat(s.admit(onlyLower, c -> true, (c, n) -> { })).isNull();
        }
    }

    /**
     * On one connection no total goes below one handed on it before, acknowledged or not; a new connection starts
     * afresh, since what the broken one handed may never have arrived (issue 16).
     */
    @Test
    void noTotalBelowOneHandedOnTheSameConnection() throws Exception {
        Path f = tmp.resolve("journal-handed/delivered-totals.log");
        java.nio.file.Files.createDirectories(f.getParent());
        java.time.Instant t = PublisherTest.T0;
        try (DeliveredTotals s = new DeliveredTotals(f)) {
            Batch high = new Batch("demo", "e1", t, List.of(new Batch.Value("energy_import", new BigDecimal("330"),
                    null), new Batch.Value("power", new BigDecimal("5"), null)));
            Batch low = new Batch("demo", "e1", t.plusSeconds(1), List.of(new Batch.Value("energy_import",
                    new BigDecimal("324"), null), new Batch.Value("power", new BigDecimal("1"), null)));
            assertThat(s.admit(high, "energy_import"::equals, (c, n) -> { })).isSameAs(high);
            List<String> dropped = new java.util.ArrayList<>();
            Batch kept = s.admit(low, "energy_import"::equals, (c, n) -> dropped.add(c + "=" + n));
            // power is no total: a lower value passes
            assertThat(kept.values()).extracting(Batch.Value::channel).containsExactly("power");
            assertThat(dropped).containsExactly("energy_import=324");
            Batch equal = new Batch("demo", "e1", t.plusSeconds(2), List.of(new Batch.Value("energy_import",
                    new BigDecimal("330"), null)));
            assertThat(s.admit(equal, "energy_import"::equals, (c, n) -> { })).isSameAs(equal);
            s.connected();
            assertThat(s.admit(low, "energy_import"::equals, (c, n) -> { })).isSameAs(low);
            // nothing of it was acknowledged: nothing journaled
            assertThat(s.known("e1", "energy_import")).isFalse();
        }
    }

    /**
     * A full replay (no {@code cursor.live}, as a power cut leaves it) sends the acknowledged batch that set the
     * delivered total again, and subscribers may since have seen a higher total whose acknowledgement was lost: that
     * equal total is left out, also after a restart. A newer reading with the same total (an idle meter) passes; a
     * journal line without a time (an older gateway's) keeps the rule that only lower totals are left out.
     */
    @Test
    void theReplayedAcknowledgedBatchDoesNotRepeatItsTotal() throws Exception {
        Path f = tmp.resolve("journal-times/delivered-totals.log");
        java.nio.file.Files.createDirectories(f.getParent());
        java.time.Instant t = PublisherTest.T0;
        Batch acked = new Batch("demo", "e1", t, List.of(new Batch.Value("energy_import", new BigDecimal("299"), null),
                new Batch.Value("power", BigDecimal.ONE, null)));
        try (DeliveredTotals s = new DeliveredTotals(f)) {
            s.delivered(acked, "energy_import"::equals);
            s.write();
        }
        java.nio.file.Files.writeString(f, "e2\tgas\t7\n", java.nio.file.StandardOpenOption.APPEND);
        try (DeliveredTotals s = new DeliveredTotals(f)) {
            List<String> dropped = new java.util.ArrayList<>();
            Batch again = s.admit(acked, "energy_import"::equals, (c, n) -> dropped.add(c + "=" + n));
            assertThat(again.values()).extracting(Batch.Value::channel).containsExactly("power");
            assertThat(dropped).containsExactly("energy_import=299");
            Batch idle = new Batch("demo", "e1", t.plusSeconds(1), List.of(new Batch.Value("energy_import",
                    new BigDecimal("299"), null)));
            assertThat(s.admit(idle, "energy_import"::equals, (c, n) -> { })).isSameAs(idle);
            Batch oldLine = new Batch("demo", "e2", t, List.of(new Batch.Value("gas", new BigDecimal("7"), null)));
            assertThat(s.admit(oldLine, c -> true, (c, n) -> { })).isSameAs(oldLine);
        }
    }

    /** The child of {@link #noLowerTotalWhenOneBatchWasInFlightAtTheKill}: one reading per line read from stdin. */
    static final class Stepper {
        public static void main(String[] args) throws Exception {
            MqttPublisher p = connectedChild(args);
            DeviceInfo e1 = meter();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int i = Integer.parseInt(line.trim());
                p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(i), "energy_import", i + ".000",
                        "period", i + ".000", "seq", i));
            }
        }
    }

    /**
     * The case a mark does not cover: one batch in flight at the kill. Totals 1..5 are acknowledged, 6 reaches the
     * broker and the witness but its PUBACK is held back, then SIGKILL. The durable cursor lags (once a minute
     * here); before {@code cursor.live} the replay held 1..6, 5 equalled the delivered total and passed, and the
     * witness saw 6, then 5, then 6. Now the acknowledged position is saved before 6 is handed over, and the replay
     * starts at 6.
     */
    @Test
    void noLowerTotalWhenOneBatchWasInFlightAtTheKill() throws Exception {
        Path data = tmp.resolve("one-in-flight");
        try (Subscriber witness = new Subscriber(broker.url(), "witness-one", true, ENERGY);
                Relay relay = new Relay(Integer.parseInt(broker.url().substring(broker.url().lastIndexOf(':') + 1)))) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Stepper.class.getName(), data.toString(),
                    relay.url()).redirectError(tmp.resolve("stepper.err").toFile()).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8)); java.io.Writer in = new java.io.OutputStreamWriter(
                            child.getOutputStream(), StandardCharsets.UTF_8)) {
                assertThat(out.readLine()).isEqualTo("CONNECTED");
                Path journal = data.resolve("delivered-totals.log");
                for (int i = 1; i <= 5; i++) {
                    in.write(i + "\n");
                    in.flush();
                    int n = i;
                    // acknowledged and journaled before the next one: never two in flight, so no mark
                    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> java.nio.file.Files.exists(journal)
                            && java.nio.file.Files.readString(journal).contains("energy_import\t" + n + ".000\t"));
                }
                relay.holdAcks();
                in.write("6\n");
                in.flush();
                witness.await(ENERGY, m -> new BigDecimal(m.payload()).intValue() == 6);
                child.destroyForcibly();
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            MqttPublisher p = publisher(data);
            try {
                p.deviceChanged(meter());
                p.readings(meter(), Devices.readings(PublisherTest.T0.plusSeconds(100), "energy_import", "100.000",
                        "period", "1.000", "seq", 100));
                witness.await(ENERGY, m -> new BigDecimal(m.payload()).intValue() == 100);
                // nothing acknowledged came again, so nothing had to be left out
                assertThat(p.staleTotals()).isZero();
            } finally {
                p.close();
            }
            List<BigDecimal> energy = numbers(witness, ENERGY);
            // 6 was in flight: at least once, so it comes again
            assertThat(energy).as("what the witness saw").containsExactly(new BigDecimal("1.000"),
                    new BigDecimal("2.000"), new BigDecimal("3.000"), new BigDecimal("4.000"), new BigDecimal("5.000"),
                    new BigDecimal("6.000"), new BigDecimal("6.000"), new BigDecimal("100.000"));
            for (int i = 1; i < energy.size(); i++) {
                assertThat(energy.get(i)).as("total %d of %s", i, energy).isGreaterThanOrEqualTo(energy.get(i - 1));
            }
        }
    }
}
