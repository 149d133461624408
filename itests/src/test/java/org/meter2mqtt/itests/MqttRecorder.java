package org.meter2mqtt.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An independent MQTT client (Paho, its own connection) that records every message it gets, in arrival order,
 * with the RETAIN and DUP flags as the broker set them.
 */
final class MqttRecorder implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** One message as received. */
    static final class Msg {
        final String topic;
        final byte[] payload;
        final boolean retained;
        final boolean duplicate;
        final int qos;
        /** When this client got it (epoch ms), for timing what the gateway does after a message. */
        final long receivedMillis;

        Msg(String topic, MqttMessage m) {
            this.topic = topic;
            this.payload = m.getPayload();
            this.retained = m.isRetained();
            this.duplicate = m.isDuplicate();
            this.qos = m.getQos();
            this.receivedMillis = System.currentTimeMillis();
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(payload);
            } catch (IOException e) {
                throw new AssertionError("not JSON on " + topic + ": " + text(), e);
            }
        }

        @Override
        public String toString() {
            return topic + (retained ? " [retained]" : "") + (duplicate ? " [dup]" : "") + " = " + text();
        }
    }

    private final MqttClient client;
    private final MqttConnectOptions options;
    private final List<Msg> messages = new CopyOnWriteArrayList<>();
    private final List<String[]> subscriptions = new CopyOnWriteArrayList<>();

    /**
     * @param cleanSession false keeps the subscriptions and queued QoS 1 messages on the broker while this client
     *        is away (a broker restart included, when the broker persists sessions)
     */
    MqttRecorder(String url, String clientId, boolean cleanSession) throws MqttException {
        client = new MqttClient(url, clientId, new MemoryPersistence());
        options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(5);
        options.setKeepAliveInterval(30);
        options.setMaxInflight(1000);
        client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                // the tests stop brokers on purpose; reconnect() is called by them
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                messages.add(new Msg(topic, message));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                // publishes of the test (HA birth) need no follow-up
            }
        });
        client.connect(options);
    }

    /** Connects to {@code url} and subscribes to {@code filter}. */
    static MqttRecorder subscribe(String url, String clientId, String filter, int qos) throws MqttException {
        MqttRecorder r = new MqttRecorder(url, clientId, true);
        r.subscribe(filter, qos);
        return r;
    }

    void subscribe(String filter, int qos) throws MqttException {
        try {
            client.subscribe(filter, qos);
        } catch (MqttException e) {
            if (e.getReasonCode() != MqttException.REASON_CODE_CONNECTION_LOST) {
                throw e;
            }
            // Moquette 0.17 (the embedded broker) drops a connection whose SUBSCRIBE arrives before it has marked
            // the session connected after the CONNACK; a client connects again, as real ones do. Seen in CI.
            try {
                reconnect(10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw e;
            }
            client.subscribe(filter, qos);
        }
        subscriptions.add(new String[] {filter, Integer.toString(qos)});
    }

    /** Connects again after the broker went away, until it works or {@code seconds} pass. */
    void reconnect(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try {
                if (!client.isConnected()) {
                    client.connect(options);
                }
                if (options.isCleanSession()) {
                    for (String[] s : subscriptions) {
                        client.subscribe(s[0], Integer.parseInt(s[1]));
                    }
                }
                return;
            } catch (MqttException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cannot reconnect the test subscriber: " + e, e);
                }
                Thread.sleep(100);
            }
        }
    }

    boolean connected() {
        return client.isConnected();
    }

    void publish(String topic, String payload, boolean retained) throws MqttException {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, retained);
    }

    List<Msg> messages() {
        return new ArrayList<>(messages);
    }

    int size() {
        return messages.size();
    }

    List<Msg> on(String topic) {
        return messages.stream().filter(m -> m.topic.equals(topic)).collect(Collectors.toList());
    }

    List<Msg> since(int index) {
        List<Msg> all = messages();
        return all.subList(Math.min(index, all.size()), all.size());
    }

    /** The last message of each topic, in the order the topics were first seen. */
    Map<String, Msg> lastPerTopic() {
        Map<String, Msg> m = new LinkedHashMap<>();
        for (Msg msg : messages) {
            m.put(msg.topic, msg);
        }
        return m;
    }

    /** Waits for a message (received at index {@code from} or later) that matches. */
    Msg await(String what, long seconds, int from, Predicate<Msg> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int i = from;
        while (true) {
            List<Msg> all = messages;
            for (; i < all.size(); i++) {
                if (p.test(all.get(i))) {
                    return all.get(i);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "; got "
                        + messages.size() + " messages, last: " + tail(5));
            }
            Thread.sleep(20);
        }
    }

    Msg await(String what, long seconds, Predicate<Msg> p) throws InterruptedException {
        return await(what, seconds, 0, p);
    }

    /** Waits until no message has arrived for {@code quietMillis} (e.g. the retained burst after subscribing). */
    void awaitQuiet(long quietMillis, long maxSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        int last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int n = messages.size();
            if (n != last) {
                last = n;
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= TimeUnit.MILLISECONDS.toNanos(quietMillis)) {
                return;
            }
            Thread.sleep(20);
        }
    }

    String tail(int n) {
        List<Msg> all = messages();
        return all.subList(Math.max(0, all.size() - n), all.size()).toString();
    }

    /**
     * What the broker holds retained under {@code filter}: a fresh clean-session client subscribes with QoS 0
     * and keeps what arrives flagged RETAIN until the burst is over. QoS 0 because the embedded Moquette 0.17
     * clears the RETAIN flag towards new QoS 1 subscribers (see bundles/broker/README.md).
     */
    static Map<String, Msg> retained(String url, String filter) throws Exception {
        try (MqttRecorder r = subscribe(url, "itest-retained-" + System.nanoTime(), filter, 0)) {
            r.awaitQuiet(1500, 15);
            Map<String, Msg> m = new LinkedHashMap<>();
            for (Msg msg : r.messages()) {
                if (msg.retained) {
                    m.put(msg.topic, msg);
                }
            }
            return m;
        }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(1000);
            }
        } catch (MqttException e) {
            // the broker may already be gone; closing below releases the client anyway
            System.err.println("itest: disconnect of the test subscriber failed: " + e);
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            System.err.println("itest: closing the test subscriber failed: " + e);
        }
    }
}
