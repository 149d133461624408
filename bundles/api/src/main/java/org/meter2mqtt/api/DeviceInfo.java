package org.meter2mqtt.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A snapshot of one device for outputs, shells and status pages. Immutable. */
public final class DeviceInfo {

    private final String id;
    private final String name;
    private final String driverId;
    private final String driverVersion;
    private final String manufacturer;
    private final String model;
    private final DeviceState state;
    private final String reason;
    private final List<Channel> channels;
    private final Map<String, String> config;
    private final Map<String, String> attributes;
    private final Map<String, Reading> latest;
    private final long readings;
    private final long errors;
    private final Instant lastReading;
    private final String lastError;
    private final Instant lastErrorTime;
    private final Map<String, Long> errorsByKind;

    /** Error kind: bad input that produced no reading, reported by the driver (CRC error, truncated frame). */
    public static final String ERROR_BAD_DATA = "bad_data";
    /** Error kind: a reading the driver marked as not valid (its {@link ReadingStatus} is not publishable). */
    public static final String ERROR_BAD_READING = "bad_reading";
    /** Error kind: an open session lost its link or its meter (timeout, closed port, driver crash). */
    public static final String ERROR_LINK_LOST = "link_lost";
    /** Error kind: opening a session failed (meter or link unreachable); retried with backoff. */
    public static final String ERROR_UNREACHABLE = "unreachable";

    private DeviceInfo(Builder b) {
        this.id = Objects.requireNonNull(b.id);
        this.name = b.name == null ? b.id : b.name;
        this.driverId = b.driverId;
        this.driverVersion = b.driverVersion;
        this.manufacturer = b.manufacturer;
        this.model = b.model;
        this.state = Objects.requireNonNull(b.state);
        this.reason = b.reason;
        this.channels = List.copyOf(b.channels);
        this.config = Map.copyOf(b.config);
        this.attributes = Map.copyOf(b.attributes);
        this.latest = Map.copyOf(b.latest);
        this.readings = b.readings;
        this.errors = b.errors;
        this.lastReading = b.lastReading;
        this.lastError = b.lastError;
        this.lastErrorTime = b.lastErrorTime;
        this.errorsByKind = Map.copyOf(b.errorsByKind);
    }

    public static Builder builder(String id, DeviceState state) {
        return new Builder(id, state);
    }

    public String id() {
        return id;
    }

    /** The {@code name} key, or the id. */
    public String name() {
        return name;
    }

    public String driverId() {
        return driverId;
    }

    /** Version of the driver serving the device, or null while none does. */
    public String driverVersion() {
        return driverVersion;
    }

    public String manufacturer() {
        return manufacturer;
    }

    public String model() {
        return model;
    }

    public DeviceState state() {
        return state;
    }

    /** Why the device is not ONLINE (human-readable), or null. */
    public String reason() {
        return reason;
    }

    /** The channels published for this device (after the {@code channels} filter). */
    public List<Channel> channels() {
        return channels;
    }

    /** Configuration with secrets masked as {@code ********}. */
    public Map<String, String> config() {
        return config;
    }

    public Map<String, String> attributes() {
        return attributes;
    }

    /** Latest reading per channel id. */
    public Map<String, Reading> latest() {
        return latest;
    }

    public long readingCount() {
        return readings;
    }

    public long errorCount() {
        return errors;
    }

    /**
     * Errors since the gateway started by kind ({@code ERROR_*} constants; a driver-defined kind may appear
     * too); kinds that never happened are absent. {@link #errorCount()} counts the bad-input kinds only
     * ({@code bad_data} and {@code bad_reading}), as before this map existed.
     */
    public Map<String, Long> errorsByKind() {
        return errorsByKind;
    }

    public Instant lastReading() {
        return lastReading;
    }

    public String lastError() {
        return lastError;
    }

    public Instant lastErrorTime() {
        return lastErrorTime;
    }

    @Override
    public String toString() {
        return id + " (" + driverId + ") " + state + (reason == null ? "" : ": " + reason);
    }

    public static final class Builder {
        private final String id;
        private final DeviceState state;
        private String name;
        private Map<String, Long> errorsByKind = Map.of();
        private String driverId;
        private String driverVersion;
        private String manufacturer;
        private String model;
        private String reason;
        private List<Channel> channels = List.of();
        private Map<String, String> config = Map.of();
        private Map<String, String> attributes = Map.of();
        private Map<String, Reading> latest = Map.of();
        private long readings;
        private long errors;
        private Instant lastReading;
        private String lastError;
        private Instant lastErrorTime;

        private Builder(String id, DeviceState state) {
            this.id = id;
            this.state = state;
        }

        public Builder name(String v) {
            this.name = v;
            return this;
        }

        public Builder driver(String id, String version) {
            this.driverId = id;
            this.driverVersion = version;
            return this;
        }

        public Builder model(String manufacturerName, String modelName) {
            this.manufacturer = manufacturerName;
            this.model = modelName;
            return this;
        }

        public Builder reason(String v) {
            this.reason = v;
            return this;
        }

        public Builder channels(List<Channel> v) {
            this.channels = v;
            return this;
        }

        public Builder config(Map<String, String> v) {
            this.config = v;
            return this;
        }

        public Builder attributes(Map<String, String> v) {
            this.attributes = v;
            return this;
        }

        public Builder latest(Map<String, Reading> v) {
            this.latest = v;
            return this;
        }

        public Builder counters(long readingCount, long errorCount, Instant last, String lastErr, Instant lastErrTime) {
            this.readings = readingCount;
            this.errors = errorCount;
            this.lastReading = last;
            this.lastError = lastErr;
            this.lastErrorTime = lastErrTime;
            return this;
        }

        public Builder errorsByKind(Map<String, Long> v) {
            this.errorsByKind = v;
            return this;
        }

        public DeviceInfo build() {
            return new DeviceInfo(this);
        }
    }
}
