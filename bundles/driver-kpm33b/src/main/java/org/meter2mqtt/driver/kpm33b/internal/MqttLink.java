package org.meter2mqtt.driver.kpm33b.internal;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

import org.meter2mqtt.mqtt.client.ConnectionSettings;
import org.meter2mqtt.mqtt.client.MqttConnection;
import org.meter2mqtt.mqtt.client.PahoConnection;

/**
 * The hub's client connection to the broker the meters publish to, on the gateway's shared MQTT client layer
 * ({@link PahoConnection}: retries with backoff until the first connect, then reconnects by itself, renews the
 * subscriptions on every connect, TCP_NODELAY sockets so the meters' small messages never wait for Nagle).
 */
final class MqttLink implements InternalLink {

    /** The kpm33b_proxy output can have thousands of QoS 1 messages on the way at full load. */
    private static final int MAX_INFLIGHT = 20_000;

    private final MqttConnection connection;

    MqttLink(String purpose, String url, String clientId, String username, String password, List<String> topics,
            int subscribeQos, Receiver receiver, Consumer<String> onLost, Runnable onConnected,
            ScheduledExecutorService timer) {
        this.connection = new PahoConnection("KPM33B " + purpose,
                ConnectionSettings.of(url, clientId, username, password, MAX_INFLIGHT),
                new MqttConnection.Subscriptions(List.copyOf(topics), subscribeQos), new MqttConnection.Listener() {
                    @Override
                    public void connected(boolean reconnect) {
                        onConnected.run();
                    }

                    @Override
                    public void lost(String why) {
                        onLost.accept(why);
                    }

                    @Override
                    public void message(String topic, byte[] payload) {
                        receiver.message(topic, payload, payload.length);
                    }
                }, timer);
    }

    @Override
    public void start() {
        connection.start();
    }

    /** The connection calls back on every connect, so waiters are woken, not polling. */
    @Override
    public boolean announcesConnection() {
        return true;
    }

    @Override
    public boolean connected() {
        return connection.connected();
    }

    @Override
    public String problem() {
        return connection.problem();
    }

    /** Sends without waiting; false when it could not be handed to the connection. */
    @Override
    public boolean publish(String topic, byte[] payload, int qos) {
        return connection.publish(topic, payload, qos, false);
    }

    @Override
    public void close() {
        connection.close();
    }
}
