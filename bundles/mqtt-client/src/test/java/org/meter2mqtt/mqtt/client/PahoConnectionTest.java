package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;

/**
 * Against the project's real embedded broker: the connection waits with backoff for a broker that starts late,
 * subscribes on connect, delivers what arrives, notices a broker that goes away and comes back by itself with its
 * subscriptions renewed.
 */
class PahoConnectionTest {

    @TempDir
    Path tmp;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void connectsLateSubscribesAndComesBack() throws Exception {
        int port = freePort();
        String url = "tcp://127.0.0.1:" + port;
        ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
        ConnectionSettings s = new ConnectionSettings(url, "paho-test", "user", "secret", 30, 100, null,
                Duration.ofMillis(100), Duration.ofSeconds(1));
        assertThat(s.toString()).doesNotContain("secret").contains("password=***");
        PahoConnection c = new PahoConnection("test", s, new MqttConnection.Subscriptions(List.of("in/#"), 1),
                new MqttConnection.Listener() {
                    @Override
                    public void message(String topic, byte[] payload) {
                        got.add(topic + "=" + new String(payload, StandardCharsets.UTF_8));
                    }

                    @Override
                    public void lost(String why) {
                        lost.add(why);
                    }
                }, timer);
        EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", port, null, null,
                tmp.resolve("b1")));
        try {
            c.start();
            Thread.sleep(500);
            // no broker yet: not connected, says why, refuses to publish
            assertThat(c.connected()).isFalse();
            assertThat(c.problem()).isNotNull();
            assertThat(c.publish("in/x", new byte[] { 1 }, 1, false)).isFalse();
            assertThat(c.options().getSocketFactory()).isNotNull();

            broker.start();
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(c::connected);
            assertThat(c.problem()).isNull();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                c.publish("in/a", "1".getBytes(StandardCharsets.UTF_8), 1, false);
                return got.contains("in/a=1");
            });

            broker.close();
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> !lost.isEmpty());
            assertThat(c.connected()).isFalse();
            broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", port, null, null, tmp.resolve("b2")));
            broker.start();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(c::connected);
            // subscribed again on the new broker (it has no session of ours)
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                c.publish("in/b", "2".getBytes(StandardCharsets.UTF_8), 1, false);
                return got.contains("in/b=2");
            });
        } finally {
            c.close();
            broker.close();
        }
        assertThat(c.connected()).isFalse();
    }
}
