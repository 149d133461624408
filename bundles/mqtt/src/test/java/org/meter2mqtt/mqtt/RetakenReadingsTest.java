package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;

/**
 * A publisher killed with readings in its buffer that never reached the broker, and after the restart the meter
 * read again from an older total before the buffer went out (a driver that replays its own history, or a meter that
 * answers from an older register): the accept-time check cannot tell, its {@code totals.json} being older than the
 * buffered batches. The buffer sends its batches first and the retaken readings after them on the same connection,
 * so a subscriber would see the totals fall back. It must not: on one connection no total goes below one handed on
 * it before. (Found as a rare failure of {@link BurstCrashTest}, whose second child starts counting at 1 again.)
 */
class RetakenReadingsTest extends OnMosquitto {

    private static final String ENERGY = "meters/demo/e1/energy_import";
    private static final int BUFFERED = 200;

    /** The child: connected through the relay, feeds totals 1..200 on "GO", prints FED once all are buffered. */
    public static void main(String[] args) throws Exception {
        MqttPublisher p = TotalsAfterCrashTest.connectedChild(args);
        DeviceInfo e1 = TotalsAfterCrashTest.meter();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"GO".equals(in.readLine())) {
            return;
        }
        feed(p, e1, 1, BUFFERED);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::buffered, n -> n >= BUFFERED);
        System.out.println("FED");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void feed(MqttPublisher p, DeviceInfo e1, int from, int to) {
        for (int i = from; i <= to; i++) {
            p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(i), "energy_import", i + ".000", "period",
                    "1.000", "seq", i));
        }
    }

    @Test
    void retakenReadingsDoNotGoBelowTheBufferedOnes() throws Exception {
        Path data = tmp.resolve("data");
        try (Subscriber witness = new Subscriber(broker.url(), "witness", true, ENERGY);
                Relay relay = new Relay(broker.port)) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), RetakenReadingsTest.class.getName(),
                    data.toString(), relay.url()).redirectError(tmp.resolve("child.err").toFile()).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8)); PrintWriter in = new PrintWriter(child.getOutputStream(), true,
                            StandardCharsets.UTF_8)) {
                assertThat(out.readLine()).isEqualTo("CONNECTED");
                // the broker gets none of what follows
                relay.freeze();
                in.println("GO");
                assertThat(out.readLine()).isEqualTo("FED");
                child.destroyForcibly();
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            relay.cut();
            assertThat(witness.on(ENERGY)).isEmpty();

            MqttPublisher p = TotalsAfterCrashTest.publisher(data, relay.url());
            try {
                DeviceInfo e1 = TotalsAfterCrashTest.meter();
                p.deviceChanged(e1);
                // not connected yet: the meter's readings from 1 again go into the buffer behind the child's
                feed(p, e1, 1, BUFFERED + 100);
                Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::buffered, n -> n >= 2 * BUFFERED + 100);
                relay.open();
                witness.await(ENERGY, m -> new BigDecimal(m.payload()).intValue() == BUFFERED + 100);
                assertThat(p.staleTotals()).isGreaterThanOrEqualTo(BUFFERED - 1);
            } finally {
                p.close();
            }
            List<BigDecimal> energy = witness.payloads(ENERGY).stream().map(BigDecimal::new)
                    .collect(Collectors.toList());
            // the buffered batches all went out, the retaken ones only from the highest of those on
            assertThat(energy.subList(0, BUFFERED)).containsExactlyElementsOf(
                    java.util.stream.IntStream.rangeClosed(1, BUFFERED).mapToObj(i -> new BigDecimal(i + ".000"))
                            .collect(Collectors.toList()));
            for (int i = 1; i < energy.size(); i++) {
                assertThat(energy.get(i)).as("total %d of %s", i, energy).isGreaterThanOrEqualTo(energy.get(i - 1));
            }
        }
    }
}
