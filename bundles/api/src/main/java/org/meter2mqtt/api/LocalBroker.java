package org.meter2mqtt.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's embedded MQTT broker, offered to bundles in the same JVM (since API 1.1). A driver whose
 * meters publish to the embedded broker takes their messages here instead of through a client connection:
 * no loopback socket, no MQTT encoding and decoding, and no per-subscriber queue in the broker that
 * overflows (and drops QoS 0 messages) when the subscriber stalls for a moment.
 *
 * <p>Registered by the broker bundle while its listener runs; it goes away when the broker stops or is
 * reconfigured, which ends every {@link #listen} registration.
 */
@ProviderType
public interface LocalBroker {

    /** What a {@link #listen} registration receives. */
    @FunctionalInterface
    interface Listener {
        /**
         * One message a client published. Called on one of the broker's threads, one message at a time, each
         * client's messages in the order the broker received them; a slow listener delays every other listener
         * and the broker's other clients.
         */
        void message(String topic, byte[] payload);

        /**
         * As {@link #message(String, byte[])}, with the message in {@code payload[0, length)} of an array the broker
         * reuses for the next message once this returns: a listener that parses each message at once implements
         * this and saves a copy per message; one that keeps the bytes copies them. The default copies and calls
         * {@link #message(String, byte[])}.
         *
         * @since 1.5
         */
        default void message(String topic, byte[] payload, int length) {
            message(topic, java.util.Arrays.copyOf(payload, length));
        }
    }

    /** {@code host:port} the broker listens on, for messages and logs. */
    String address();

    /**
     * Receives every PUBLISH a client sends on a topic matching one of {@code filters} (MQTT filters,
     * {@code +} and {@code #} allowed), whether or not any client subscribed. Messages sent with
     * {@link #publish} are not delivered to listeners.
     *
     * @return closing it ends the registration
     */
    AutoCloseable listen(List<String> filters, Listener listener);

    /**
     * Messages not handed to listeners because they fell so far behind that the broker's buffers were about
     * to exhaust memory (counted and logged instead of an OutOfMemoryError that would stop every meter).
     */
    long dropped();

    /**
     * Delivers a message to the broker's subscribers as if a client had published it.
     *
     * @return false when the broker is stopped or refused it
     */
    boolean publish(String topic, byte[] payload, int qos, boolean retained);
}
