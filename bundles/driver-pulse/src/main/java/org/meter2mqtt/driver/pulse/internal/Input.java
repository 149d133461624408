package org.meter2mqtt.driver.pulse.internal;

import java.util.List;

/** Where pulses come from: a RabbitMQ queue or an MQTT subscription, both with acknowledgements we send. */
interface Input extends AutoCloseable {

    /** What an input hands over, on its own thread. */
    interface Sink {
        void delivered(Delivery d);

        /** The connection is gone; the session ends and the core opens a new one with backoff. */
        void lost(String why, Throwable cause);
    }

    /** Connects and starts consuming; blocks until it does. @throws Exception when it cannot */
    void start() throws Exception;

    /** Acknowledges deliveries whose pulses are on disk (or were not pulses). */
    void ack(List<Delivery> done);

    /** Bad input: dead-lettered where the queue has a dead-letter exchange, else dropped; never requeued. */
    void reject(Delivery d);

    /** Where it reads from, without credentials, for meter:show and logs. */
    String describe();

    @Override
    void close();

    /**
     * The device is deleted: closes, and removes what the source keeps for this device alone, so it stops
     * collecting pulses nobody will count. Pulses still waiting there are dropped with it.
     *
     * @return what was removed, for the log; null when nothing there is the device's alone
     * @throws Exception when it could not be removed (the input is closed all the same)
     */
    String forget() throws Exception;
}
