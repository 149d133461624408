package org.meter2mqtt.api;

import org.osgi.annotation.versioning.ConsumerType;

/** Optional service of an output (MQTT, InfluxDB) so shells and health checks can show how it is doing. */
@ConsumerType
public interface OutputStatus {

    /** Short name, e.g. {@code mqtt}. */
    String outputName();

    /** True while the output delivers (connected); false while it buffers, retries or is misconfigured. */
    boolean healthy();

    /** One line for an operator: state, target, and counters such as buffered and dropped readings. */
    String summary();

    /**
     * Batches (or messages) delivered so far, or -1 when the output does not count them.
     *
     * @since 1.2
     */
    default long published() {
        return -1;
    }

    /**
     * Batches waiting to be delivered (memory or disk buffer), or -1 when the output does not count them.
     *
     * @since 1.2
     */
    default long buffered() {
        return -1;
    }

    /**
     * Batches lost for good (buffer bound reached, unwritable buffer), or -1 when the output does not count them.
     *
     * @since 1.2
     */
    default long dropped() {
        return -1;
    }
}
