package org.meter2mqtt.driver.dsmr.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Channel.StateClass;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.driver.dsmr.p1.Obis;

/**
 * What each OBIS code of the electricity meter means: one table from code to channel, shared by every P1
 * version and variant. Units are normalised here (kW to W, Wh to kWh...), so a channel has one unit whatever
 * the meter prints. M-Bus devices (gas, water, heat) are handled by {@link TelegramMapper}.
 */
final class P1Channels {

    /** How a value is read and which units it accepts. */
    enum Kind {
        ENERGY(Units.KWH), POWER(Units.W), REACTIVE_ENERGY(Units.KVARH), REACTIVE_POWER(Units.VAR), VOLTAGE(Units.V),
        CURRENT(Units.A), FREQUENCY(Units.HZ), POWER_FACTOR(null), COUNT(null), STATE(null),
        /** Hex-encoded ASCII text. */
        HEX_TEXT(null),
        /** Text as printed. */
        TEXT(null);

        final String unit;

        Kind(String unit) {
            this.unit = unit;
        }

        boolean text() {
            return this == HEX_TEXT || this == TEXT;
        }

        /**
         * The value in this kind's unit, or null when the unit does not fit. A missing unit is taken as the
         * kind's own (meters leave it out for counts and power factors).
         */
        BigDecimal normalise(BigDecimal v, String printed) {
            if (printed.isEmpty() || printed.equals(unit)) {
                return v;
            }
            switch (this) {
                case ENERGY:
                    return printed.equals(Units.WH) ? v.movePointLeft(3)
                            : printed.equals(Units.MWH) ? v.movePointRight(3) : null;
                case POWER:
                    return printed.equals(Units.KW) ? v.movePointRight(3) : null;
                case REACTIVE_ENERGY:
                    return printed.equals(Units.VARH) ? v.movePointLeft(3) : null;
                case REACTIVE_POWER:
                    return printed.equals(Units.KVAR) ? v.movePointRight(3) : null;
                case COUNT:
                    return printed.equals(Units.SECONDS) ? v : null;
                default:
                    return null;
            }
        }
    }

    /** One OBIS code's meaning. */
    static final class Def {
        final long obis;
        final Channel channel;
        final Kind kind;
        /** Another meaning used when the meter prints an amp value (DSMR 3 limiter in A). */
        final Def ampAlternative;

        Def(long obis, Channel channel, Kind kind, Def ampAlternative) {
            this.obis = obis;
            this.channel = channel;
            this.kind = kind;
            this.ampAlternative = ampAlternative;
        }

        String id() {
            return channel.id();
        }
    }

    /** Codes read for the telegram or deliberately not published (logs, histories, vendor status). */
    static final long TIMESTAMP = Obis.of(0, 0, 1, 0, 0);
    static final long TARIFF = Obis.parse("0-0:96.14.0");
    static final long P1_VERSION = Obis.parse("1-3:0.2.8");
    static final long BE_VERSION = Obis.parse("0-0:96.1.4");
    private static final long[] IGNORED = {TIMESTAMP, Obis.parse("1-0:99.97.0"), Obis.parse("0-0:98.1.0"),
        Obis.parse("1-0:96.5.5"), Obis.parse("0-0:96.1.255")};

    private static final LongMap<Def> BY_OBIS = new LongMap<>();
    private static final List<Channel> MODEL = new ArrayList<>();

    static {
        String[] tariffs = {"", "_t1", "_t2", "_t3", "_t4"};
        for (int t = 0; t <= 4; t++) {
            String suffix = t == 0 ? "" : " tariff " + t;
            boolean model = t == 1 || t == 2;
            add("1-0:1.8." + t, "energy_import" + tariffs[t], "Energy import" + suffix, Kind.ENERGY, model);
            add("1-0:2.8." + t, "energy_export" + tariffs[t], "Energy export" + suffix, Kind.ENERGY, model);
        }
        add("1-0:15.8.0", "energy_absolute", "Energy import + export", Kind.ENERGY, false);
        for (int t = 0; t <= 2; t++) {
            String suffix = t == 0 ? "" : " tariff " + t;
            add("1-0:3.8." + t, "reactive_energy_import" + tariffs[t], "Reactive energy import" + suffix,
                    Kind.REACTIVE_ENERGY, false);
            add("1-0:4.8." + t, "reactive_energy_export" + tariffs[t], "Reactive energy export" + suffix,
                    Kind.REACTIVE_ENERGY, false);
        }
        for (int q = 1; q <= 4; q++) {
            add("1-0:" + (4 + q) + ".8.0", "reactive_energy_q" + q, "Reactive energy Q" + q, Kind.REACTIVE_ENERGY,
                    false);
            add("1-0:" + (4 + q) + ".7.0", "reactive_power_q" + q, "Reactive power Q" + q, Kind.REACTIVE_POWER,
                    false);
        }
        add("1-0:1.7.0", "power_import", "Power import", Kind.POWER, true);
        add("1-0:2.7.0", "power_export", "Power export", Kind.POWER, true);
        add("1-0:3.7.0", "reactive_power_import", "Reactive power import", Kind.REACTIVE_POWER, false);
        add("1-0:4.7.0", "reactive_power_export", "Reactive power export", Kind.REACTIVE_POWER, false);
        add("1-0:14.7.0", "frequency", "Frequency", Kind.FREQUENCY, false);
        add("1-0:13.7.0", "power_factor", "Power factor", Kind.POWER_FACTOR, false);
        add("1-0:1.4.0", "power_import_average", "Power import 15-minute average", Kind.POWER, false);
        add("1-0:1.6.0", "power_import_peak_month", "Power import peak this month", Kind.POWER, false);
        for (int l = 1; l <= 3; l++) {
            int base = 20 * l; // L1 = 2x, L2 = 4x, L3 = 6x
            String phase = " L" + l;
            add("1-0:" + (base + 1) + ".7.0", "power_import_l" + l, "Power import" + phase, Kind.POWER, true);
            add("1-0:" + (base + 2) + ".7.0", "power_export_l" + l, "Power export" + phase, Kind.POWER, true);
            add("1-0:" + (base + 3) + ".7.0", "reactive_power_import_l" + l, "Reactive power import" + phase,
                    Kind.REACTIVE_POWER, false);
            add("1-0:" + (base + 4) + ".7.0", "reactive_power_export_l" + l, "Reactive power export" + phase,
                    Kind.REACTIVE_POWER, false);
            add("1-0:" + (base + 11) + ".7.0", "current_l" + l, "Current" + phase, Kind.CURRENT, true);
            add("1-0:" + (base + 12) + ".7.0", "voltage_l" + l, "Voltage" + phase, Kind.VOLTAGE, true);
            add("1-0:" + (base + 13) + ".7.0", "power_factor_l" + l, "Power factor" + phase, Kind.POWER_FACTOR,
                    false);
            add("1-0:" + (base + 11) + ".4.0", "current_limit_l" + l, "Current limit" + phase, Kind.CURRENT, false);
            add("1-0:" + (base + 12) + ".32.0", "voltage_sags_l" + l, "Voltage sags" + phase, Kind.COUNT, true);
            add("1-0:" + (base + 12) + ".36.0", "voltage_swells_l" + l, "Voltage swells" + phase, Kind.COUNT, true);
        }
        add("0-0:96.14.0", "tariff", "Tariff", Kind.STATE, true);
        add("0-0:96.3.10", "breaker_state", "Breaker state", Kind.STATE, false);
        Def limiterAmps = def("0-0:17.0.0", "limiter_threshold_current", "Limiter threshold", Kind.CURRENT, null);
        put(def("0-0:17.0.0", "limiter_threshold", "Limiter threshold", Kind.POWER, limiterAmps), false);
        add("0-0:96.7.21", "power_failures", "Power failures", Kind.COUNT, true);
        add("0-0:96.7.9", "long_power_failures", "Long power failures", Kind.COUNT, true);
        add("0-0:96.13.0", "text_message", "Text message", Kind.HEX_TEXT, true);
        add("0-0:96.13.1", "text_message_code", "Text message code", Kind.HEX_TEXT, false);
        add("0-0:96.1.1", "equipment_id", "Equipment id", Kind.HEX_TEXT, true);
        add("0-0:96.1.0", "meter_id", "Meter id", Kind.HEX_TEXT, false);
        add("1-0:0.0.0", "meter_serial", "Meter serial number", Kind.TEXT, false);
        add("0-0:42.0.0", "device_name", "Logical device name", Kind.HEX_TEXT, false);
        add("1-3:0.2.8", "p1_version", "P1 version", Kind.TEXT, true);
        add("0-0:96.1.4", "p1_version", "P1 version", Kind.TEXT, false);
        MODEL.add(tariffName());
    }

    /** The text channel saying what the tariff indicator means here (low/normal, day/night). */
    static Channel tariffName() {
        return Channel.builder("tariff_name").name("Tariff name").text(true).icon("mdi:clock-outline").build();
    }

    private P1Channels() {
    }

    private static void add(String obis, String id, String name, Kind kind, boolean inModel) {
        put(def(obis, id, name, kind, null), inModel);
    }

    private static void put(Def d, boolean inModel) {
        BY_OBIS.put(d.obis, d);
        if (inModel && MODEL.stream().noneMatch(c -> c.id().equals(d.id()))) {
            MODEL.add(d.channel);
        }
    }

    private static Def def(String obis, String id, String name, Kind kind, Def ampAlternative) {
        return new Def(Obis.parse(obis), channel(id, name, kind), kind, ampAlternative);
    }

    static Channel channel(String id, String name, Kind kind) {
        Channel.Builder b = Channel.builder(id).name(name);
        switch (kind) {
            case ENERGY:
                b.unit(Units.KWH).deviceClass(Units.CLASS_ENERGY).stateClass(StateClass.TOTAL_INCREASING).precision(3);
                break;
            case POWER:
                b.unit(Units.W).deviceClass(Units.CLASS_POWER).precision(0);
                break;
            case REACTIVE_ENERGY:
                b.unit(Units.KVARH).stateClass(StateClass.TOTAL_INCREASING).precision(3);
                break;
            case REACTIVE_POWER:
                b.unit(Units.VAR).deviceClass(Units.CLASS_REACTIVE_POWER).precision(0);
                break;
            case VOLTAGE:
                b.unit(Units.V).deviceClass(Units.CLASS_VOLTAGE).precision(1);
                break;
            case CURRENT:
                b.unit(Units.A).deviceClass(Units.CLASS_CURRENT).precision(2);
                break;
            case FREQUENCY:
                b.unit(Units.HZ).deviceClass(Units.CLASS_FREQUENCY).precision(2);
                break;
            case POWER_FACTOR:
                b.deviceClass(Units.CLASS_POWER_FACTOR).precision(3);
                break;
            case COUNT:
                b.stateClass(StateClass.TOTAL_INCREASING).icon("mdi:counter").precision(0).integer(true);
                break;
            case STATE:
                b.stateClass(StateClass.NONE).icon("mdi:state-machine").precision(0).integer(true);
                break;
            case TEXT:
            case HEX_TEXT:
            default:
                b.text(true);
                break;
        }
        if (id.equals("equipment_id") || id.equals("meter_id") || id.equals("meter_serial") || id.equals("p1_version")
                || id.equals("device_name") || id.equals("breaker_state") || id.startsWith("current_limit")
                || id.startsWith("limiter")) {
            b.diagnostic(true);
        }
        return b.build();
    }

    /** The meaning of an electricity OBIS code, or null. */
    static Def find(long obis) {
        return BY_OBIS.get(obis);
    }

    static boolean ignored(long obis) {
        for (long o : IGNORED) {
            if (o == obis) {
                return true;
            }
        }
        return false;
    }

    /** The channels every P1 meter model declares up front; the rest are announced when seen. */
    static List<Channel> modelChannels() {
        return Collections.unmodifiableList(MODEL);
    }
}
