package org.meter2mqtt.tck;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Channel.StateClass;

/**
 * Which unit and state class Home Assistant accepts for each sensor device class. Transcribed from Home
 * Assistant's developer documentation (sensor entity: available device classes and their units) and its sensor
 * constants (state classes allowed per device class). A pair outside this table makes Home Assistant log a
 * warning and drop the entity from long-term statistics, so the Energy dashboard never sees it.
 */
public final class HomeAssistantRules {

    private static final Set<StateClass> MEASUREMENT = EnumSet.of(StateClass.MEASUREMENT);
    private static final Set<StateClass> TOTALS = EnumSet.of(StateClass.TOTAL, StateClass.TOTAL_INCREASING);
    private static final Set<StateClass> ANY = EnumSet.of(StateClass.MEASUREMENT, StateClass.TOTAL,
            StateClass.TOTAL_INCREASING);
    private static final Set<StateClass> NONE = EnumSet.noneOf(StateClass.class);

    private static final Map<String, Rule> RULES = new HashMap<>();

    /** Units allowed (null in the list: no unit allowed) and state classes allowed for one device class. */
    private static final class Rule {
        final Set<String> units;
        final Set<StateClass> stateClasses;

        Rule(List<String> units, Set<StateClass> stateClasses) {
            this.units = new LinkedHashSet<>(units);
            this.stateClasses = stateClasses;
        }
    }

    private static void rule(String deviceClass, Set<StateClass> states, String... units) {
        RULES.put(deviceClass, new Rule(List.of(units), states));
    }

    private static final String[] ENERGY_UNITS = { "J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh",
            "cal", "kcal", "Mcal", "Gcal" };
    private static final String[] VOLUME_UNITS = { "L", "mL", "gal", "fl. oz.", "m³", "ft³", "CCF", "MCF" };

    static {
        // the classes meters use
        rule("energy", TOTALS, ENERGY_UNITS);
        rule("energy_storage", MEASUREMENT, ENERGY_UNITS);
        rule("power", MEASUREMENT, "mW", "W", "kW", "MW", "GW", "TW");
        rule("apparent_power", MEASUREMENT, "mVA", "VA", "kVA");
        rule("reactive_power", MEASUREMENT, "mvar", "var", "kvar");
        rule("reactive_energy", TOTALS, "varh", "kvarh");
        rule("voltage", MEASUREMENT, "V", "mV", "µV", "kV", "MV");
        rule("current", MEASUREMENT, "A", "mA");
        rule("frequency", MEASUREMENT, "mHz", "Hz", "kHz", "MHz", "GHz");
        rule("power_factor", MEASUREMENT, "%");
        rule("gas", TOTALS, "L", "m³", "ft³", "CCF", "MCF");
        rule("water", TOTALS, "L", "gal", "m³", "ft³", "CCF", "MCF");
        rule("volume", TOTALS, VOLUME_UNITS);
        rule("volume_storage", MEASUREMENT, VOLUME_UNITS);
        rule("volume_flow_rate", MEASUREMENT, "m³/h", "m³/min", "m³/s", "ft³/min", "L/h", "L/min", "L/s", "gal/d",
                "gal/h", "gal/min", "mL/s");
        rule("temperature", MEASUREMENT, "°C", "°F", "K");
        rule("temperature_delta", MEASUREMENT, "°C", "°F", "K");
        rule("duration", ANY, "d", "h", "min", "s", "ms", "µs");
        rule("monetary", EnumSet.of(StateClass.TOTAL));
        rule("signal_strength", MEASUREMENT, "dB", "dBm");
        rule("battery", MEASUREMENT, "%");
        rule("humidity", MEASUREMENT, "%");
        rule("moisture", MEASUREMENT, "%");
        rule("pressure", MEASUREMENT, "cbar", "bar", "hPa", "mmHg", "inHg", "kPa", "mbar", "Pa", "psi", "mPa");
        rule("distance", ANY, "km", "m", "cm", "mm", "mi", "nmi", "yd", "in");
        rule("weight", ANY, "kg", "g", "mg", "µg", "oz", "lb", "st");
        rule("illuminance", MEASUREMENT, "lx");
        rule("irradiance", MEASUREMENT, "W/m²", "BTU/(h⋅ft²)");
        rule("co2", MEASUREMENT, "ppm");
        rule("data_rate", MEASUREMENT, "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "kB/s", "MB/s", "GB/s",
                "KiB/s", "MiB/s", "GiB/s");
        rule("data_size", ANY, "bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB",
                "TiB");
        // text-like classes: no unit, no state class
        rule("timestamp", NONE);
        rule("date", NONE);
        rule("enum", NONE);
    }

    private HomeAssistantRules() {
    }

    /** The device classes this table knows. */
    public static Set<String> deviceClasses() {
        return RULES.keySet();
    }

    /**
     * Checks one channel as Home Assistant would on discovery.
     *
     * @return empty when Home Assistant accepts it, else the reason
     */
    public static Optional<String> check(Channel c) {
        String dc = c.deviceClass();
        StateClass sc = c.stateClass();
        if (c.text()) {
            if (c.unit() != null || sc != StateClass.NONE) {
                return Optional.of(c.id() + ": a text channel has neither unit nor state class");
            }
            if (dc != null && !RULES.containsKey(dc)) {
                return Optional.of(c.id() + ": unknown device class '" + dc + "'");
            }
            return dc == null || RULES.get(dc).stateClasses.isEmpty() ? Optional.empty()
                    : Optional.of(c.id() + ": device class '" + dc + "' is numeric, but the channel is text");
        }
        if (dc == null) {
            // no device class: any unit, any state class (HA cannot check the pair)
            return Optional.empty();
        }
        Rule rule = RULES.get(dc);
        if (rule == null) {
            return Optional.of(c.id() + ": unknown device class '" + dc + "' (Home Assistant knows "
                    + String.join(", ", new java.util.TreeSet<>(RULES.keySet())) + ")");
        }
        if (rule.stateClasses.isEmpty()) {
            if (sc != StateClass.NONE || c.unit() != null) {
                return Optional.of(c.id() + ": device class '" + dc + "' takes no unit and no state class");
            }
            return Optional.empty();
        }
        boolean unitOk = "monetary".equals(dc) ? c.unit() != null && c.unit().matches("[A-Z]{3}")
                : rule.units.contains(c.unit()) || (c.unit() == null && "power_factor".equals(dc));
        if (!unitOk) {
            return Optional.of(c.id() + ": unit '" + c.unit() + "' is not valid for device class '" + dc
                    + "'; Home Assistant accepts " + ("monetary".equals(dc) ? "an ISO 4217 currency code"
                            : String.join(", ", rule.units)));
        }
        if (sc != StateClass.NONE && !rule.stateClasses.contains(sc)) {
            return Optional.of(c.id() + ": state class '" + sc.haName() + "' is not valid for device class '" + dc
                    + "'; Home Assistant accepts " + names(rule.stateClasses));
        }
        return Optional.empty();
    }

    private static String names(Set<StateClass> classes) {
        StringBuilder sb = new StringBuilder();
        for (StateClass s : classes) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s.haName());
        }
        return sb.toString();
    }
}
