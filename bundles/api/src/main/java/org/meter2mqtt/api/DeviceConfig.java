package org.meter2mqtt.api;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A device's configuration after validation, with the driver's defaults applied. Typed getters do not fail
 * for keys the driver declared, because values were checked before the session was opened. Immutable.
 */
public final class DeviceConfig {

    /** Common keys the core owns. */
    public static final String DRIVER = "driver";
    public static final String NAME = "name";
    public static final String ENABLED = "enabled";
    public static final String PORT = "port";
    public static final String POLL_INTERVAL = "poll.interval";
    public static final String CHANNELS = "channels";
    public static final String MODEL = "model";

    private final Map<String, String> values;

    public DeviceConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public Optional<String> find(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** The value, or the empty string. */
    public String get(String key) {
        return find(key).orElse("");
    }

    public int getInt(String key, int fallback) {
        return find(key).map(v -> new BigDecimal(v).intValueExact()).orElse(fallback);
    }

    public BigDecimal getDecimal(String key, BigDecimal fallback) {
        return find(key).map(BigDecimal::new).orElse(fallback);
    }

    public boolean getBoolean(String key, boolean fallback) {
        return find(key).map(Boolean::parseBoolean).orElse(fallback);
    }

    public List<String> getList(String key) {
        return find(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableList())).orElse(List.of());
    }

    /** All values, sorted by key. Contains secrets: never log it. */
    public Map<String, String> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceConfig && ((DeviceConfig) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "DeviceConfig" + values.keySet();
    }
}
