package org.meter2mqtt.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What a driver is: identity, models with their channels, configuration keys. Immutable. */
public final class DriverDescription {

    /** How readings are produced. */
    public enum Mode {
        /** The core calls {@link DriverSession#poll()} at the device's {@code poll.interval}. */
        POLLED,
        /** The driver publishes whenever the meter sends (a telegram stream, a subscription). */
        STREAMING
    }

    private final String id;
    private final String name;
    private final String vendor;
    private final String version;
    private final Mode mode;
    private final int defaultPollSeconds;
    private final List<ModelDescription> models;
    private final List<ConfigKey> configKeys;

    private DriverDescription(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.name = b.name == null ? b.id : b.name;
        this.vendor = b.vendor == null ? "" : b.vendor;
        this.version = b.version == null ? "0.0.0" : b.version;
        this.mode = b.mode;
        this.defaultPollSeconds = b.defaultPollSeconds;
        if (b.models.isEmpty()) {
            throw new IllegalArgumentException("a driver describes at least one model");
        }
        this.models = List.copyOf(b.models);
        this.configKeys = List.copyOf(b.configKeys);
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Protocol id: {@code dsmr}, {@code kamstrup}... the value of the {@code driver} key. */
    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Who ships the driver (a vendor of driver bundles, or the meter maker). */
    public String vendor() {
        return vendor;
    }

    /** The driver's version as the user should see it (usually its bundle version). */
    public String version() {
        return version;
    }

    public Mode mode() {
        return mode;
    }

    /** Poll interval used when the device configuration has no {@code poll.interval}. */
    public int defaultPollSeconds() {
        return defaultPollSeconds;
    }

    /** The first model is the default when a device names none. */
    public List<ModelDescription> models() {
        return models;
    }

    public Optional<ModelDescription> model(String modelId) {
        if (modelId == null || modelId.isEmpty()) {
            return Optional.of(models.get(0));
        }
        return models.stream().filter(m -> m.id().equalsIgnoreCase(modelId)).findFirst();
    }

    /** Driver-specific keys; the common keys ({@code driver}, {@code name}...) are the core's. */
    public List<ConfigKey> configKeys() {
        return configKeys;
    }

    public Optional<ConfigKey> configKey(String key) {
        return configKeys.stream().filter(k -> k.id().equals(key)).findFirst();
    }

    /** Copy with another version, for drivers that take it from their bundle at runtime. */
    public DriverDescription withVersion(String newVersion) {
        Builder b = new Builder(id).name(name).vendor(vendor).version(newVersion).mode(mode)
                .defaultPollSeconds(defaultPollSeconds);
        models.forEach(b::model);
        configKeys.forEach(b::configKey);
        return b.build();
    }

    @Override
    public String toString() {
        return id + " " + version;
    }

    public static final class Builder {
        private final String id;
        private String name;
        private String vendor;
        private String version;
        private Mode mode = Mode.POLLED;
        private int defaultPollSeconds = 60;
        private final List<ModelDescription> models = new ArrayList<>();
        private final List<ConfigKey> configKeys = new ArrayList<>();

        private Builder(String id) {
            this.id = id;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder vendor(String vendor) {
            this.vendor = vendor;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode);
            return this;
        }

        public Builder defaultPollSeconds(int seconds) {
            if (seconds < 1) {
                throw new IllegalArgumentException("poll interval must be at least 1 s");
            }
            this.defaultPollSeconds = seconds;
            return this;
        }

        public Builder model(ModelDescription model) {
            models.add(model);
            return this;
        }

        public Builder configKey(ConfigKey key) {
            configKeys.add(key);
            return this;
        }

        public DriverDescription build() {
            return new DriverDescription(this);
        }
    }
}
