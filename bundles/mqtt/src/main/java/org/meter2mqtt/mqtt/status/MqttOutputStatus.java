package org.meter2mqtt.mqtt.status;

import org.osgi.annotation.versioning.ProviderType;

/** What the MQTT output is doing. All methods are cheap and never block. */
@ProviderType
public interface MqttOutputStatus {

    enum State {
        /** Connected; readings flow. */
        CONNECTED,
        /** Trying to (re)connect with backoff; readings are buffered on disk. */
        CONNECTING,
        /** The configuration cannot be used; {@link #detail()} says why. Readings are buffered on disk. */
        CONFIG_ERROR,
        /** Not running (gateway stopping). */
        STOPPED
    }

    State state();

    /** The broker URL when connected, else the reason (last connection error or configuration problem). */
    String detail();

    /** Batches (one meter moment each) waiting in the on-disk buffer. */
    long buffered();

    /** Batches dropped by the buffer's size or age bound, or because the buffer could not be written. */
    long dropped();

    /** Readings not published because a counter went backwards (total_increasing channels). */
    long rejected();

    /** MQTT messages the broker acknowledged (QoS 1/2) or that were written to it (QoS 0). */
    long published();
}
