package org.meter2mqtt.mqtt.layout;

import java.math.BigDecimal;
import java.util.Map;

/**
 * The unit conversions layouts need: a channel's unit to the unit a layout's subscribers expect (W to kW for
 * the EMDC topics, m³/h to l/h for kamstrup2mqtt). Only exact powers of ten within one quantity.
 */
final class Units {

    /** unit -> {quantity, exponent of ten relative to the quantity's base}. */
    private static final Map<String, Object[]> UNITS = Map.ofEntries(
            Map.entry("W", new Object[] { "power", 0 }), Map.entry("kW", new Object[] { "power", 3 }),
            Map.entry("MW", new Object[] { "power", 6 }),
            Map.entry("var", new Object[] { "reactive_power", 0 }), Map.entry("kvar", new Object[] { "reactive_power", 3 }),
            Map.entry("Wh", new Object[] { "energy", 0 }), Map.entry("kWh", new Object[] { "energy", 3 }),
            Map.entry("MWh", new Object[] { "energy", 6 }),
            Map.entry("varh", new Object[] { "reactive_energy", 0 }),
            Map.entry("kvarh", new Object[] { "reactive_energy", 3 }),
            Map.entry("l/h", new Object[] { "flow", 0 }), Map.entry("m³/h", new Object[] { "flow", 3 }),
            Map.entry("L/h", new Object[] { "flow", 0 }));

    private Units() {
    }

    /**
     * {@code value} in {@code from} expressed in {@code to}; unchanged when either unit is unknown, absent or of
     * another quantity (the layout then publishes the channel's own number).
     */
    static BigDecimal convert(BigDecimal value, String from, String to) {
        if (from == null || to == null || from.equals(to)) {
            return value;
        }
        Object[] f = UNITS.get(from);
        Object[] t = UNITS.get(to);
        if (f == null || t == null || !f[0].equals(t[0])) {
            return value;
        }
        return value.scaleByPowerOfTen((Integer) f[1] - (Integer) t[1]);
    }
}
