package org.meter2mqtt.mqtt.layout;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The compatibility layouts the MQTT output ships, and the device keys that choose them:
 * {@code mqtt.layouts = <name>[,<name>]} and {@code mqtt.layout.<name>.<setting>}. Pure functions.
 */
public final class Layouts {

    public static final String PREFIX = "mqtt.";
    public static final String KEY_LAYOUTS = "mqtt.layouts";
    public static final String KEY_LAYOUT = "mqtt.layout.";
    /** {@code false}: the device is published only in its layouts (no own topics, no Home Assistant discovery). */
    public static final String KEY_OWN_TOPICS = "mqtt.own.topics";

    /** KPM33B channels of the meters' MQTT_ENY_NOW message (minute level); all others come in MQTT_RT_DATA. */
    private static final Set<String> KPM33B_MINUTES = Set.of("energy_import", "energy_export",
            "reactive_energy_import", "reactive_energy_export", "apparent_energy", "energy_import_t1",
            "energy_export_t1", "energy_import_t2", "energy_export_t2", "energy_import_t3", "energy_export_t3",
            "energy_import_t4", "energy_export_t4", "energy_import_t5", "energy_export_t5", "energy_import_t6",
            "energy_export_t6");
    private static final Set<String> KPM33B_SECONDS = Set.of("current_l1", "current_l2", "current_l3",
            "voltage_l1", "voltage_l2", "voltage_l3", "voltage_l1_l2", "voltage_l2_l3", "voltage_l3_l1",
            "active_power_l1", "active_power_l2", "active_power_l3", "active_power", "reactive_power_l1",
            "reactive_power_l2", "reactive_power_l3", "reactive_power", "apparent_power_l1", "apparent_power_l2",
            "apparent_power_l3", "apparent_power", "power_factor_l1", "power_factor_l2", "power_factor_l3",
            "power_factor", "frequency", "voltage_angle_l1", "voltage_angle_l2", "voltage_angle_l3",
            "current_angle_l1", "current_angle_l2", "current_angle_l3", "voltage_unbalance", "current_unbalance",
            "active_power_demand", "reactive_power_demand", "apparent_power_demand", "current_demand_l1",
            "current_demand_l2", "current_demand_l3");

    /** kpm33b_proxy: {@code <topic>/<meter id>/seconds|minutes}, JSON, missing fields null. */
    static final Layout KPM33B_PROXY = new Layout("kpm33b-proxy",
            map("topic", "kpm33b", "qos", "1", "retain", "false", "phases", "", "id", "", "zone", ""),
            Set.of("current", "power", "voltage", "power_factor"), Layout.Numbers.AS_PRINTED,
            List.of(new Layout.JsonMessage("{topic}/{id}/seconds", KPM33B_SECONDS, List.of(Layout.Field.id(),
                    Layout.Field.time(), Layout.Field.channel("active_power", "active_power"),
                    Layout.Field.optional("current_l1", "current"), Layout.Field.optional("current_l2", "current"),
                    Layout.Field.optional("current_l3", "current"), Layout.Field.optional("active_power_l1", "power"),
                    Layout.Field.optional("active_power_l2", "power"), Layout.Field.optional("active_power_l3", "power"),
                    Layout.Field.optional("voltage_l1", "voltage"), Layout.Field.optional("voltage_l2", "voltage"),
                    Layout.Field.optional("voltage_l3", "voltage"),
                    Layout.Field.optional("power_factor_l1", "power_factor"),
                    Layout.Field.optional("power_factor_l2", "power_factor"),
                    Layout.Field.optional("power_factor_l3", "power_factor"),
                    Layout.Field.optional("power_factor", "power_factor"))),
                    new Layout.JsonMessage("{topic}/{id}/minutes", KPM33B_MINUTES, List.of(Layout.Field.id(),
                            Layout.Field.time(), Layout.Field.channel("active_energy", "energy_import")))),
            null, false);

    /** The EMDC writer's topics: kWh and kW (kvarh and kvar for reactive), retained. */
    static final Layout EMDC = new Layout("emdc", map("topic", "home/energy", "qos", "0", "retain", "true"), Set.of(),
            Layout.Numbers.PYTHON_FLOAT, List.of(),
            new Layout.PerChannel(map("active_energy", "active_energy", "reactive_energy", "reactive_energy",
                    "active_power", "active_power", "reactive_power", "reactive_power"),
                    map("active_energy", "kWh", "reactive_energy", "kvarh", "active_power", "kW", "reactive_power",
                            "kvar")),
            false);

    /** kamstrup2mqtt: {@code <topic>/<parameter>}, the meter's own unit, and {@code <topic>/status}. */
    static final Layout KAMSTRUP2MQTT = new Layout("kamstrup2mqtt",
            map("topic", "kamstrup", "qos", "0", "retain", "false"), Set.of(), Layout.Numbers.PYTHON_FLOAT, List.of(),
            new Layout.PerChannel(null, map("flow", "l/h", "minflow_m", "l/h", "maxflow_m", "l/h", "minflow_y", "l/h",
                    "maxflow_y", "l/h")),
            true);

    private static final Map<String, Layout> ALL = new TreeMap<>(Map.of(KPM33B_PROXY.name, KPM33B_PROXY, EMDC.name,
            EMDC, KAMSTRUP2MQTT.name, KAMSTRUP2MQTT));

    private Layouts() {
    }

    /** The layout of that name, or null. */
    public static Layout get(String name) {
        return ALL.get(name);
    }

    public static Set<String> names() {
        return ALL.keySet();
    }

    /**
     * Problems with the {@code mqtt.} keys of one device configuration: unknown keys, unknown layouts (naming those
     * that exist), unknown settings (naming those the layout has), bad values. Empty when all is well.
     */
    public static List<String> check(Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        for (String name : list(config.get(KEY_LAYOUTS))) {
            if (!ALL.containsKey(name)) {
                problems.add("mqtt.layouts: no layout '" + name + "' (layouts: " + String.join(", ", ALL.keySet())
                        + ")");
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(config).entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX) || key.equals(KEY_LAYOUTS)) {
                continue;
            }
            if (key.equals(KEY_OWN_TOPICS)) {
                String v = e.getValue() == null ? "" : e.getValue().trim();
                // with false, the layouts may also come from the driver (KPM33B proxy.*): checked when bound
                if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                    problems.add(key + ": must be true or false, got '" + v + "'");
                }
                continue;
            }
            if (!key.startsWith(KEY_LAYOUT)) {
                problems.add("unknown key '" + key + "' (the MQTT output knows mqtt.layouts, mqtt.own.topics and "
                        + "mqtt.layout.<name>.<setting>)");
                continue;
            }
            String rest = key.substring(KEY_LAYOUT.length());
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            Layout l = ALL.get(name);
            if (l == null || dot < 0) {
                problems.add("unknown key '" + key + "': " + (l == null ? "no layout '" + name + "' (layouts: "
                        + String.join(", ", ALL.keySet()) + ")" : "needs a setting, e.g. " + key + ".topic"));
                continue;
            }
            String setting = rest.substring(dot + 1);
            if (!l.defaults.containsKey(setting)) {
                problems.add("unknown key '" + key + "' (layout " + name + " has " + String.join(", ",
                        l.defaults.keySet()) + ")");
                continue;
            }
            checkValue(l, setting, e.getValue()).ifPresent(p -> problems.add(key + ": " + p));
        }
        return problems;
    }

    private static java.util.Optional<String> checkValue(Layout l, String setting, String raw) {
        String v = raw == null ? "" : raw.trim();
        switch (setting) {
            case "topic":
                if (v.isEmpty() || v.contains("+") || v.contains("#") || v.startsWith("/") || v.endsWith("/")) {
                    return java.util.Optional.of("'" + v + "' must be a topic without wildcards (+, #) and without a "
                            + "leading or trailing '/'");
                }
                break;
            case "qos":
                if (!v.equals("0") && !v.equals("1") && !v.equals("2")) {
                    return java.util.Optional.of("must be 0, 1 or 2, got '" + v + "'");
                }
                break;
            case "retain":
                if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                    return java.util.Optional.of("must be true or false, got '" + v + "'");
                }
                break;
            case "phases":
                List<String> bad = list(v).stream().filter(x -> !l.options.contains(x)).collect(Collectors.toList());
                if (!bad.isEmpty()) {
                    return java.util.Optional.of(bad + " not among " + new TreeMap<>(map(l.options)).keySet());
                }
                break;
            case "zone":
                if (!v.isEmpty()) {
                    try {
                        ZoneId.of(v);
                    } catch (DateTimeException e) {
                        return java.util.Optional.of("'" + v + "' is not a time zone (e.g. Europe/Vienna)");
                    }
                }
                break;
            default:
                break;
        }
        return java.util.Optional.empty();
    }

    /**
     * Whether the device is also published in its own topics (per channel, state, Home Assistant discovery): true
     * unless {@code mqtt.own.topics = false} in its {@code .cfg} (or suggested by its driver, the {@code .cfg} winning)
     * and it has a layout to be published in instead.
     */
    public static boolean ownTopics(Map<String, String> config, Map<String, String> attributes,
            List<BoundLayout> bound) {
        return bound.isEmpty() || !onlyLayoutsAsked(config, attributes);
    }

    /** {@code mqtt.own.topics = false} in the {@code .cfg} or, without it there, suggested by the driver. */
    public static boolean onlyLayoutsAsked(Map<String, String> config, Map<String, String> attributes) {
        String v = blankToNull(config.get(KEY_OWN_TOPICS));
        if (v == null) {
            v = blankToNull(attributes.get(KEY_OWN_TOPICS));
        }
        return v != null && v.trim().equalsIgnoreCase("false");
    }

    /**
     * The layouts a device is published in, with their settings resolved: the device's {@code .cfg} first, then
     * what its driver suggested ({@code attributes}, e.g. the KPM33B driver's {@code proxy.*} settings), then the
     * layout's defaults. A suggestion that does not pass {@link #check} is left out and reported in
     * {@code problems}; the device's own keys were checked when it was configured.
     */
    public static List<BoundLayout> bind(String deviceId, Map<String, String> config, Map<String, String> attributes,
            List<String> problems) {
        Map<String, String> suggested = new LinkedHashMap<>();
        attributes.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                suggested.put(k, v);
            }
        });
        List<String> bad = check(suggested);
        if (!bad.isEmpty()) {
            problems.addAll(bad);
            suggested.clear();
        }
        Set<String> names = new LinkedHashSet<>(list(config.get(KEY_LAYOUTS)));
        names.addAll(list(suggested.get(KEY_LAYOUTS)));
        List<BoundLayout> out = new ArrayList<>();
        for (String name : names) {
            Layout l = ALL.get(name);
            if (l == null) {
                continue;
            }
            Map<String, String> s = new LinkedHashMap<>();
            l.defaults.forEach((k, def) -> {
                String key = KEY_LAYOUT + name + "." + k;
                String v = blankToNull(config.get(key));
                if (v == null) {
                    v = blankToNull(suggested.get(key));
                }
                s.put(k, v == null ? def : v);
            });
            if (s.containsKey("id") && s.get("id").isEmpty()) {
                String meterId = blankToNull(config.get("meter.id"));
                s.put("id", meterId == null ? deviceId : meterId);
            }
            out.add(new BoundLayout(l, s));
        }
        return out;
    }

    static List<String> list(String s) {
        if (s == null) {
            return List.of();
        }
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toList());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, String> map(Set<String> keys) {
        Map<String, String> m = new LinkedHashMap<>();
        keys.forEach(k -> m.put(k, k));
        return m;
    }
}
