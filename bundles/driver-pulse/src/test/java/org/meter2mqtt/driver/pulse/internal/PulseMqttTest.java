package org.meter2mqtt.driver.pulse.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.meter2mqtt.simulators.pulse.PulseSimulator;

/**
 * Pulses over MQTT (the newer EMDC edges): from the gateway's embedded broker ({@code url = embedded}) and from
 * a Mosquitto process, QoS 1 with PUBACKs sent only after the counter is on disk, a persistent session that
 * keeps the pulses sent while the gateway is away.
 */
class PulseMqttTest {

    @TempDir
    Path tmp;

    private static PulseSimulator simulator(String url, boolean oldShape, double duplicates, double garbage)
            throws Exception {
        PulseSimulator.Options o = new PulseSimulator.Options();
        o.mqtt = url;
        o.oldShape = oldShape;
        o.dcIds = 2;
        o.reactiveEvery = 3;
        o.powerW = 3600;
        o.duplicates = duplicates;
        o.garbage = garbage;
        o.startMs = System.currentTimeMillis() - 3_000_000L;
        PulseSimulator sim = new PulseSimulator(o);
        sim.connect();
        return sim;
    }

    @Test
    void embeddedBrokerBothShapesDuplicatesAndGarbage() throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        broker.start();
        try (Gateway gw = new Gateway(tmp.resolve("state"), new CopyOnWriteArrayList<>(), broker)) {
            gw.manager.configure("e", Gateway.cfg("url", "embedded", "imp.per.kwh", "500"));
            gw.awaitState("e", DeviceState.ONLINE);
            long active;
            long reactive;
            long garbage;
            try (PulseSimulator sim = simulator("tcp://127.0.0.1:" + broker.port(), false, 0.05, 0.02);
                    PulseSimulator old = simulator("tcp://127.0.0.1:" + broker.port(), true, 0, 0)) {
                sim.send(600, 0);
                // the old shape from another edge channel set: its dc_ids are counted on their own
                old.send(300, 0);
                active = sim.activeSent() + old.activeSent();
                reactive = sim.reactiveSent() + old.reactiveSent();
                garbage = sim.garbageSent();
                assertThat(sim.duplicatesSent()).isPositive();
            }
            // 500 imp/kWh: 2 Wh a pulse
            gw.awaitTotal("e", "active_energy", BigDecimal.valueOf(active * 2).movePointLeft(3));
            gw.awaitTotal("e", "reactive_energy", BigDecimal.valueOf(reactive * 2).movePointLeft(3));
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> gw.device("e").attributes()
                    .getOrDefault("rejected", "").startsWith(garbage + " (last: "));
        } finally {
            broker.close();
        }
    }

    @Test
    void mosquittoKeepsThePulsesWhileTheGatewayIsAway() throws Exception {
        try (Mosquitto mosquitto = startMosquitto()) {
            String url = mosquitto.url();
            List<Reading> all = new CopyOnWriteArrayList<>();
            Path state = tmp.resolve("state");
            Gateway gw = new Gateway(state, all, null);
            gw.manager.configure("q", Gateway.cfg("url", url));
            gw.awaitState("q", DeviceState.ONLINE);
            PulseSimulator sim = simulator(url, false, 0, 0);
            Thread sender = new Thread(() -> {
                try {
                    sim.send(1200, 1500);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            sender.start();
            Thread.sleep(300);
            gw.close(); // away while pulses keep coming: the broker queues them for the persistent session
            Thread.sleep(200);
            gw = new Gateway(state, all, null);
            gw.manager.configure("q", Gateway.cfg("url", url));
            sender.join();
            long active = sim.activeSent();
            sim.close();
            gw.awaitTotal("q", "active_energy", BigDecimal.valueOf(active).movePointLeft(3));
            List<BigDecimal> totals = gw.values("q", "active_energy");
            for (int i = 1; i < totals.size(); i++) {
                assertThat(totals.get(i)).isGreaterThanOrEqualTo(totals.get(i - 1));
            }
            gw.close();
        }
    }

    /**
     * A deleted device's persistent session would keep its subscription, and the broker would queue every pulse for
     * a client that never comes back. A gateway stop must keep it (that is how no pulse is lost meanwhile).
     */
    @Test
    void deletingTheDeviceEndsItsPersistentSessionOnTheEmbeddedBroker() throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        broker.start();
        try {
            assertDeletionEndsTheSession("tcp://127.0.0.1:" + broker.port(), "embedded", broker);
        } finally {
            broker.close();
        }
    }

    @Test
    void deletingTheDeviceEndsItsPersistentSessionOnMosquitto() throws Exception {
        try (Mosquitto mosquitto = startMosquitto()) {
            assertDeletionEndsTheSession(mosquitto.url(), mosquitto.url(), null);
        }
    }

    private void assertDeletionEndsTheSession(String url, String configured, EmbeddedBroker broker) throws Exception {
        Path state = tmp.resolve("state");
        String clientId = "meter2mqtt-pulse-gone";
        try (Gateway gw = new Gateway(state, new CopyOnWriteArrayList<>(), broker)) {
            gw.manager.configure("gone", Gateway.cfg("url", configured));
            gw.awaitState("gone", DeviceState.ONLINE);
        }
        sendPulse(url);
        Probe kept = Probe.of(url, clientId);
        assertThat(kept.sessionPresent).as("the session after a stop").isTrue();
        assertThat(kept.messages).as("the pulse queued while the gateway was stopped").isEqualTo(1);

        try (Gateway gw = new Gateway(state, new CopyOnWriteArrayList<>(), broker)) {
            gw.manager.configure("gone", Gateway.cfg("url", configured));
            gw.awaitState("gone", DeviceState.ONLINE);
            gw.manager.delete("gone");
        }
        sendPulse(url);
        Probe ended = Probe.of(url, clientId);
        assertThat(ended.sessionPresent).as("the session after the deletion").isFalse();
        assertThat(ended.messages).as("pulses queued after the deletion").isZero();
    }

    private static void sendPulse(String url) throws MqttException {
        MqttClient edge = new MqttClient(url, "edge-" + System.nanoTime(), new MemoryPersistence());
        edge.connect();
        String body = "{\"ts\":" + System.currentTimeMillis() + ",\"dc_id\":1,\"rarr\":0}";
        edge.publish("emdc/events/energy/active", body.getBytes(StandardCharsets.UTF_8), 1, false);
        edge.disconnect();
        edge.close();
    }

    /** Connects with the device's client id and clean session off, as the device would: what does the broker keep? */
    private static final class Probe {
        boolean sessionPresent;
        int messages;

        static Probe of(String url, String clientId) throws Exception {
            Probe p = new Probe();
            AtomicInteger arrived = new AtomicInteger();
            MqttClient c = new MqttClient(url, clientId, new MemoryPersistence());
            c.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    // the probe ends on its own
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    arrived.incrementAndGet();
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                    // the probe sends nothing
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            p.sessionPresent = c.connectWithResult(o).getSessionPresent();
            Thread.sleep(1_000); // queued messages come right after the CONNACK
            p.messages = arrived.get();
            c.disconnect();
            c.close();
            return p;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** A Mosquitto process of this test, stopped on close. */
    private record Mosquitto(Process process, int port) implements AutoCloseable {
        String url() {
            return "tcp://127.0.0.1:" + port;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Mosquitto startMosquitto() throws Exception {
        int port = freePort();
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mosquitto")), "mosquitto is not installed");
        Path dir = tmp.resolve("mosquitto");
        Files.createDirectories(dir);
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\nuser root\n"
                + "max_queued_messages 100000\n");
        Process mosquitto = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        Mosquitto m = new Mosquitto(mosquitto, port);
        try {
            awaitPort(port);
        } catch (RuntimeException | InterruptedException e) {
            m.close();
            throw e;
        }
        return m;
    }

    private static void awaitPort(int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not open port " + port);
    }
}
