package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.mqtt.status.MqttOutputStatus;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Store-and-forward: readings flow, the broker stops, the publisher is restarted while it is down, the broker
 * comes back; every reading arrives once, in order, with its original timestamp.
 */
class OutageTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = { "embedded", "mosquitto" })
    void everyReadingArrivesOnceInOrderAfterAnOutageAndARestart(String kind) throws Exception {
        TestBroker broker = kind.equals("embedded") ? new TestBroker.Embedded(tmp.resolve("broker"))
                : new TestBroker.Mosquitto(tmp.resolve("broker"));
        Path data = tmp.resolve("gateway");
        MqttSettings settings = PublisherTest.settings(broker.url()).build();
        DeviceInfo e1 = Devices.meter("e1", Devices.SEQ);
        String state = "meters/demo/e1/state";
        broker.start();
        // A persistent session (clean=false): the broker queues for the witness while it is away.
        Subscriber witness = new Subscriber(broker.url(), "witness", false, state);
        MqttPublisher first = new MqttPublisher(data, "0.1.0", Clock.systemUTC());
        MqttPublisher second = null;
        try {
            first.start(settings);
            first.deviceChanged(e1);
            feed(first, e1, 1, 20);
            witness.awaitCount(state, 20);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(first::buffered, n -> n == 0);

            broker.stop();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(first::state,
                    s -> s == MqttOutputStatus.State.CONNECTING);
            feed(first, e1, 21, 40);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(first::buffered, n -> n == 20);
            first.close();

            second = new MqttPublisher(data, "0.1.0", Clock.systemUTC());
            second.start(settings);
            second.deviceChanged(e1);
            feed(second, e1, 41, 60);
            MqttPublisher s2 = second;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(s2::buffered, n -> n == 40);
            assertThat(second.state()).isEqualTo(MqttOutputStatus.State.CONNECTING);

            broker.start();
            witness.connect();
            witness.awaitCount(state, 60);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(s2::buffered, n -> n == 0);
            Thread.sleep(300);
            List<Integer> seqs = new ArrayList<>();
            for (String json : witness.payloads(state)) {
                JsonNode j = Payloads.mapper().readTree(json);
                int seq = j.get("seq").asInt();
                seqs.add(seq);
                // The meter's time, not the time of sending.
                assertThat(j.get("timestamp").asText()).isEqualTo(PublisherTest.T0.plusSeconds(seq).toString());
            }
            assertThat(seqs).containsExactlyElementsOf(IntStream.rangeClosed(1, 60).boxed().toList());
            assertThat(second.dropped()).isZero();
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
            witness.close();
            broker.close();
        }
    }

    private static void feed(MqttPublisher p, DeviceInfo d, int from, int to) {
        for (int i = from; i <= to; i++) {
            p.readings(d, Devices.readings(PublisherTest.T0.plusSeconds(i), "seq", i));
        }
    }
}
