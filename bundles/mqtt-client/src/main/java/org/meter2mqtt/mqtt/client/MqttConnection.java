package org.meter2mqtt.mqtt.client;

import java.io.IOException;
import java.util.List;

/**
 * A connection to one broker that keeps itself up: it retries the first connect with backoff (Paho's automatic
 * reconnect only works after a first success), then reconnects by itself, and renews its subscriptions on every
 * connect. What arrives and what happens to the connection is told to a {@link Listener} on the client's thread.
 *
 * <p>The seam between a part that needs MQTT (a driver link, an output) and Paho, after the idea of Kura's
 * DataTransportService (the connection) under its DataService (what to send), so that the part above can be
 * tested against a fake implementation and the socket, TLS and retry rules exist once.
 *
 * <p>Two ways to use it. {@link #start()}: the connection keeps itself up (a driver link). Or {@link #connect}: one
 * attempt, no retries and no automatic reconnect, with a Last Will, for an owner that keeps its own retry policy
 * and acknowledgement order (the MQTT output: one thread owns all state, polls {@link Delivery}s in the order it
 * sent them, and opens a new connection after a loss).
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

        /**
         * The same, with what {@link MqttConnection#ack} needs when the settings ask for manual acknowledgements:
         * the message id and its QoS. By default handed to {@link #message(String, byte[])}.
         */
        default void message(String topic, byte[] payload, int id, int qos) {
            message(topic, payload);
        }

        /** A message was acknowledged (QoS 1 and 2) or written (QoS 0): a wake-up, the owner polls its deliveries. */
        default void delivered() {
        }
    }

    /** Opens connections; the MQTT output takes one so that its tests can hand it a fake. */
    @FunctionalInterface
    interface Factory {
        MqttConnection open(String purpose, ConnectionSettings settings, Listener listener);
    }

    /** What the broker publishes for this client when the connection dies without a DISCONNECT. */
    record Will(String topic, byte[] payload, int qos, boolean retain) {
    }

    /** A connect or a publish handed over; polled by the owner's thread, never blocks. */
    interface Delivery {
        /** Connected, or acknowledged (QoS 1 and 2) or written (QoS 0). */
        boolean done();

        /** Why it failed, or null (still on its way, or done). */
        Failure failure();
    }

    /** A failure with a readable reason (TLS and login hints included). */
    final class Failure extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean configProblem;

        public Failure(String reason, boolean configProblem) {
            super(reason);
            this.configProblem = configProblem;
        }

        /** Retrying cannot help until the configuration changes (e.g. an unusable URL). */
        public boolean configProblem() {
            return configProblem;
        }

        @Override
        public String toString() {
            return getMessage();
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

    /**
     * One connect attempt instead of {@link #start()}: clean session, the Last Will, no retries, no automatic
     * reconnect ({@link Listener#lost} ends this connection; the owner opens a new one).
     *
     * @return done once connected, or failed (poll it; a broker host that drops SYNs takes the connect timeout)
     * @throws Failure when the attempt cannot even start (e.g. an unusable URL: {@link Failure#configProblem()})
     */
    Delivery connect(Will will) throws Failure;

    /**
     * Hands a message over without waiting, for an owner that needs to know when the broker has it. Messages sent
     * from one thread are acknowledged in the order they were sent (QoS 1, one connection).
     *
     * @throws Failure when it could not be handed over (not connected, the client's in-flight limit reached)
     */
    Delivery send(String topic, byte[] payload, int qos, boolean retain) throws Failure;

    /**
     * Subscribes now (on a connection from {@link #connect}) and waits for the broker's answer (up to 10 s);
     * messages arrive at {@link Listener#message}.
     */
    void subscribe(String filter, int qos) throws Failure;

    /**
     * Acknowledges a received message (with {@link ConnectionSettings#manualAcks()}): the broker may forget it now.
     * Only on the connection it came on; a message id of an earlier connection names another message.
     */
    void ack(int id, int qos) throws Failure;

    /** Ends a subscription made with {@link #subscribe}. */
    void unsubscribe(String filter) throws Failure;

    /**
     * Writes a socket flush that a coalescing connection ({@link ConnectionSettings#coalesce()}) has held back for
     * longer than {@code heldNanos}, a safety net for a count that ran ahead; true if it wrote one.
     */
    default boolean flushHeld(long heldNanos) {
        return false;
    }

    /** Drops the connection at once, without waiting for what is in flight (after a loss or a refused publish). */
    void abort();

    /** Disconnects (up to a second for what is in flight) and stops reconnecting. */
    @Override
    void close();

    /** Topic filters with one QoS, subscribed after every connect. */
    record Subscriptions(List<String> filters, int qos) {
        public static final Subscriptions NONE = new Subscriptions(List.of(), 0);
    }
}
