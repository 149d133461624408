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
import org.meter2mqtt.api.DeviceInfo;

/**
 * Issue 12, "never a lower total, replays after a crash included", the case {@link TotalsAfterCrashTest} leaves
 * open: a publisher in its own JVM sends bursts of a rising total to Mosquitto and is killed with SIGKILL the moment
 * a subscriber has seen some of them, so dozens of batches were passed on by the broker whose acknowledgements the
 * publisher never processed. After the restart (its buffer's durable cursor saved once a minute, and its
 * {@code cursor.live} deleted as a power cut may leave it, so everything is replayed)
 * the subscriber, who watched the whole time, must never see a total below the highest one it saw before, and the
 * readings after the restart must still arrive.
 */
class BurstCrashTest extends OnMosquitto {

    private static final String ENERGY = "meters/demo/e1/energy_import";

    /** The child: a publisher to {@code args[1]} on data folder {@code args[0]}, fed bursts until killed. */
    public static void main(String[] args) throws Exception {
        MqttPublisher p = new MqttPublisher(Path.of(args[0]), "0.1.0", Clock.systemUTC());
        p.start(PublisherTest.settings(args[1]).buffer(8L << 20, Duration.ofDays(1), Duration.ofSeconds(60))
                .build());
        DeviceInfo e1 = TotalsAfterCrashTest.meter();
        p.deviceChanged(e1);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::state,
                s -> s == org.meter2mqtt.mqtt.status.MqttOutputStatus.State.CONNECTED);
        System.out.println("CONNECTED");
        System.out.flush();
        for (int i = 1;; i++) {
            p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(i), "energy_import", i + ".000",
                    "period", "1.000", "seq", i));
            if (i % 50 == 0) {
                Thread.sleep(2);
            }
        }
    }

    private static List<BigDecimal> numbers(Subscriber s) {
        return s.payloads(ENERGY).stream().map(BigDecimal::new).collect(Collectors.toList());
    }

    @Test
    void noTotalBelowOneSeenAfterAKillMidBurst() throws Exception {
        Path data = tmp.resolve("data");
        try (Subscriber witness = new Subscriber(broker.url(), "witness", true, ENERGY)) {
            // where each publisher's turn began in what the witness saw: a failure says which one sent the lower total
            int[] starts = new int[3];
            for (int kill = 0; kill < 2; kill++) {
                int seenBefore = witness.on(ENERGY).size();
                starts[kill] = seenBefore;
                Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-cp", System.getProperty("java.class.path"), BurstCrashTest.class.getName(),
                        data.toString(), broker.url()).redirectError(tmp.resolve("child" + kill + ".err").toFile())
                        .start();
                try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    assertThat(out.readLine()).isEqualTo("CONNECTED");
                    witness.awaitCount(ENERGY, seenBefore + 300);
                    child.destroyForcibly();
                    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                }
                // as a power cut may leave the buffer: only the durable cursor (once a minute), so all is replayed
                java.nio.file.Files.deleteIfExists(data.resolve("mqtt-buffer/cursor.live"));
            }
            BigDecimal highest = numbers(witness).stream().max(BigDecimal::compareTo).orElseThrow();
            starts[2] = witness.on(ENERGY).size();
            MqttPublisher p = new MqttPublisher(data, "0.1.0", Clock.systemUTC());
            p.start(PublisherTest.settings(broker.url()).buffer(8L << 20, Duration.ofDays(1), Duration.ofSeconds(60))
                    .build());
            try {
                DeviceInfo e1 = TotalsAfterCrashTest.meter();
                p.deviceChanged(e1);
                int next = highest.intValue() + 100_000;
                p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(next), "energy_import", next + ".000",
                        "period", "1.000", "seq", next));
                witness.await(ENERGY, m -> new BigDecimal(m.payload()).intValue() == next);
                // the replay happened, and what it held below the totals seen was left out
                assertThat(p.staleTotals()).isPositive();
            } finally {
                p.close();
            }
            List<BigDecimal> energy = numbers(witness);
            BigDecimal max = BigDecimal.ZERO;
            for (int i = 0; i < energy.size(); i++) {
                int at = i;
                BigDecimal highestSoFar = max;
                assertThat(energy.get(i)).as(() -> String.format("total %d (publisher %d of 3, whose first was %d) "
                        + "after a highest of %s; the totals seen around it: %s", at, at >= starts[2] ? 3
                                : at >= starts[1] ? 2 : 1, at >= starts[2] ? starts[2] : at >= starts[1] ? starts[1]
                                        : 0, highestSoFar, energy.subList(Math.max(0, at - 40), Math.min(
                                                energy.size(), at + 10))))
                        .isGreaterThanOrEqualTo(max);
                max = max.max(energy.get(i));
            }
        }
    }
}
