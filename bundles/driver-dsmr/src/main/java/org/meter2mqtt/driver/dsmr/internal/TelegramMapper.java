package org.meter2mqtt.driver.dsmr.internal;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Channel.StateClass;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.ReadingStatus;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.driver.dsmr.internal.P1Channels.Def;
import org.meter2mqtt.driver.dsmr.internal.P1Channels.Kind;
import org.meter2mqtt.driver.dsmr.p1.CosemObject;
import org.meter2mqtt.driver.dsmr.p1.HexText;
import org.meter2mqtt.driver.dsmr.p1.Obis;
import org.meter2mqtt.driver.dsmr.p1.P1Time;
import org.meter2mqtt.driver.dsmr.p1.Telegram;

/**
 * Turns a telegram into readings: electricity objects through the {@link P1Channels} table, M-Bus devices
 * (gas, water, heat) by the device type each channel announces. Keeps what it has seen (announced channels,
 * last M-Bus capture times, detected version) for one session; one thread uses it.
 */
final class TelegramMapper {

    /** What one telegram gave. */
    static final class Result {
        final List<Reading> readings = new ArrayList<>(48);
        /** Channels not announced before (M-Bus devices, variant-specific registers). */
        final List<Channel> newChannels = new ArrayList<>(0);
        /** Values that could not be used; each is reported as an error. */
        final List<String> problems = new ArrayList<>(0);
        /** Facts that changed: detected version, header, M-Bus devices. */
        final Map<String, String> attributes = new LinkedHashMap<>();
    }

    /** M-Bus device types (EN 13757-3 medium codes) and the channel names they get. */
    private static final int GAS = 3;
    private static final long MBUS_TYPE = Obis.parse("0-0:24.1.0");
    private static final long MBUS_ID_NL = Obis.parse("0-0:96.1.0");
    private static final long MBUS_ID_BE = Obis.parse("0-0:96.1.1");
    private static final long MBUS_VALUE = Obis.parse("0-0:24.2.1");
    private static final long MBUS_VALUE_UNCORRECTED = Obis.parse("0-0:24.2.3");
    private static final long MBUS_VALUE_V3 = Obis.parse("0-0:24.3.0");
    private static final long MBUS_VALVE = Obis.parse("0-0:24.4.0");
    private static final int MAX_MBUS = 4;

    private final Variant configured;
    private final int gasChannelOverride;
    private final P1Time time;
    private final Map<String, Channel> announced = new HashMap<>();
    private final Map<String, Instant> lastCapture = new HashMap<>();
    private final Set<String> reportedSkips = new HashSet<>();
    private final Map<String, String> attributes = new HashMap<>();
    private final Mbus[] mbus = new Mbus[MAX_MBUS + 1];
    // per-telegram scratch and caches, so a steady stream of telegrams allocates little beyond its readings
    private final String[] mbusNames = new String[MAX_MBUS + 1];
    private final Set<String> mbusTaken = new HashSet<>();
    private final String[] mbusAttributeName = new String[MAX_MBUS + 1];
    private final int[] mbusAttributeType = new int[MAX_MBUS + 1];
    private final Map<String, Channel> mbusChannels = new HashMap<>();

    /**
     * @param gasChannel the M-Bus channel (1..4) that is the gas meter whatever its device type says, or 0 to
     *                   go by the device type
     */
    TelegramMapper(Variant configured, int gasChannel, P1Time time) {
        this.configured = configured;
        this.gasChannelOverride = gasChannel;
        this.time = time;
        for (int i = 1; i <= MAX_MBUS; i++) {
            mbus[i] = new Mbus(i);
        }
        for (Channel c : P1Channels.modelChannels()) {
            announced.put(c.id(), c);
        }
    }

    Result map(Telegram t) {
        Result r = new Result();
        CosemObject tsObject = t.find(P1Channels.TIMESTAMP);
        Instant ts = tsObject == null ? null : time.parse(tsObject.value(0));
        if (tsObject != null && ts == null) {
            r.problems.add("bad telegram timestamp '" + tsObject.value(0) + "': meter time not used");
        }
        Variant variant = detect(t, r);
        for (int i = 1; i <= MAX_MBUS; i++) {
            mbus[i].clear();
        }
        for (CosemObject o : t.objects()) {
            long obis = o.obis();
            int channel = Obis.b(obis);
            if (Obis.a(obis) == 0 && channel >= 1 && channel <= MAX_MBUS) {
                collectMbus(mbus[channel], Obis.withoutChannel(obis), o, r);
                continue;
            }
            Def def = P1Channels.find(obis);
            if (def == null) {
                // vendor codes, logs and histories: known to be left out, or simply unknown
                continue;
            }
            electricity(def, o, ts, variant, r);
        }
        mbusReadings(r);
        for (String line : t.skippedLines()) {
            if (reportedSkips.add(line)) {
                // the CRC vouches for the meter having sent it: report once, not with every telegram
                r.problems.add("unparsable line left out: '" + line + "'");
            }
        }
        return r;
    }

    private Variant detect(Telegram t, Result r) {
        Variant v = configured;
        String version;
        CosemObject p1 = t.find(P1Channels.P1_VERSION);
        CosemObject be = t.find(P1Channels.BE_VERSION);
        if (be != null) {
            version = "e-MUCS " + be.value(0);
            if (v == Variant.AUTO) {
                v = Variant.BE;
            }
        } else if (p1 != null) {
            String p = p1.value(0);
            version = p.length() == 2 ? versionText(p) : p;
            if (v == Variant.AUTO) {
                v = Variant.V5;
            }
        } else if (!t.crcChecked()) {
            version = "2.2/3";
            if (v == Variant.AUTO) {
                v = Variant.V3;
            }
        } else {
            version = configured == Variant.AUTO ? "unknown (CRC, no version object)" : configured.key;
        }
        attribute("p1.version", version, r);
        attribute("p1.header", t.header(), r);
        attribute("p1.variant", v.key, r);
        return v;
    }

    private String lastVersionCode;
    private String lastVersionText;

    private String versionText(String code) {
        if (!code.equals(lastVersionCode)) {
            lastVersionCode = code;
            lastVersionText = code.charAt(0) + "." + code.charAt(1);
        }
        return lastVersionText;
    }

    private void attribute(String key, String value, Result r) {
        if (!value.equals(attributes.put(key, value))) {
            r.attributes.put(key, value);
        }
    }

    private void electricity(Def def, CosemObject o, Instant ts, Variant variant, Result r) {
        // multi-value objects (BE month peak: time, value) carry the measured value last
        String text = o.lastValue();
        if (def.kind.text()) {
            String value = def.kind == Kind.HEX_TEXT ? HexText.decode(text) : text;
            emit(def.channel, Reading.text(def.id(), value, ts), r);
            return;
        }
        if (text.isEmpty()) {
            return;
        }
        int star = text.indexOf('*');
        String unit = star < 0 ? "" : unit(text, star + 1);
        BigDecimal number = Numbers.parse(text, star < 0 ? text.length() : star);
        if (number == null) {
            r.problems.add(Obis.format(o.obis()) + ": not a number '" + text + "'");
            return;
        }
        if (Units.A.equals(unit) && def.ampAlternative != null) {
            def = def.ampAlternative;
        }
        BigDecimal value = def.kind.normalise(number, unit);
        if (value == null) {
            r.problems.add(Obis.format(o.obis()) + ": unit '" + unit + "' where " + def.kind.unit + " was expected");
            return;
        }
        emit(def.channel, Reading.of(def.id(), value, ts), r);
        if (o.obis() == P1Channels.TARIFF) {
            String name = tariffName(variant, value.intValue());
            if (name != null) {
                emit(P1Channels.tariffName(), Reading.text("tariff_name", name, ts), r);
            }
        }
    }

    private static final String[] KNOWN_UNITS = {Units.KWH, Units.WH, Units.MWH, Units.KW, Units.W, Units.V, Units.A,
        Units.HZ, Units.KVARH, Units.VARH, Units.KVAR, Units.VAR, Units.SECONDS, "m3", Units.GJ};

    /** The unit after '*': a shared constant for the usual ones, so a telegram does not allocate them. */
    static String unit(String text, int from) {
        int n = text.length() - from;
        for (String u : KNOWN_UNITS) {
            if (u.length() == n && text.startsWith(u, from)) {
                return u;
            }
        }
        return text.substring(from);
    }

    private static String tariffName(Variant v, int tariff) {
        if (v == Variant.BE) {
            return tariff == 1 ? "day" : tariff == 2 ? "night" : null;
        }
        if (v.dutchTariffs()) {
            return tariff == 1 ? "low" : tariff == 2 ? "normal" : null;
        }
        return null;
    }

    private void emit(Channel channel, Reading reading, Result r) {
        Channel known = announced.get(channel.id());
        if (known == null || !known.equals(channel)) {
            announced.put(channel.id(), channel);
            r.newChannels.add(channel);
        }
        r.readings.add(reading);
    }

    // ---- M-Bus devices ----

    /** What one telegram says about one M-Bus channel. */
    private static final class Mbus {
        final int channel;
        int type = -1;
        String equipmentId;
        String value;
        String unit;
        String capture;
        String valve;

        Mbus(int channel) {
            this.channel = channel;
        }

        void clear() {
            type = -1;
            equipmentId = null;
            value = null;
            unit = null;
            capture = null;
            valve = null;
        }
    }

    private void collectMbus(Mbus m, long code, CosemObject o, Result r) {
        if (code == MBUS_TYPE) {
            String t = o.value(0);
            m.type = Numbers.smallInt(t);
            if (m.type < 0 && !t.isEmpty()) {
                r.problems.add(Obis.format(o.obis()) + ": device type '" + t + "' is not a number");
            }
        } else if (code == MBUS_ID_NL || code == MBUS_ID_BE) {
            m.equipmentId = o.value(0).isEmpty() ? null : HexText.decode(o.value(0));
        } else if ((code == MBUS_VALUE || code == MBUS_VALUE_UNCORRECTED) && o.valueCount() >= 2) {
            m.capture = o.value(0);
            String v = o.value(1);
            int star = v.indexOf('*');
            m.value = star < 0 ? v : v.substring(0, star);
            m.unit = star < 0 ? "" : unit(v, star + 1);
        } else if (code == MBUS_VALUE_V3 && o.valueCount() >= 7) {
            // DSMR 2.2/3: (capture)(00)(60)(1)(0-n:24.2.1)(unit) and the value on the next line
            m.capture = o.value(0);
            m.unit = o.value(5);
            m.value = o.value(6);
        } else if (code == MBUS_VALVE) {
            m.valve = o.value(0);
        } else if (code == MBUS_VALUE || code == MBUS_VALUE_V3 || code == MBUS_VALUE_UNCORRECTED) {
            r.problems.add(Obis.format(o.obis()) + ": incomplete M-Bus value " + o);
        }
    }

    private void mbusReadings(Result r) {
        String[] names = mbusNames;
        Arrays.fill(names, null);
        Set<String> taken = mbusTaken;
        taken.clear();
        // the configured gas channel first, then the lowest channel with a real value gets the plain name
        if (gasChannelOverride > 0) {
            names[gasChannelOverride] = "gas";
            taken.add("gas");
        }
        for (int i = 1; i <= MAX_MBUS; i++) {
            Mbus m = mbus[i];
            if (names[i] != null || m.value == null || placeholder(m)) {
                continue;
            }
            String medium = medium(m.type);
            names[i] = taken.add(medium) ? medium : medium + "_" + i;
        }
        for (int i = 1; i <= MAX_MBUS; i++) {
            Mbus m = mbus[i];
            if (names[i] == null || m.value == null || placeholder(m)) {
                continue;
            }
            String name = names[i];
            if (!name.equals(mbusAttributeName[i]) || m.type != mbusAttributeType[i]) {
                mbusAttributeName[i] = name;
                mbusAttributeType[i] = m.type;
                attribute("mbus." + i, name + (m.type >= 0 ? " (device type " + m.type + ")" : ""), r);
            }
            BigDecimal number = Numbers.parse(m.value, m.value.length());
            Instant capture = time.parse(m.capture);
            if (number == null || capture == null) {
                r.problems.add("M-Bus channel " + i + ": unusable value '" + m.value + "' at '" + m.capture + "'");
                continue;
            }
            String unit = m.unit.equals("m3") ? Units.CUBIC_METRE : m.unit;
            Channel channel = mbusChannels.computeIfAbsent(name + "|" + unit, k -> mbusChannel(name, unit));
            Reading reading = Reading.of(name, number, capture);
            // the meter repeats the last captured value until the next capture (hourly or 5-minutely)
            if (capture.equals(lastCapture.put(name, capture))) {
                reading = reading.withStatus(ReadingStatus.STALE);
            }
            emit(channel, reading, r);
            if (m.equipmentId != null) {
                Channel id = mbusChannels.computeIfAbsent(name + "_equipment_id", k -> Channel.builder(k)
                        .name(label(name) + " equipment id").text(true).diagnostic(true).build());
                emit(id, Reading.text(id.id(), m.equipmentId, capture), r);
            }
            if (m.valve != null && !m.valve.isEmpty()) {
                BigDecimal valve = Numbers.parse(m.valve, m.valve.length());
                if (valve != null) {
                    Channel ch = mbusChannels.computeIfAbsent(name + "_valve", k -> Channel.builder(k)
                            .name(label(name) + " valve").stateClass(StateClass.NONE).icon("mdi:valve")
                            .diagnostic(true).build());
                    emit(ch, Reading.of(ch.id(), valve, capture), r);
                }
            }
        }
    }

    /** Unused channels print e.g. {@code (700101010000W)(00000000)}: a zero without unit, or no real time. */
    private static boolean placeholder(Mbus m) {
        return m.value.isEmpty() || m.unit.isEmpty() && m.capture.startsWith("70010") || m.capture.startsWith("000101")
                || m.unit.isEmpty() && Numbers.isZero(m.value);
    }

    private static String medium(int type) {
        switch (type) {
            case GAS:
                return "gas";
            case 4:
            case 0x0C:
                return "heat";
            case 6:
                return "hot_water";
            case 7:
                return "water";
            case 0x0D:
                return "cooling";
            default:
                return "mbus";
        }
    }

    private static String label(String name) {
        String base = name.replace('_', ' ');
        return Character.toUpperCase(base.charAt(0)) + base.substring(1);
    }

    private static Channel mbusChannel(String name, String unit) {
        Channel.Builder b = Channel.builder(name).name(label(name)).unit(unit.isEmpty() ? null : unit)
                .stateClass(StateClass.TOTAL_INCREASING).precision(3);
        if (name.startsWith("gas")) {
            b.deviceClass(Units.CLASS_GAS).icon("mdi:meter-gas");
        } else if (name.startsWith("water") || name.startsWith("hot_water")) {
            b.deviceClass(Units.CLASS_WATER);
        } else if (name.startsWith("heat") || name.startsWith("cooling")) {
            b.deviceClass(Units.CLASS_ENERGY);
        }
        return b.build();
    }
}
