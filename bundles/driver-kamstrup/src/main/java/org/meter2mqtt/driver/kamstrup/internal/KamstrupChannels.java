package org.meter2mqtt.driver.kamstrup.internal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Channel.StateClass;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.driver.kamstrup.kmp.KmpRegister;
import org.meter2mqtt.driver.kamstrup.kmp.KmpUnit;

/**
 * Home Assistant metadata per register, the unit each channel is published in, and the models. Channel ids
 * are the kamstrup2mqtt parameter names, so existing dashboards keep their names.
 */
final class KamstrupChannels {

    /** Read when the device configuration names no {@code parameters}. */
    static final List<KmpRegister> BASIC = List.of(KmpRegister.ENERGY, KmpRegister.POWER, KmpRegister.TEMP1,
            KmpRegister.TEMP2, KmpRegister.TEMPDIFF, KmpRegister.FLOW, KmpRegister.VOLUME);

    /** Energy units Home Assistant's energy device class accepts in every version still in use. */
    static final Set<KmpUnit> HA_ENERGY_UNITS = Set.of(KmpUnit.WH, KmpUnit.KWH, KmpUnit.MWH, KmpUnit.MJ,
            KmpUnit.GJ);

    /** What a model is: its name, the registers it has and the energy unit it is usually configured in. */
    static final class Model {
        final String id;
        final String name;
        final KmpUnit defaultEnergyUnit;
        final boolean hasT3;

        Model(String id, String name, KmpUnit defaultEnergyUnit, boolean hasT3) {
            this.id = id;
            this.name = name;
            this.defaultEnergyUnit = defaultEnergyUnit;
            this.hasT3 = hasT3;
        }

        boolean has(KmpRegister register) {
            return register != KmpRegister.TEMP3 || hasT3;
        }
    }

    // 402/403 are mostly sold for district heating billed in GJ; 60x/801 ship in kWh or MWh more often.
    static final List<Model> MODELS = List.of(
            new Model("402", "MULTICAL 402", KmpUnit.GJ, false),
            new Model("403", "MULTICAL 403", KmpUnit.GJ, false),
            new Model("601", "MULTICAL 601", KmpUnit.KWH, true),
            new Model("603", "MULTICAL 603", KmpUnit.KWH, true),
            new Model("801", "MULTICAL 801", KmpUnit.KWH, true));

    /** Unit each non-energy register is published in; meter values are converted to it exactly. */
    private static final Map<KmpUnit.Dimension, KmpUnit> TARGET = Map.of(
            KmpUnit.Dimension.POWER, KmpUnit.KW,
            // m³/h is accepted by every HA version; L/h only by newer ones (docs/protocols.md).
            KmpUnit.Dimension.FLOW, KmpUnit.M3_PER_HOUR,
            KmpUnit.Dimension.VOLUME, KmpUnit.M3,
            KmpUnit.Dimension.TEMPERATURE, KmpUnit.CELSIUS,
            KmpUnit.Dimension.VOLUME_TEMPERATURE, KmpUnit.M3_CELSIUS,
            KmpUnit.Dimension.TIME, KmpUnit.HOURS);

    private static final Map<KmpRegister, String> NAMES = new EnumMap<>(KmpRegister.class);

    static {
        NAMES.put(KmpRegister.ENERGY, "Heat energy");
        NAMES.put(KmpRegister.POWER, "Heat power");
        NAMES.put(KmpRegister.TEMP1, "Flow temperature (T1)");
        NAMES.put(KmpRegister.TEMP2, "Return temperature (T2)");
        NAMES.put(KmpRegister.TEMP3, "Temperature T3");
        NAMES.put(KmpRegister.TEMPDIFF, "Temperature difference (T1-T2)");
        NAMES.put(KmpRegister.FLOW, "Flow");
        NAMES.put(KmpRegister.VOLUME, "Volume");
        NAMES.put(KmpRegister.MINFLOW_M, "Min flow (month)");
        NAMES.put(KmpRegister.MAXFLOW_M, "Max flow (month)");
        NAMES.put(KmpRegister.MINFLOWDATE_M, "Min flow date (month)");
        NAMES.put(KmpRegister.MAXFLOWDATE_M, "Max flow date (month)");
        NAMES.put(KmpRegister.MINPOWER_M, "Min power (month)");
        NAMES.put(KmpRegister.MAXPOWER_M, "Max power (month)");
        NAMES.put(KmpRegister.MINPOWERDATE_M, "Min power date (month)");
        NAMES.put(KmpRegister.MAXPOWERDATE_M, "Max power date (month)");
        NAMES.put(KmpRegister.AVGTEMP1_M, "Average T1 (month)");
        NAMES.put(KmpRegister.AVGTEMP2_M, "Average T2 (month)");
        NAMES.put(KmpRegister.MINFLOW_Y, "Min flow (year)");
        NAMES.put(KmpRegister.MAXFLOW_Y, "Max flow (year)");
        NAMES.put(KmpRegister.MINFLOWDATE_Y, "Min flow date (year)");
        NAMES.put(KmpRegister.MAXFLOWDATE_Y, "Max flow date (year)");
        NAMES.put(KmpRegister.MINPOWER_Y, "Min power (year)");
        NAMES.put(KmpRegister.MAXPOWER_Y, "Max power (year)");
        NAMES.put(KmpRegister.MINPOWERDATE_Y, "Min power date (year)");
        NAMES.put(KmpRegister.MAXPOWERDATE_Y, "Max power date (year)");
        NAMES.put(KmpRegister.AVGTEMP1_Y, "Average T1 (year)");
        NAMES.put(KmpRegister.AVGTEMP2_Y, "Average T2 (year)");
        NAMES.put(KmpRegister.TEMP1XM3, "T1 × volume");
        NAMES.put(KmpRegister.TEMP2XM3, "T2 × volume");
        NAMES.put(KmpRegister.INFOEVENT, "Info event");
        NAMES.put(KmpRegister.HOURCOUNTER, "Operating hours");
    }

    private KamstrupChannels() {
    }

    static Model model(String id) {
        return MODELS.stream().filter(m -> m.id.equalsIgnoreCase(id)).findFirst().orElse(MODELS.get(0));
    }

    /** The unit a non-energy register is published in, or null for dates and plain numbers. */
    static KmpUnit target(KmpRegister register) {
        return register == KmpRegister.TEMPDIFF ? KmpUnit.KELVIN : TARGET.get(register.dimension());
    }

    static List<String> parameterNames(Model model) {
        List<String> names = new ArrayList<>();
        for (KmpRegister r : KmpRegister.values()) {
            if (model == null || model.has(r)) {
                names.add(r.parameter());
            }
        }
        return names;
    }

    /** The heat energy channel in a given unit (the unit the meter is configured in, once known). */
    static Channel energy(KmpUnit unit) {
        return Channel.builder(KmpRegister.ENERGY.parameter()).name(NAMES.get(KmpRegister.ENERGY))
                .unit(haUnit(unit)).deviceClass(Units.CLASS_ENERGY).stateClass(StateClass.TOTAL_INCREASING)
                .icon("mdi:radiator").precision(unit == KmpUnit.WH || unit == KmpUnit.KWH ? 0 : 3).build();
    }

    static Channel channel(KmpRegister r, KmpUnit energyUnit) {
        Channel.Builder b = Channel.builder(r.parameter()).name(NAMES.get(r));
        switch (r.dimension()) {
            case ENERGY:
                return energy(energyUnit);
            case POWER:
                return b.unit(Units.KW).deviceClass(Units.CLASS_POWER).precision(1).build();
            case FLOW:
                return b.unit(Units.CUBIC_METRE_PER_HOUR).deviceClass(Units.CLASS_VOLUME_FLOW_RATE).precision(3)
                        .build();
            case VOLUME:
                return b.unit(Units.CUBIC_METRE).deviceClass(Units.CLASS_WATER)
                        .stateClass(StateClass.TOTAL_INCREASING).precision(3).build();
            case TEMPERATURE:
                if (r == KmpRegister.TEMPDIFF) {
                    // A difference in K must not carry device_class temperature: HA would convert it as an
                    // absolute temperature (30 K shown as -243 °C).
                    return b.unit(Units.KELVIN).icon("mdi:thermometer-lines").precision(2).build();
                }
                return b.unit(Units.CELSIUS).deviceClass(Units.CLASS_TEMPERATURE).precision(2).build();
            case VOLUME_TEMPERATURE:
                // No HA device class measures m³×°C; HA shows it as a plain growing number.
                return b.unit("m³×°C").stateClass(StateClass.TOTAL_INCREASING).icon("mdi:thermometer-water")
                        .build();
            case TIME:
                return b.unit(Units.HOURS).deviceClass(Units.CLASS_DURATION).stateClass(StateClass.TOTAL_INCREASING)
                        .precision(0).build();
            case DATE:
                return b.text(true).icon("mdi:calendar").build();
            default:
                return b.stateClass(StateClass.NONE).icon("mdi:alert-circle-outline").diagnostic(true).precision(0)
                        .build();
        }
    }

    static String haUnit(KmpUnit unit) {
        switch (unit) {
            case WH:
                return Units.WH;
            case KWH:
                return Units.KWH;
            case MWH:
                return Units.MWH;
            case MJ:
                return Units.MJ;
            case GJ:
                return Units.GJ;
            default:
                throw new IllegalArgumentException("not an energy unit Home Assistant accepts: " + unit);
        }
    }

    static KmpUnit energyUnit(String haName) {
        for (KmpUnit u : HA_ENERGY_UNITS) {
            if (u.symbol().equalsIgnoreCase(haName)) {
                return u;
            }
        }
        return null;
    }
}
