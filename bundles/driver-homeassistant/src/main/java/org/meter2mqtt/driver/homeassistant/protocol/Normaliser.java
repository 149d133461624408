package org.meter2mqtt.driver.homeassistant.protocol;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Turns an entity's state into the channel's unit: power in W (from mW, W, kW, MW), energy in kWh (from Wh, kWh,
 * MWh); other entities keep their unit. {@code unavailable}, {@code unknown}, text and unconvertible units give
 * no value, only the reason: nothing is ever invented.
 */
public final class Normaliser {

    private static final Map<String, BigDecimal> TO_WATT = Map.of("mW", new BigDecimal("0.001"), "W", BigDecimal.ONE,
            "kW", new BigDecimal(1000), "MW", new BigDecimal(1_000_000));
    private static final Map<String, BigDecimal> TO_KWH = Map.of("Wh", new BigDecimal("0.001"), "kWh", BigDecimal.ONE,
            "MWh", new BigDecimal(1000));

    /** A value in the channel's unit, or why there is none. */
    public static final class Result {
        private final BigDecimal value;
        private final String unit;
        private final String missing;

        private Result(BigDecimal value, String unit, String missing) {
            this.value = value;
            this.unit = unit;
            this.missing = missing;
        }

        static Result of(BigDecimal value, String unit) {
            return new Result(value, unit, null);
        }

        static Result none(String why) {
            return new Result(null, null, why);
        }

        public boolean present() {
            return value != null;
        }

        public BigDecimal value() {
            return value;
        }

        public String unit() {
            return unit;
        }

        /** {@code unavailable}, {@code unknown}, or a sentence; null when a value is present. */
        public String missing() {
            return missing;
        }

        @Override
        public String toString() {
            return present() ? value.toPlainString() + " " + unit : "(" + missing + ")";
        }
    }

    private Normaliser() {
    }

    public static boolean isPowerUnit(String unit) {
        return unit != null && TO_WATT.containsKey(unit);
    }

    public static boolean isEnergyUnit(String unit) {
        return unit != null && TO_KWH.containsKey(unit);
    }

    /** The unit a channel of this kind publishes, for an entity with {@code entityUnit} (OTHER keeps its own). */
    public static String channelUnit(Source.Kind kind, String entityUnit) {
        switch (kind) {
            case TOTAL_POWER:
            case CIRCUIT:
                return "W";
            case DAILY_ENERGY:
                return "kWh";
            default:
                return isPowerUnit(entityUnit) ? "W" : isEnergyUnit(entityUnit) ? "kWh" : entityUnit;
        }
    }

    public static Result normalise(Source.Kind kind, EntityState s) {
        String st = s.state().trim();
        if (st.equals(EntityState.UNAVAILABLE) || st.equals(EntityState.UNKNOWN) || st.isEmpty()) {
            return Result.none(st.isEmpty() ? EntityState.UNKNOWN : st);
        }
        BigDecimal raw = s.number().orElse(null);
        if (raw == null) {
            return Result.none("not a number: '" + EntityState.abbreviate(st) + "'");
        }
        String unit = s.unit();
        switch (kind) {
            case TOTAL_POWER:
            case CIRCUIT:
                // the users' service reads a unitless sensor.power_* as watts; so do we
                return unit == null ? Result.of(raw, "W") : scale(raw, unit, TO_WATT, "W");
            case DAILY_ENERGY:
                return scale(raw, unit, TO_KWH, "kWh");
            default:
                if (isPowerUnit(unit)) {
                    return scale(raw, unit, TO_WATT, "W");
                }
                if (isEnergyUnit(unit)) {
                    return scale(raw, unit, TO_KWH, "kWh");
                }
                return Result.of(raw, unit);
        }
    }

    private static Result scale(BigDecimal raw, String unit, Map<String, BigDecimal> factors, String target) {
        BigDecimal f = unit == null ? null : factors.get(unit);
        if (f == null) {
            return Result.none("unit " + (unit == null ? "(none)" : "'" + unit + "'") + " cannot be converted to "
                    + target);
        }
        BigDecimal v = raw.multiply(f);
        // 1.5 kW is 1500 W, not 1500.0 W: drop the zeros the scaling added, but keep integers plain
        v = v.stripTrailingZeros();
        return Result.of(v.scale() < 0 ? v.setScale(0) : v, target);
    }
}
