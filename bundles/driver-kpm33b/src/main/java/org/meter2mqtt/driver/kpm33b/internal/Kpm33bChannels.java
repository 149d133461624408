package org.meter2mqtt.driver.kpm33b.internal;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.driver.kpm33b.protocol.Field;

/** Home Assistant metadata of each KPM33B field. */
final class Kpm33bChannels {

    private static final Map<Field, Channel> CHANNELS = new EnumMap<>(Field.class);

    static {
        for (Field f : Field.values()) {
            CHANNELS.put(f, build(f));
        }
    }

    private Kpm33bChannels() {
    }

    static Channel of(Field f) {
        return CHANNELS.get(f);
    }

    private static Channel build(Field f) {
        Channel.Builder b = Channel.builder(f.channel()).name(name(f.channel())).unit(f.unit());
        switch (f.kind()) {
            case POWER:
                b.deviceClass(Units.CLASS_POWER).precision(3);
                break;
            case VOLTAGE:
                b.deviceClass(Units.CLASS_VOLTAGE).precision(1);
                break;
            case CURRENT:
                b.deviceClass(Units.CLASS_CURRENT).precision(2);
                break;
            case POWER_FACTOR:
                b.deviceClass(Units.CLASS_POWER_FACTOR).precision(3);
                break;
            case FREQUENCY:
                b.deviceClass(Units.CLASS_FREQUENCY).precision(2);
                break;
            case REACTIVE_POWER:
                b.deviceClass(Units.CLASS_REACTIVE_POWER).precision(3);
                break;
            case APPARENT_POWER:
                b.deviceClass(Units.CLASS_APPARENT_POWER).precision(3);
                break;
            case ENERGY:
                b.deviceClass(Units.CLASS_ENERGY).stateClass(Channel.StateClass.TOTAL_INCREASING).precision(3);
                break;
            case COUNTER:
                b.stateClass(Channel.StateClass.TOTAL_INCREASING).precision(3).icon("mdi:counter");
                break;
            default:
                b.icon(f.group() == Field.Group.ANGLES ? "mdi:angle-acute" : "mdi:scale-unbalanced")
                        .diagnostic(true);
                break;
        }
        return b.build();
    }

    /** {@code active_power_l1} becomes "Active power L1", {@code voltage_l1_l2} "Voltage L1-L2". */
    static String name(String id) {
        String[] parts = id.split("_");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            boolean code = p.matches("[lt][0-9]");
            if (i > 0) {
                sb.append(code && parts[i - 1].matches("l[0-9]") ? "-" : " ");
            }
            if (code) {
                sb.append(p.toUpperCase(Locale.ROOT));
            } else if (i == 0) {
                sb.append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
            } else {
                sb.append(p);
            }
        }
        return sb.toString();
    }
}
