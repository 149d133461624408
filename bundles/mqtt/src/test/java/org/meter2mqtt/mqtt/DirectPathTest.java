package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.mqtt.status.MqttOutputStatus;

/**
 * The direct path (batches kept in memory while connected and the disk buffer is empty) when things go wrong
 * with messages in flight. A {@link Relay} between publisher and mosquitto holds the bytes, so the in-flight
 * messages never reach the broker: each one must be sent again, and exactly once more.
 */
class DirectPathTest {

    private static final String STATE = "meters/demo/e1/state";

    @TempDir
    Path tmp;

    private TestBroker broker;
    private Relay relay;
    private Subscriber witness;
    private final List<MqttPublisher> publishers = new ArrayList<>();
    private final DeviceInfo e1 = Devices.meter("e1", Devices.SEQ);

    @BeforeEach
    void startBroker() throws Exception {
        broker = new TestBroker.Mosquitto(tmp.resolve("broker"));
        broker.start();
        relay = new Relay(broker.port);
        witness = new Subscriber(broker.url(), "witness", true, STATE);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (MqttPublisher p : publishers) {
            p.close();
        }
        witness.close();
        relay.close();
        broker.close();
    }

    private MqttPublisher publisher(MqttSettings s) {
        MqttPublisher p = new MqttPublisher(tmp.resolve("gateway"), "0.1.0", Clock.systemUTC());
        publishers.add(p);
        p.start(s);
        p.deviceChanged(e1);
        return p;
    }

    private static void feed(MqttPublisher p, DeviceInfo d, int from, int to) {
        for (int i = from; i <= to; i++) {
            p.readings(d, Devices.readings(PublisherTest.T0.plusSeconds(i), "seq", i));
        }
    }

    /** Sends 1..10 through, then freezes the relay and sends 11..30: they stay in memory, in flight. */
    private MqttPublisher inFlight(MqttSettings s) {
        MqttPublisher p = publisher(s);
        feed(p, e1, 1, 10);
        witness.awaitCount(STATE, 10);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == 0);
        relay.freeze();
        feed(p, e1, 11, 30);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == 20);
        assertThat(p.spilled()).isZero();
        return p;
    }

    private void assertDeliveredOnceInOrder(int last) throws InterruptedException {
        witness.awaitCount(STATE, last);
        Thread.sleep(300);
        assertThat(PublisherTest.seqs(witness, STATE))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, last).boxed().toList());
    }

    @Test
    void aLostConnectionSendsTheInMemoryBatchesAgainAheadOfNewerOnes() throws Exception {
        MqttPublisher p = inFlight(PublisherTest.settings(relay.url()).build());

        relay.cut();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::state, s -> s == MqttOutputStatus.State.CONNECTING);
        // The 20 unacknowledged batches went to the disk buffer; newer ones queue behind them.
        assertThat(p.spilled()).isEqualTo(20);
        feed(p, e1, 31, 40);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == 30);

        relay.open();
        assertDeliveredOnceInOrder(40);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == 0);

        // Back on the direct path once the disk buffer is empty.
        feed(p, e1, 41, 50);
        assertDeliveredOnceInOrder(50);
        assertThat(p.spilled()).isEqualTo(20);
        assertThat(p.dropped()).isZero();
    }

    @Test
    void aStopWithBatchesInFlightWritesThemToTheBufferForTheNextStart() throws Exception {
        MqttSettings s = PublisherTest.settings(relay.url()).build();
        MqttPublisher first = inFlight(s);

        first.close();
        assertThat(first.spilled()).isEqualTo(20);
        relay.cut();
        relay.open();

        MqttPublisher second = publisher(s);
        feed(second, e1, 31, 35);
        assertDeliveredOnceInOrder(35);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(second::buffered, n -> n == 0);
    }

    @Test
    void aBrokerFallingBehindMovesTheBacklogToDiskWithoutSendingAnythingTwice() throws Exception {
        // A small window: 10 messages in memory (5 batches of seq + state), then the hand-off queue fills.
        MqttPublisher p = publisher(PublisherTest.settings(relay.url()).maxInflight(10).build());
        feed(p, e1, 1, 10);
        witness.awaitCount(STATE, 10);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == 0);
        relay.freeze();
        int last = 2_600;
        feed(p, e1, 11, last);
        // The backlog beyond the window goes to the disk buffer; the batches in flight were on disk already (since
        // nothing-lost-on-a-crash they are written before they are sent), so nothing has to be moved.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == last - 10);
        assertThat(p.spilled()).isZero();

        relay.open();
        assertDeliveredOnceInOrder(last);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, n -> n == 0);
        assertThat(p.state()).isEqualTo(MqttOutputStatus.State.CONNECTED);
    }
}
