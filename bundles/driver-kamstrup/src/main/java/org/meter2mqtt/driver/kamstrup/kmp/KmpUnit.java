package org.meter2mqtt.driver.kamstrup.kmp;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Optional;

/**
 * KMP unit codes (the byte after the register id) with the quantity they measure and their size relative
 * to that quantity's base unit, so values convert exactly between units of one dimension.
 */
public enum KmpUnit {
    NONE(0x00, "", Dimension.NUMBER, "1"),
    WH(0x01, "Wh", Dimension.ENERGY, "3600"),
    KWH(0x02, "kWh", Dimension.ENERGY, "3600000"),
    MWH(0x03, "MWh", Dimension.ENERGY, "3600000000"),
    GWH(0x04, "GWh", Dimension.ENERGY, "3600000000000"),
    J(0x05, "J", Dimension.ENERGY, "1"),
    KJ(0x06, "kJ", Dimension.ENERGY, "1000"),
    MJ(0x07, "MJ", Dimension.ENERGY, "1000000"),
    GJ(0x08, "GJ", Dimension.ENERGY, "1000000000"),
    CAL(0x09, "Cal", Dimension.ENERGY, "4.184"),
    KCAL(0x0A, "kCal", Dimension.ENERGY, "4184"),
    MCAL(0x0B, "Mcal", Dimension.ENERGY, "4184000"),
    GCAL(0x0C, "Gcal", Dimension.ENERGY, "4184000000"),
    VARH(0x0D, "varh", Dimension.REACTIVE_ENERGY, "1"),
    KVARH(0x0E, "kvarh", Dimension.REACTIVE_ENERGY, "1000"),
    MVARH(0x0F, "Mvarh", Dimension.REACTIVE_ENERGY, "1000000"),
    GVARH(0x10, "Gvarh", Dimension.REACTIVE_ENERGY, "1000000000"),
    VAH(0x11, "VAh", Dimension.APPARENT_ENERGY, "1"),
    KVAH(0x12, "kVAh", Dimension.APPARENT_ENERGY, "1000"),
    MVAH(0x13, "MVAh", Dimension.APPARENT_ENERGY, "1000000"),
    GVAH(0x14, "GVAh", Dimension.APPARENT_ENERGY, "1000000000"),
    /**
     * Every published table calls 0x15 kW, the same as 0x16; some suspect it means W. Real 40x/60x meters
     * report power with 0x16, so we follow the tables.
     */
    KW_21(0x15, "kW", Dimension.POWER, "1000"),
    KW(0x16, "kW", Dimension.POWER, "1000"),
    MW(0x17, "MW", Dimension.POWER, "1000000"),
    GW(0x18, "GW", Dimension.POWER, "1000000000"),
    KVAR_25(0x19, "kvar", Dimension.REACTIVE_POWER, "1000"),
    KVAR(0x1A, "kvar", Dimension.REACTIVE_POWER, "1000"),
    MVAR(0x1B, "Mvar", Dimension.REACTIVE_POWER, "1000000"),
    GVAR(0x1C, "Gvar", Dimension.REACTIVE_POWER, "1000000000"),
    VA(0x1D, "VA", Dimension.APPARENT_POWER, "1"),
    KVA(0x1E, "kVA", Dimension.APPARENT_POWER, "1000"),
    MVA(0x1F, "MVA", Dimension.APPARENT_POWER, "1000000"),
    GVA(0x20, "GVA", Dimension.APPARENT_POWER, "1000000000"),
    V(0x21, "V", Dimension.VOLTAGE, "1"),
    A(0x22, "A", Dimension.CURRENT, "1"),
    KV(0x23, "kV", Dimension.VOLTAGE, "1000"),
    KA(0x24, "kA", Dimension.CURRENT, "1000"),
    CELSIUS(0x25, "°C", Dimension.TEMPERATURE, "1"),
    /** Kamstrup uses K for temperature differences only, where 1 K equals 1 °C. */
    KELVIN(0x26, "K", Dimension.TEMPERATURE, "1"),
    LITRE(0x27, "l", Dimension.VOLUME, "0.001"),
    M3(0x28, "m³", Dimension.VOLUME, "1"),
    LITRE_PER_HOUR(0x29, "l/h", Dimension.FLOW, "0.001"),
    M3_PER_HOUR(0x2A, "m³/h", Dimension.FLOW, "1"),
    M3_CELSIUS(0x2B, "m³×°C", Dimension.VOLUME_TEMPERATURE, "1"),
    TON(0x2C, "ton", Dimension.MASS, "1"),
    TON_PER_HOUR(0x2D, "ton/h", Dimension.MASS_FLOW, "1"),
    HOURS(0x2E, "h", Dimension.TIME, "3600"),
    CLOCK(0x2F, "hh:mm:ss", Dimension.CLOCK, "1"),
    DATE_YYMMDD(0x30, "yy:mm:dd", Dimension.DATE, "1"),
    DATE_YYYYMMDD(0x31, "yyyy:mm:dd", Dimension.DATE, "1"),
    DATE_MMDD(0x32, "mm:dd", Dimension.DATE, "1"),
    NUMBER(0x33, "", Dimension.NUMBER, "1"),
    BAR(0x34, "bar", Dimension.PRESSURE, "1"),
    RTC(0x35, "RTC", Dimension.OTHER, "1"),
    ASCII(0x36, "ASCII", Dimension.OTHER, "1"),
    M3_TIMES_10(0x37, "m³×10", Dimension.VOLUME, "10"),
    TON_TIMES_10(0x38, "ton×10", Dimension.MASS, "10"),
    GJ_TIMES_10(0x39, "GJ×10", Dimension.ENERGY, "10000000000"),
    MINUTES(0x3A, "min", Dimension.TIME, "60"),
    BITFIELD(0x3B, "bitfield", Dimension.NUMBER, "1"),
    SECONDS(0x3C, "s", Dimension.TIME, "1"),
    MILLISECONDS(0x3D, "ms", Dimension.TIME, "0.001"),
    DAYS(0x3E, "days", Dimension.TIME, "86400"),
    RTC_Q(0x3F, "RTC-Q", Dimension.OTHER, "1"),
    DATETIME(0x40, "datetime", Dimension.OTHER, "1");

    /** What a unit measures; values convert only within one dimension. */
    public enum Dimension {
        NUMBER, ENERGY, REACTIVE_ENERGY, APPARENT_ENERGY, POWER, REACTIVE_POWER, APPARENT_POWER, VOLTAGE,
        CURRENT, TEMPERATURE, VOLUME, FLOW, VOLUME_TEMPERATURE, MASS, MASS_FLOW, TIME, CLOCK, DATE, PRESSURE,
        OTHER
    }

    private static final KmpUnit[] BY_CODE = new KmpUnit[256];

    static {
        for (KmpUnit u : values()) {
            BY_CODE[u.code] = u;
        }
    }

    private final int code;
    private final String symbol;
    private final Dimension dimension;
    private final BigDecimal factor;

    KmpUnit(int code, String symbol, Dimension dimension, String factor) {
        this.code = code;
        this.symbol = symbol;
        this.dimension = dimension;
        this.factor = new BigDecimal(factor);
    }

    public static Optional<KmpUnit> fromCode(int code) {
        return Optional.ofNullable(BY_CODE[code & 0xFF]);
    }

    public int code() {
        return code;
    }

    /** The unit as Kamstrup names it (for logs and diagnostics, not for Home Assistant). */
    public String symbol() {
        return symbol;
    }

    public Dimension dimension() {
        return dimension;
    }

    /**
     * Converts a value in this unit to {@code target}. Conversions by powers of ten are exact and keep the
     * meter's resolution (123 l/h becomes 0.123 m³/h); others (GJ to kWh) keep three more significant digits
     * than the meter gave.
     *
     * @return empty when the units measure different things
     */
    public Optional<BigDecimal> convert(BigDecimal value, KmpUnit target) {
        if (target == this || target.factor.compareTo(factor) == 0 && target.dimension == dimension) {
            return Optional.of(value);
        }
        if (target.dimension != dimension) {
            return Optional.empty();
        }
        BigDecimal scaled = value.multiply(factor);
        try {
            BigDecimal exact = scaled.divide(target.factor).stripTrailingZeros();
            // Keep the meter's resolution shifted by the power of ten (120 l/h is 0.120 m³/h, not 0.12).
            int scale = Math.max(Math.max(exact.scale(), value.scale() + decimalShift(target)), 0);
            return Optional.of(exact.setScale(scale));
        } catch (ArithmeticException nonTerminating) {
            // Division by a factor like 3600 does not terminate: round to what the meter's resolution supports.
            return Optional.of(scaled.divide(target.factor, new MathContext(value.precision() + 3)));
        }
    }

    private int decimalShift(KmpUnit target) {
        BigDecimal ratio = target.factor.divide(factor, MathContext.DECIMAL64).stripTrailingZeros();
        return ratio.unscaledValue().equals(java.math.BigInteger.ONE) ? -ratio.scale() : 0;
    }
}
