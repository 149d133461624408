package org.meter2mqtt.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.OutputKeys;

/** Checks a device configuration against the common keys and the driver's description. Pure functions. */
public final class ConfigValidator {

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Keys Config Admin and FileInstall add; never the user's. */
    private static final Set<String> FRAMEWORK_KEYS = Set.of("service.pid", "service.factoryPid",
            "felix.fileinstall.filename", "service.bundleLocation", "component.name", "component.id");

    /** The keys every device has, owned by the core. */
    public static final List<ConfigKey> COMMON_KEYS = List.of(
            ConfigKey.builder(DeviceConfig.DRIVER, ConfigKey.Type.STRING).required()
                    .description("driver id, e.g. dsmr, kamstrup, kpm33b (see meter:drivers)").build(),
            ConfigKey.builder(DeviceConfig.NAME, ConfigKey.Type.STRING).description("display name").build(),
            ConfigKey.builder(DeviceConfig.ENABLED, ConfigKey.Type.BOOLEAN).defaultValue("true")
                    .description("false stops the device without deleting it").build(),
            ConfigKey.builder(DeviceConfig.POLL_INTERVAL, ConfigKey.Type.INTEGER).range(1, 86_400)
                    .description("seconds between polls (polled drivers)").build(),
            ConfigKey.builder(DeviceConfig.CHANNELS, ConfigKey.Type.LIST)
                    .description("channel ids to publish; empty publishes all").build(),
            ConfigKey.builder(DeviceConfig.MODEL, ConfigKey.Type.STRING).description("meter model").build());

    /**
     * Key prefixes that belong to outputs, not drivers ({@link OutputKeys}). Without the output installed such keys
     * are accepted unchecked (they have no effect), so a device does not flip to CONFIG_ERROR at boot while the
     * output is still starting; the output checks them when it arrives.
     */
    public static final List<String> OUTPUT_PREFIXES = List.of("mqtt.");

    private ConfigValidator() {
    }

    /** True when {@code key} belongs to an output rather than to the driver. */
    public static boolean outputKey(String key, List<OutputKeys> owners) {
        return OUTPUT_PREFIXES.stream().anyMatch(key::startsWith)
                || owners.stream().anyMatch(o -> key.startsWith(o.keyPrefix()));
    }

    /** As {@link #check(Map, DriverDescription)}, with the outputs' keys checked by their outputs. */
    public static List<String> check(Map<String, String> cfg, DriverDescription driver, List<OutputKeys> owners) {
        List<String> problems = new ArrayList<>();
        Map<String, String> own = new LinkedHashMap<>();
        cfg.forEach((k, v) -> {
            if (!outputKey(k, owners)) {
                own.put(k, v);
            }
        });
        problems.addAll(driver == null ? checkCommon(own) : check(own, driver));
        problems.addAll(checkOutputs(cfg, owners));
        return problems;
    }

    /** What the outputs say about their keys; an output that throws is reported, not propagated. */
    public static List<String> checkOutputs(Map<String, String> cfg, List<OutputKeys> owners) {
        List<String> problems = new ArrayList<>();
        for (OutputKeys o : owners) {
            if (cfg.keySet().stream().noneMatch(k -> k.startsWith(o.keyPrefix()))) {
                continue;
            }
            try {
                problems.addAll(o.checkKeys(cfg));
            } catch (RuntimeException e) {
                problems.add("the output owning '" + o.keyPrefix() + "*' keys could not check them: " + e);
            }
        }
        return problems;
    }

    /** Config Admin properties to plain strings, without the framework's own keys. */
    public static Map<String, String> userKeys(Map<String, ?> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (!FRAMEWORK_KEYS.contains(k) && !k.startsWith("felix.") && v != null) {
                out.put(k, stringOf(v));
            }
        });
        return out;
    }

    private static String stringOf(Object v) {
        if (v instanceof Object[]) {
            return Stream.of((Object[]) v).map(String::valueOf).collect(Collectors.joining(","));
        }
        if (v instanceof Iterable) {
            List<String> parts = new ArrayList<>();
            ((Iterable<?>) v).forEach(o -> parts.add(String.valueOf(o)));
            return String.join(",", parts);
        }
        return v.toString();
    }

    public static Optional<String> checkDeviceId(String id) {
        if (id == null || !DEVICE_ID.matcher(id).matches()) {
            return Optional.of("device id '" + id + "' must be 1-64 letters, digits, '_' or '-' (it becomes part of"
                    + " MQTT topics)");
        }
        return Optional.empty();
    }

    /** Problems with the common keys (the driver may be unknown). */
    public static List<String> checkCommon(Map<String, String> cfg) {
        List<String> problems = new ArrayList<>();
        for (ConfigKey k : COMMON_KEYS) {
            k.check(cfg.get(k.id())).ifPresent(problems::add);
        }
        return problems;
    }

    /** All problems, common and driver-specific, including unknown keys (typos). */
    public static List<String> check(Map<String, String> cfg, DriverDescription driver) {
        List<String> problems = checkCommon(cfg);
        for (ConfigKey k : driver.configKeys()) {
            k.check(cfg.get(k.id())).ifPresent(problems::add);
        }
        String model = cfg.get(DeviceConfig.MODEL);
        if (driver.model(model).isEmpty()) {
            problems.add("'model' must be one of "
                    + driver.models().stream().map(ModelDescription::id).collect(Collectors.joining(", "))
                    + ", got '" + model + "'");
        }
        for (String key : cfg.keySet()) {
            if (COMMON_KEYS.stream().noneMatch(k -> k.id().equals(key)) && driver.configKey(key).isEmpty()) {
                problems.add("unknown key '" + key + "' for driver " + driver.id() + suggestion(key, driver));
            }
        }
        List<String> wanted = new DeviceConfig(cfg).getList(DeviceConfig.CHANNELS);
        if (!wanted.isEmpty()) {
            driver.model(model).ifPresent(m -> checkChannels(wanted, m, problems));
        }
        return problems;
    }

    private static void checkChannels(List<String> wanted, ModelDescription model, List<String> problems) {
        // channels a driver announces at runtime (an M-Bus meter, an optional register) are not in the model,
        // so an id the model does not list is accepted; only malformed ids are errors
        List<String> malformed = wanted.stream().filter(c -> !c.matches("[a-z0-9_]+")).collect(Collectors.toList());
        if (!malformed.isEmpty()) {
            problems.add("'channels' has malformed channel ids " + malformed + " (ids are lower-case letters, digits"
                    + " and '_'; model " + model.id() + " declares " + model.channels().stream().map(Channel::id)
                    .collect(Collectors.joining(", ")) + ")");
        }
    }

    private static String suggestion(String key, DriverDescription driver) {
        return nearest(key, Stream.concat(COMMON_KEYS.stream(), driver.configKeys().stream()).map(ConfigKey::id)
                .collect(Collectors.toList()))
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse(" (known keys: " + Stream.concat(COMMON_KEYS.stream(), driver.configKeys().stream())
                        .map(ConfigKey::id).collect(Collectors.joining(", ")) + ")");
    }

    /** The candidate closest to {@code typed}, if it is a plausible typo of it (at most 3 edits). */
    public static Optional<String> nearest(String typed, java.util.Collection<String> candidates) {
        return candidates.stream().min(Comparator.comparingInt(k -> distance(k, typed)))
                .filter(k -> distance(k, typed) <= Math.min(3, Math.max(1, typed.length() / 2)));
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The configuration a session sees: user values, then the driver's defaults for missing keys. */
    public static DeviceConfig withDefaults(Map<String, String> cfg, DriverDescription driver) {
        Map<String, String> out = new HashMap<>();
        for (ConfigKey k : COMMON_KEYS) {
            k.defaultValue().ifPresent(v -> out.put(k.id(), v));
        }
        for (ConfigKey k : driver.configKeys()) {
            k.defaultValue().ifPresent(v -> out.put(k.id(), v));
        }
        cfg.forEach((k, v) -> {
            if (v != null && !v.isBlank()) {
                out.put(k, v.trim());
            }
        });
        out.putIfAbsent(DeviceConfig.POLL_INTERVAL, Integer.toString(driver.defaultPollSeconds()));
        out.putIfAbsent(DeviceConfig.MODEL, driver.models().get(0).id());
        return new DeviceConfig(out);
    }

    /** A copy safe to print: values of secret keys (and keys that look secret) masked. */
    public static Map<String, String> masked(Map<String, String> cfg, DriverDescription driver) {
        Map<String, String> out = new LinkedHashMap<>();
        cfg.forEach((k, v) -> {
            boolean secret = driver != null && driver.configKey(k).map(ConfigKey::secret).orElse(false);
            String lower = k.toLowerCase(Locale.ROOT);
            secret |= lower.contains("password") || lower.contains("secret") || lower.endsWith(".key")
                    || lower.equals("key") || lower.contains("token");
            out.put(k, secret && v != null && !v.isEmpty() ? "********" : v);
        });
        return out;
    }
}
