package org.meter2mqtt.api;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.annotation.versioning.ProviderType;

/** What the core gives a driver session: configuration, the reading sink, threads, state, links, time. */
@ProviderType
public interface DeviceContext {

    /** The device id (the {@code <id>} of {@code org.meter2mqtt.device-<id>.cfg}). */
    String deviceId();

    /** The validated configuration with the driver's defaults filled in. */
    DeviceConfig config();

    /** The model chosen by the {@code model} key (or the driver's first model). */
    ModelDescription model();

    /** Publishes one batch: what the meter gave at one moment. Never blocks on outputs. */
    void publish(List<Reading> batch);

    /**
     * Adds a channel found at runtime (an M-Bus device, a new KPM33B field) so outputs can announce it;
     * announcing an already known channel id with the same metadata does nothing.
     */
    void announce(Channel channel);

    /**
     * Counts bad input that produced no reading (CRC error, truncated frame, register missing). The
     * device shows DEGRADED while errors keep coming, and {@code meter:show} shows the last reason.
     */
    void error(String reason);

    /**
     * For streaming sessions: the link is gone. The core closes the session, puts the device OFFLINE and
     * opens a new session with exponential backoff. Polled sessions throw from {@link DriverSession#poll()}
     * instead.
     */
    void linkLost(String reason, Throwable cause);

    /** A driver-specific fact shown by {@code meter:show} (e.g. {@code config.result}); null removes it. */
    void attribute(String key, String value);

    /**
     * Starts a thread owned by this session (a blocking reader). The core interrupts and joins it when the
     * session closes; the body should return promptly once interrupted.
     */
    Thread startThread(String purpose, Runnable body);

    /** Scheduling for this session; everything still scheduled is cancelled when the session closes. */
    ScheduledExecutorService scheduler();

    /** Persistent key/value state of this device; survives restarts and driver upgrades. */
    StateStore state();

    /**
     * Whether the device is being deleted (its configuration was removed): the session is closed for good, not for
     * a restart, a configuration change, a driver upgrade or a gateway stop. Read it in {@link DriverSession#close()}:
     * a driver that keeps something for the device outside the gateway (a durable queue, a persistent session on a
     * broker) gives it up then, or it keeps filling for a device that no longer exists. Since 1.6.
     */
    boolean removed();

    /** The gateway's clock (a fixed clock in tests). */
    Clock clock();

    /**
     * Opens a byte link: a serial device path, {@code serial:/dev/ttyUSB0?baud=115200&parity=none}, or
     * {@code socket://host:port}. {@code defaults} gives the driver's line settings ({@code baud},
     * {@code databits}, {@code parity}, {@code stopbits}, {@code timeout} in ms) that the URI may override.
     *
     * @throws DriverException when no transport is installed or the port cannot be opened
     */
    ByteLink openLink(String uri, Map<String, String> defaults) throws DriverException;
}
