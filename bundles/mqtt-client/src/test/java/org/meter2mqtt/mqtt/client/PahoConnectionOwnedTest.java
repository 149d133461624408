package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@link PahoConnection#connect} as the MQTT output uses it, against the project's embedded broker: one attempt
 * with a Last Will and no automatic reconnect, deliveries that complete when the broker acknowledged (all of them,
 * in order, over the coalescing stream), a subscription, and readable failures for a refused connect and a bad URL.
 */
class PahoConnectionOwnedTest extends OnLoopbackBroker {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ConnectionSettings settings(String url, String id) {
        return new ConnectionSettings(url, id, null, null, 30, 100, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), true, true);
    }

    private static void await(MqttConnection.Delivery d) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> d.done() || d.failure() != null);
        assertThat(d.failure()).isNull();
        assertThat(d.done()).isTrue();
    }

    @Test
    void sendsWithAcknowledgementsSubscribesAndLeavesItsWill() throws Exception {
        ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
        AtomicInteger delivered = new AtomicInteger();
        MqttConnection.Listener witnessListener = new MqttConnection.Listener() {
            @Override
            public void message(String topic, byte[] payload) {
                got.add(topic + "=" + new String(payload, StandardCharsets.UTF_8));
            }
        };
        MqttConnection witness = PahoConnection.FACTORY.open("witness", settings(url, "witness"), witnessListener);
        await(witness.connect(null));
        witness.subscribe("owned/#", 1);
        // the subscription is asynchronous: probe until it is in place
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            witness.send("owned/probe", new byte[] { 1 }, 1, false);
            return got.stream().anyMatch(m -> m.startsWith("owned/probe="));
        });
        got.clear();

        MqttConnection c = PahoConnection.FACTORY.open("test", settings(url, "owned"), new MqttConnection.Listener() {
            @Override
            public void delivered() {
                delivered.incrementAndGet();
            }
        });
        try {
            await(c.connect(new MqttConnection.Will("owned/status", "offline".getBytes(StandardCharsets.US_ASCII),
                    1, true)));
            List<MqttConnection.Delivery> ds = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ds.add(c.send("owned/n", String.valueOf(i).getBytes(StandardCharsets.US_ASCII), 1, false));
            }
            ds.forEach(PahoConnectionOwnedTest::await);
            assertThat(delivered.get()).isEqualTo(50);
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> got.stream().filter(m -> m.startsWith("owned/n=")).count() >= 50);
            // one sending thread over the coalescing stream: every message, in order
            assertThat(got.stream().filter(m -> m.startsWith("owned/n="))).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 50).mapToObj(i -> "owned/n=" + i).toList());
            assertThat(c.inflight()).isZero();
            assertThat(c.flushHeld(0)).isFalse();

            // what the broker got with CONNECT: the Will, and no automatic reconnect (the owner reconnects)
            var o = ((PahoConnection) c).options();
            assertThat(o.getWillDestination()).isEqualTo("owned/status");
            assertThat(new String(o.getWillMessage().getPayload(), StandardCharsets.US_ASCII)).isEqualTo("offline");
            assertThat(o.getWillMessage().isRetained()).isTrue();
            assertThat(o.isAutomaticReconnect()).isFalse();
            // a clean session: the 50 went through without Paho keeping copies; a persistent one keeps them
            assertThat(o.isCleanSession()).isTrue();
            assertThat(((PahoConnection) c).persistence()).isInstanceOf(NoPersistence.class);
            ConnectionSettings manual = new ConnectionSettings(url, "m", null, null, 30, 100, null,
                    Duration.ofSeconds(1), Duration.ofSeconds(1), true, false, true);
            assertThat(manual.manualAcks()).isTrue();
            assertThat(new PahoConnection("t", manual, null, null, null).persistence())
                    .isInstanceOf(org.eclipse.paho.client.mqttv3.persist.MemoryPersistence.class);
        } finally {
            c.abort();
            witness.close();
        }
        assertThatThrownBy(() -> c.send("owned/n", new byte[1], 1, false)).isInstanceOf(MqttConnection.Failure.class);
    }

    @Test
    void failuresSayWhy() throws Exception {
        MqttConnection refused = PahoConnection.FACTORY.open("test", settings("tcp://127.0.0.1:" + freePort(), "r"),
                new MqttConnection.Listener() {
                });
        MqttConnection.Delivery d = refused.connect(null);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> d.failure() != null);
        assertThat(d.done()).isFalse();
        assertThat(d.failure().configProblem()).isFalse();
        assertThat(d.failure().getMessage()).containsIgnoringCase("unable to connect");
        refused.abort();

        MqttConnection bad = PahoConnection.FACTORY.open("test", settings("tcp:/nohost", "b"),
                new MqttConnection.Listener() {
                });
        assertThatThrownBy(() -> bad.connect(null)).isInstanceOfSatisfying(MqttConnection.Failure.class,
                f -> assertThat(f.configProblem()).isTrue());
    }
}
