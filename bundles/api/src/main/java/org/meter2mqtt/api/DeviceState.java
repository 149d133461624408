package org.meter2mqtt.api;

/** The visible state of a device, as {@code meter:list} prints it. */
public enum DeviceState {
    /** No driver with the configured id is installed (yet). */
    WAITING_FOR_DRIVER,
    /** The session is being opened, or opened and no reading has arrived yet. */
    STARTING,
    /** Readings arrive. */
    ONLINE,
    /** Readings arrive, but with errors (CRC failures, missing registers). */
    DEGRADED,
    /** The link or the meter is lost; retrying with backoff. */
    OFFLINE,
    /** The configuration is wrong; the reason says why. Fixed by editing the {@code .cfg}. */
    CONFIG_ERROR,
    /** {@code enabled=false}. */
    DISABLED;

    /** True while readings flow. */
    public boolean available() {
        return this == ONLINE || this == DEGRADED;
    }
}
