package org.meter2mqtt.api;

import org.osgi.annotation.versioning.ConsumerType;

/** One open device. Created by {@link MeterDriver#open}, closed by the core. */
@ConsumerType
public interface DriverSession extends AutoCloseable {

    /**
     * Reads the meter now and publishes the batch through {@link DeviceContext#publish}. Called by the core
     * at the device's poll interval for {@link DriverDescription.Mode#POLLED} drivers, and by
     * {@code meter:read}. Streaming drivers keep the default, which does nothing.
     *
     * @throws DriverException when the link is lost or the meter does not answer at all
     */
    default void poll() throws DriverException {
        // streaming drivers publish on their own
    }

    /** Releases the link, subscriptions and threads. Must not throw and must not block for long. */
    @Override
    void close();
}
