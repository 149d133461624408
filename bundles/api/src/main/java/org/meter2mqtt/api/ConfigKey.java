package org.meter2mqtt.api;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** A typed device configuration key with its default, as a driver declares it. Immutable. */
public final class ConfigKey {

    /** Value types; values arrive as strings from {@code .cfg} files and the shell. */
    public enum Type {
        STRING, INTEGER, DECIMAL, BOOLEAN,
        /** Like STRING, but never printed or logged. */
        SECRET,
        /** Comma-separated list of strings. */
        LIST
    }

    private final String id;
    private final Type type;
    private final String defaultValue;
    private final boolean required;
    private final String description;
    private final List<String> options;
    private final BigDecimal min;
    private final BigDecimal max;

    private ConfigKey(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.required = b.required;
        this.description = b.description == null ? "" : b.description;
        this.options = List.copyOf(b.options);
        this.min = b.min;
        this.max = b.max;
    }

    public static Builder builder(String id, Type type) {
        return new Builder(id, type);
    }

    public String id() {
        return id;
    }

    public Type type() {
        return type;
    }

    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public boolean required() {
        return required;
    }

    public String description() {
        return description;
    }

    /** Allowed values (for STRING, INTEGER and each LIST element); empty means any. */
    public List<String> options() {
        return options;
    }

    public Optional<BigDecimal> min() {
        return Optional.ofNullable(min);
    }

    public Optional<BigDecimal> max() {
        return Optional.ofNullable(max);
    }

    public boolean secret() {
        return type == Type.SECRET;
    }

    /**
     * Checks one raw value.
     *
     * @return empty when valid, else a sentence for the user naming the key and what is allowed
     */
    public Optional<String> check(String raw) {
        if (raw == null || raw.isBlank()) {
            return required ? Optional.of("'" + id + "' is required: " + description) : Optional.empty();
        }
        String v = raw.trim();
        switch (type) {
            case INTEGER:
            case DECIMAL:
                BigDecimal n;
                try {
                    n = new BigDecimal(v);
                } catch (NumberFormatException e) {
                    return Optional.of("'" + id + "' must be a number, got '" + v + "'");
                }
                if (type == Type.INTEGER && n.stripTrailingZeros().scale() > 0) {
                    return Optional.of("'" + id + "' must be a whole number, got '" + v + "'");
                }
                if (min != null && n.compareTo(min) < 0) {
                    return Optional.of("'" + id + "' must be at least " + min.toPlainString() + ", got " + v);
                }
                if (max != null && n.compareTo(max) > 0) {
                    return Optional.of("'" + id + "' must be at most " + max.toPlainString() + ", got " + v);
                }
                return checkOption(v);
            case BOOLEAN:
                String b = v.toLowerCase(Locale.ROOT);
                return b.equals("true") || b.equals("false") ? Optional.empty()
                        : Optional.of("'" + id + "' must be true or false, got '" + v + "'");
            case LIST:
                for (String element : v.split(",")) {
                    Optional<String> bad = checkOption(element.trim());
                    if (bad.isPresent()) {
                        return bad;
                    }
                }
                return Optional.empty();
            default:
                return checkOption(v);
        }
    }

    private Optional<String> checkOption(String v) {
        if (options.isEmpty() || options.stream().anyMatch(o -> o.equalsIgnoreCase(v))) {
            return Optional.empty();
        }
        return Optional.of("'" + id + "' must be one of " + String.join(", ", options) + ", got '" + v + "'");
    }

    @Override
    public String toString() {
        return id + ":" + type.name().toLowerCase(Locale.ROOT);
    }

    public static final class Builder {
        private final String id;
        private final Type type;
        private String defaultValue;
        private boolean required;
        private String description;
        private List<String> options = List.of();
        private BigDecimal min;
        private BigDecimal max;

        private Builder(String id, Type type) {
            this.id = id;
            this.type = Objects.requireNonNull(type);
        }

        public Builder defaultValue(String value) {
            this.defaultValue = value;
            return this;
        }

        public Builder required() {
            this.required = true;
            return this;
        }

        public Builder description(String text) {
            this.description = text;
            return this;
        }

        public Builder options(String... allowed) {
            this.options = List.of(allowed);
            return this;
        }

        public Builder range(long minimum, long maximum) {
            this.min = BigDecimal.valueOf(minimum);
            this.max = BigDecimal.valueOf(maximum);
            return this;
        }

        public ConfigKey build() {
            return new ConfigKey(this);
        }
    }
}
