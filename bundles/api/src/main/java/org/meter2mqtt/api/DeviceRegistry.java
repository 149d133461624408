package org.meter2mqtt.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** The core's view of devices and drivers, for shells, status pages and discovery. */
@ProviderType
public interface DeviceRegistry {

    List<DeviceInfo> devices();

    Optional<DeviceInfo> device(String id);

    /** Installed drivers (the one in use per id when several versions are installed). */
    List<DriverDescription> drivers();

    /**
     * Checks a device configuration as the core would when it arrives from a {@code .cfg}.
     *
     * @return one sentence per problem; empty when valid (a driver that is not installed is not a problem)
     */
    List<String> validate(String deviceId, Map<String, String> config);

    /**
     * Reads now: polls a polled device (at most {@code timeout}); returns the latest values of a streaming
     * one.
     *
     * @throws DriverException when the device is unknown, not running or the poll fails
     */
    List<Reading> readNow(String deviceId, Duration timeout) throws DriverException;

    /**
     * Runs a device that has no {@code .cfg} (an auto-discovered meter) until the gateway stops or a
     * {@code .cfg} with the same id appears. Does nothing if the id is taken.
     */
    void startTransient(String deviceId, Map<String, String> config);
}
