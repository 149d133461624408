package org.meter2mqtt.driver.kpm33b.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * The KPM33B data tags we know (COMPERE MQTT protocol V1.9), with the name, group and unit they are published
 * under. Units are the meter's own (kW, kvar, kVA, kWh...): values are passed on exactly as printed.
 */
public enum Field {
    // MQTT_RT_DATA ("second level")
    IA("ia", "current_l1", Group.CURRENT, "A", Kind.CURRENT),
    IB("ib", "current_l2", Group.CURRENT, "A", Kind.CURRENT),
    IC("ic", "current_l3", Group.CURRENT, "A", Kind.CURRENT),
    UA("ua", "voltage_l1", Group.VOLTAGE, "V", Kind.VOLTAGE),
    UB("ub", "voltage_l2", Group.VOLTAGE, "V", Kind.VOLTAGE),
    UC("uc", "voltage_l3", Group.VOLTAGE, "V", Kind.VOLTAGE),
    UAB("uab", "voltage_l1_l2", Group.VOLTAGE, "V", Kind.VOLTAGE),
    UBC("ubc", "voltage_l2_l3", Group.VOLTAGE, "V", Kind.VOLTAGE),
    UCA("uca", "voltage_l3_l1", Group.VOLTAGE, "V", Kind.VOLTAGE),
    PA("pa", "active_power_l1", Group.POWER, "kW", Kind.POWER),
    PB("pb", "active_power_l2", Group.POWER, "kW", Kind.POWER),
    PC("pc", "active_power_l3", Group.POWER, "kW", Kind.POWER),
    ZYGGL("zyggl", "active_power", Group.POWER, "kW", Kind.POWER),
    QA("qa", "reactive_power_l1", Group.REACTIVE, "kvar", Kind.REACTIVE_POWER),
    QB("qb", "reactive_power_l2", Group.REACTIVE, "kvar", Kind.REACTIVE_POWER),
    QC("qc", "reactive_power_l3", Group.REACTIVE, "kvar", Kind.REACTIVE_POWER),
    ZWGGL("zwggl", "reactive_power", Group.REACTIVE, "kvar", Kind.REACTIVE_POWER),
    SA("sa", "apparent_power_l1", Group.APPARENT, "kVA", Kind.APPARENT_POWER),
    SB("sb", "apparent_power_l2", Group.APPARENT, "kVA", Kind.APPARENT_POWER),
    SC("sc", "apparent_power_l3", Group.APPARENT, "kVA", Kind.APPARENT_POWER),
    ZSZGL("zszgl", "apparent_power", Group.APPARENT, "kVA", Kind.APPARENT_POWER),
    PFA("pfa", "power_factor_l1", Group.POWER_FACTOR, null, Kind.POWER_FACTOR),
    PFB("pfb", "power_factor_l2", Group.POWER_FACTOR, null, Kind.POWER_FACTOR),
    PFC("pfc", "power_factor_l3", Group.POWER_FACTOR, null, Kind.POWER_FACTOR),
    ZGLYS("zglys", "power_factor", Group.POWER_FACTOR, null, Kind.POWER_FACTOR),
    F("f", "frequency", Group.FREQUENCY, "Hz", Kind.FREQUENCY),
    UXJA("uxja", "voltage_angle_l1", Group.ANGLES, "°", Kind.PLAIN),
    UXJB("uxjb", "voltage_angle_l2", Group.ANGLES, "°", Kind.PLAIN),
    UXJC("uxjc", "voltage_angle_l3", Group.ANGLES, "°", Kind.PLAIN),
    IXJA("ixja", "current_angle_l1", Group.ANGLES, "°", Kind.PLAIN),
    IXJB("ixjb", "current_angle_l2", Group.ANGLES, "°", Kind.PLAIN),
    IXJC("ixjc", "current_angle_l3", Group.ANGLES, "°", Kind.PLAIN),
    UNB("unb", "voltage_unbalance", Group.UNBALANCE, "%", Kind.PLAIN),
    INB("inb", "current_unbalance", Group.UNBALANCE, "%", Kind.PLAIN),
    PDM("pdm", "active_power_demand", Group.DEMAND, "kW", Kind.POWER),
    QDM("qdm", "reactive_power_demand", Group.DEMAND, "kvar", Kind.REACTIVE_POWER),
    SDM("sdm", "apparent_power_demand", Group.DEMAND, "kVA", Kind.APPARENT_POWER),
    IADM("iadm", "current_demand_l1", Group.DEMAND, "A", Kind.CURRENT),
    IBDM("ibdm", "current_demand_l2", Group.DEMAND, "A", Kind.CURRENT),
    ICDM("icdm", "current_demand_l3", Group.DEMAND, "A", Kind.CURRENT),

    // MQTT_ENY_NOW ("minute level"); tariffs 1..6 are the meter's sharp/peak/flat/valley/deep valley/6th
    ZYGSZ("zygsz", "energy_import", Group.ENERGY, "kWh", Kind.ENERGY),
    FYGSZ("fygsz", "energy_export", Group.ENERGY, "kWh", Kind.ENERGY),
    ZWGSZ("zwgsz", "reactive_energy_import", Group.ENERGY, "kvarh", Kind.COUNTER),
    FWGSZ("fwgsz", "reactive_energy_export", Group.ENERGY, "kvarh", Kind.COUNTER),
    ZSZSZ("zszsz", "apparent_energy", Group.APPARENT, "kVAh", Kind.COUNTER),
    ZYJSZ("zyjsz", "energy_import_t1", Group.TARIFFS, "kWh", Kind.ENERGY),
    FYJSZ("fyjsz", "energy_export_t1", Group.TARIFFS, "kWh", Kind.ENERGY),
    ZYFSZ("zyfsz", "energy_import_t2", Group.TARIFFS, "kWh", Kind.ENERGY),
    FYFSZ("fyfsz", "energy_export_t2", Group.TARIFFS, "kWh", Kind.ENERGY),
    ZYPSZ("zypsz", "energy_import_t3", Group.TARIFFS, "kWh", Kind.ENERGY),
    FYPSZ("fypsz", "energy_export_t3", Group.TARIFFS, "kWh", Kind.ENERGY),
    ZYVSZ("zyvsz", "energy_import_t4", Group.TARIFFS, "kWh", Kind.ENERGY),
    FYVSZ("fyvsz", "energy_export_t4", Group.TARIFFS, "kWh", Kind.ENERGY),
    ZYDVSZ("zydvsz", "energy_import_t5", Group.TARIFFS, "kWh", Kind.ENERGY),
    FYDVSZ("fydvsz", "energy_export_t5", Group.TARIFFS, "kWh", Kind.ENERGY),
    ZY6SZ("zy6sz", "energy_import_t6", Group.TARIFFS, "kWh", Kind.ENERGY),
    FY6SZ("fy6sz", "energy_export_t6", Group.TARIFFS, "kWh", Kind.ENERGY);

    /** Channel groups a device chooses with its {@code groups} key. */
    public enum Group {
        POWER, VOLTAGE, CURRENT, POWER_FACTOR, FREQUENCY, ENERGY, TARIFFS, REACTIVE, APPARENT, ANGLES, UNBALANCE,
        DEMAND;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What is measured, so the gateway can pick the Home Assistant device and state class. */
    public enum Kind {
        POWER, VOLTAGE, CURRENT, POWER_FACTOR, FREQUENCY, REACTIVE_POWER, APPARENT_POWER, ENERGY, COUNTER,
        PLAIN
    }

    private static final Map<String, Field> BY_TAG = new HashMap<>();

    static {
        for (Field f : values()) {
            BY_TAG.put(f.tag, f);
        }
    }

    private final String tag;
    private final String channel;
    private final Group group;
    private final String unit;
    private final Kind kind;

    Field(String tag, String channel, Group group, String unit, Kind kind) {
        this.tag = tag;
        this.channel = channel;
        this.group = group;
        this.unit = unit;
        this.kind = kind;
    }

    /** The field for a JSON tag, or null when the tag is not a known measurement. */
    public static Field byTag(String tag) {
        return BY_TAG.get(tag);
    }

    public String tag() {
        return tag;
    }

    /** The published name ({@code active_power}, {@code energy_import_t1}...). */
    public String channel() {
        return channel;
    }

    public Group group() {
        return group;
    }

    /** The meter's unit, or null for power factors. */
    public String unit() {
        return unit;
    }

    public Kind kind() {
        return kind;
    }
}
