package org.meter2mqtt.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One value of one channel at one moment. Numbers are decimals as the meter printed them, so
 * {@code 001234.567} stays {@code 1234.567} on every output. Immutable.
 */
public final class Reading {

    private final String deviceId;
    private final String channel;
    private final Instant timestamp;
    private final BigDecimal number;
    private final String text;
    private final ReadingStatus status;

    private Reading(String deviceId, String channel, Instant timestamp, BigDecimal number, String text,
            ReadingStatus status) {
        this.deviceId = deviceId;
        this.channel = Objects.requireNonNull(channel, "channel");
        this.timestamp = timestamp;
        this.number = number;
        this.text = text;
        this.status = Objects.requireNonNull(status, "status");
    }

    /** A numeric reading; the timestamp is the meter's time, or null to use the gateway's clock. */
    public static Reading of(String channel, BigDecimal value, Instant timestamp) {
        return new Reading(null, channel, timestamp, Objects.requireNonNull(value, "value"), null, ReadingStatus.OK);
    }

    /**
     * A numeric reading that already carries its device's id ({@link DeviceContext#deviceId()}), so the core need
     * not copy it to set the id: for drivers that publish many readings a second.
     *
     * @since 1.5
     */
    public static Reading forDevice(String deviceId, String channel, BigDecimal value, Instant timestamp) {
        return new Reading(Objects.requireNonNull(deviceId, "deviceId"), channel, timestamp,
                Objects.requireNonNull(value, "value"), null, ReadingStatus.OK);
    }

    public static Reading of(String channel, double value, Instant timestamp) {
        return of(channel, BigDecimal.valueOf(value), timestamp);
    }

    public static Reading text(String channel, String value, Instant timestamp) {
        return new Reading(null, channel, timestamp, null, Objects.requireNonNull(value, "value"), ReadingStatus.OK);
    }

    /** A channel that could not be read this time; carries no value. */
    public static Reading failed(String channel, ReadingStatus status, Instant timestamp) {
        if (status.publishable()) {
            throw new IllegalArgumentException("a failed reading needs a failure status");
        }
        return new Reading(null, channel, timestamp, null, null, status);
    }

    public Reading withStatus(ReadingStatus newStatus) {
        return new Reading(deviceId, channel, timestamp, number, text, newStatus);
    }

    public Reading withTimestamp(Instant newTimestamp) {
        return new Reading(deviceId, channel, newTimestamp, number, text, status);
    }

    /** Set by the core; drivers need not (or use {@link #forDevice}). */
    public Reading withDevice(String newDeviceId) {
        return new Reading(newDeviceId, channel, timestamp, number, text, status);
    }

    public String deviceId() {
        return deviceId;
    }

    public String channel() {
        return channel;
    }

    /** Meter time where the meter gives one, else when the gateway received it. */
    public Instant timestamp() {
        return timestamp;
    }

    /** The numeric value, or null for text and failed readings. */
    public BigDecimal number() {
        return number;
    }

    /** The text value, or null. */
    public String textValue() {
        return text;
    }

    public ReadingStatus status() {
        return status;
    }

    public boolean hasValue() {
        return number != null || text != null;
    }

    /** The value as published: a plain decimal without exponent, or the text. */
    public String formatted() {
        if (number != null) {
            return number.toPlainString();
        }
        return text == null ? "" : text;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Reading)) {
            return false;
        }
        Reading r = (Reading) o;
        return Objects.equals(deviceId, r.deviceId) && channel.equals(r.channel)
                && Objects.equals(timestamp, r.timestamp) && Objects.equals(number, r.number)
                && Objects.equals(text, r.text) && status == r.status;
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, channel, timestamp, number, text);
    }

    @Override
    public String toString() {
        return (deviceId == null ? "" : deviceId + "/") + channel + "=" + formatted()
                + (status == ReadingStatus.OK ? "" : " (" + status + ")") + " @" + timestamp;
    }
}
