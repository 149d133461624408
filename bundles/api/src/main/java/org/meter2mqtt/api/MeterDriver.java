package org.meter2mqtt.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A meter protocol. Registered as an OSGi service with {@code meter.driver=<id>}; stateless apart from what
 * it shares between its sessions (one subscription for many MQTT meters, for example).
 */
@ConsumerType
public interface MeterDriver {

    /** Service property naming the protocol; equals {@link DriverDescription#id()} and the {@code driver} key. */
    String PROPERTY_ID = "meter.driver";

    /** What this driver is, which models and configuration keys it knows and which channels it produces. */
    DriverDescription describe();

    /**
     * Opens one device. Must return quickly: blocking I/O belongs in {@link DriverSession#poll()} or in a
     * thread started with {@link DeviceContext#startThread}.
     *
     * @throws ConfigException when the configuration is valid by type but unusable (e.g. a bad key)
     * @throws DriverException when the meter or its link cannot be reached now (retried with backoff)
     */
    DriverSession open(DeviceContext context) throws DriverException;
}
