package org.meter2mqtt.api;

/** Quality of a reading. Only {@link #OK} and {@link #STALE} values are published as states. */
public enum ReadingStatus {
    /** A good value read just now. */
    OK,
    /** A good value, but not new (e.g. a gas register captured hourly, repeated in every telegram). */
    STALE,
    /** The frame carrying the value failed its checksum. */
    CRC_ERROR,
    /** The value could not be parsed or is out of the meter's possible range. */
    INVALID,
    /** The meter did not return this value (register unknown to the model, field missing). */
    UNAVAILABLE;

    public boolean publishable() {
        return this == OK || this == STALE;
    }
}
