package org.meter2mqtt.mqtt.client;

import java.util.List;

/**
 * A connection to one broker that keeps itself up: it retries the first connect with backoff (Paho's automatic
 * reconnect only works after a first success), then reconnects by itself, and renews its subscriptions on every
 * connect. What arrives and what happens to the connection is told to a {@link Listener} on the client's thread.
 *
 * <p>The seam between a part that needs MQTT (a driver link, an output) and Paho, after the idea of Kura's
 * DataTransportService (the connection) under its DataService (what to send), so that the part above can be
 * tested against a fake implementation and the socket, TLS and retry rules exist once.
 */
public interface MqttConnection extends AutoCloseable {

    /** Told on the client's threads; must not block and must not throw. */
    interface Listener {
        /** Connected (again, with {@code reconnect}); subscriptions are renewed before this. */
        default void connected(boolean reconnect) {
        }

        /** The connection dropped (not on {@link #close()}); it reconnects by itself. */
        default void lost(String why) {
        }

        /** A message on a subscribed topic, in order. */
        default void message(String topic, byte[] payload) {
        }
    }

    /** Starts connecting in the background; returns at once. */
    void start();

    boolean connected();

    /** Why it is not connected (the last failure), or null when connected. */
    String problem();

    /**
     * Hands a message to the connection without waiting.
     *
     * @return false when it could not be handed over (not connected, too many in flight, closed)
     */
    boolean publish(String topic, byte[] payload, int qos, boolean retain);

    /** Messages handed over and not yet acknowledged (QoS 1 and 2). */
    int inflight();

    /** Disconnects (up to a second for what is in flight) and stops reconnecting. */
    @Override
    void close();

    /** Topic filters with one QoS, subscribed after every connect. */
    record Subscriptions(List<String> filters, int qos) {
        public static final Subscriptions NONE = new Subscriptions(List.of(), 0);
    }
}
