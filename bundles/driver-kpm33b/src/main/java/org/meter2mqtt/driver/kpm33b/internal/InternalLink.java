package org.meter2mqtt.driver.kpm33b.internal;

/** The hub's connection to the broker the meters publish to: a client connection or the in-process one. */
interface InternalLink extends AutoCloseable {

    /** What arrives on the subscribed topics, one message at a time, in order. */
    interface Receiver {
        /** The message is {@code payload[0, length)}, valid only during the call (the embedded broker reuses it). */
        void message(String topic, byte[] payload, int length);
    }

    /** Connects, or starts connecting in the background. */
    void start();

    /**
     * True when {@link #connected()} can only turn true inside {@link #start()} or through the hub (the in-process
     * link), so a waiter need not look again on its own; false for a client connection that connects later on a
     * thread of its own and tells nobody.
     */
    default boolean announcesConnection() {
        return false;
    }

    boolean connected();

    /** Why it is not connected, or null. */
    String problem();

    /** Sends without waiting; false when it could not be handed over. */
    boolean publish(String topic, byte[] payload, int qos);

    @Override
    void close();
}
