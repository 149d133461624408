package org.meter2mqtt.api;

import java.util.Objects;

/**
 * One quantity a meter produces, with the metadata Home Assistant needs. Units are the strings HA accepts
 * ({@code kWh}, {@code W}, {@code m³}, {@code °C}...); {@link Units} names them. Immutable.
 */
public final class Channel {

    /** Home Assistant {@code state_class} values. */
    public enum StateClass {
        MEASUREMENT("measurement"), TOTAL("total"), TOTAL_INCREASING("total_increasing"), NONE(null);

        private final String haName;

        StateClass(String haName) {
            this.haName = haName;
        }

        /** The string HA expects, or null for none. */
        public String haName() {
            return haName;
        }
    }

    private final String id;
    private final String name;
    private final String unit;
    private final String deviceClass;
    private final StateClass stateClass;
    private final String icon;
    private final Integer precision;
    private final boolean text;
    private final boolean diagnostic;
    private final boolean resets;
    private final boolean integer;

    private Channel(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.name = b.name == null ? b.id : b.name;
        this.unit = b.unit;
        this.deviceClass = b.deviceClass;
        this.stateClass = b.stateClass;
        this.icon = b.icon;
        this.precision = b.precision;
        this.text = b.text;
        this.diagnostic = b.diagnostic;
        this.resets = b.resets;
        this.integer = b.integer;
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Topic-safe id ({@code [a-z0-9_]}), e.g. {@code energy_import_t1}. */
    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** HA unit string, or null for unitless values. */
    public String unit() {
        return unit;
    }

    /** HA {@code device_class}, or null. */
    public String deviceClass() {
        return deviceClass;
    }

    public StateClass stateClass() {
        return stateClass;
    }

    /** {@code mdi:...} icon, or null. */
    public String icon() {
        return icon;
    }

    /** Suggested display precision (decimals), or null. */
    public Integer precision() {
        return precision;
    }

    /** True for text channels (equipment ids, messages). */
    public boolean text() {
        return text;
    }

    /** True for diagnostic entities (error counters, signal strength). */
    public boolean diagnostic() {
        return diagnostic;
    }

    /**
     * True for counters that only grow; the publisher refuses to publish them going backwards. A
     * {@code total_increasing} channel that {@link #resets()} is not monotonic.
     */
    public boolean monotonic() {
        return stateClass == StateClass.TOTAL_INCREASING && !resets;
    }

    /**
     * True for a {@code total_increasing} counter that legitimately starts again from 0 (a daily energy counter
     * at midnight); Home Assistant takes such a drop as a new cycle. Since API 1.2.
     */
    public boolean resets() {
        return resets;
    }

    /**
     * True for a count that is always a whole number (pulses, power failures, a tariff number): outputs with
     * typed storage (InfluxDB) may store it as an integer. Decided once per channel id by the driver, never per
     * reading, because such stores refuse a change of a field's type. Since API 1.3.
     */
    public boolean integer() {
        return integer;
    }

    /** A copy under another id and name, e.g. for the second M-Bus device of a P1 port. */
    public Channel renamed(String newId, String newName) {
        return new Builder(newId).name(newName).unit(unit).deviceClass(deviceClass).stateClass(stateClass)
                .icon(icon).precision(precision).text(text).diagnostic(diagnostic).resets(resets).integer(integer).build();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Channel)) {
            return false;
        }
        Channel c = (Channel) o;
        return id.equals(c.id) && name.equals(c.name) && Objects.equals(unit, c.unit)
                && Objects.equals(deviceClass, c.deviceClass) && stateClass == c.stateClass
                && Objects.equals(icon, c.icon) && Objects.equals(precision, c.precision) && text == c.text
                && diagnostic == c.diagnostic && resets == c.resets && integer == c.integer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, unit, deviceClass, stateClass);
    }

    @Override
    public String toString() {
        return id + (unit == null ? "" : " [" + unit + "]");
    }

    public static final class Builder {
        private final String id;
        private String name;
        private String unit;
        private String deviceClass;
        private StateClass stateClass = StateClass.MEASUREMENT;
        private String icon;
        private Integer precision;
        private boolean text;
        private boolean diagnostic;
        private boolean resets;
        private boolean integer;

        private Builder(String id) {
            if (!id.matches("[a-z0-9_]+")) {
                throw new IllegalArgumentException("channel id must match [a-z0-9_]+: " + id);
            }
            this.id = id;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder unit(String unit) {
            this.unit = unit;
            return this;
        }

        public Builder deviceClass(String deviceClass) {
            this.deviceClass = deviceClass;
            return this;
        }

        public Builder stateClass(StateClass stateClass) {
            this.stateClass = Objects.requireNonNull(stateClass);
            return this;
        }

        public Builder icon(String icon) {
            this.icon = icon;
            return this;
        }

        public Builder precision(Integer decimals) {
            this.precision = decimals;
            return this;
        }

        /** A text channel: no unit, no device or state class. */
        public Builder text(boolean isText) {
            this.text = isText;
            if (isText) {
                this.stateClass = StateClass.NONE;
            }
            return this;
        }

        public Builder diagnostic(boolean isDiagnostic) {
            this.diagnostic = isDiagnostic;
            return this;
        }

        /** See {@link Channel#resets()}. */
        public Builder resets(boolean mayReset) {
            this.resets = mayReset;
            return this;
        }

        /** See {@link Channel#integer()}; not for text channels. */
        public Builder integer(boolean wholeNumbers) {
            this.integer = wholeNumbers;
            return this;
        }

        public Channel build() {
            if (integer && text) {
                throw new IllegalArgumentException("channel " + id + ": a text channel cannot be an integer");
            }
            return new Channel(this);
        }
    }
}
