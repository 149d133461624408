package org.meter2mqtt.driver.homeassistant.internal;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.driver.homeassistant.protocol.EntityState;
import org.meter2mqtt.driver.homeassistant.protocol.Normaliser;
import org.meter2mqtt.driver.homeassistant.protocol.Source;

/** Channel metadata for a discovered source; the ids are fixed (InfluxDB fields and dashboards use them). */
final class HaChannels {

    private HaChannels() {
    }

    static Channel of(Source src, EntityState s) {
        String name = s.friendlyName() == null ? s.objectId() : s.friendlyName();
        switch (src.kind()) {
            case TOTAL_POWER:
                return Channel.builder(src.channelId()).name("Total power").unit(Units.W)
                        .deviceClass(Units.CLASS_POWER).precision(0).build();
            case DAILY_ENERGY:
                // a daily counter starts again at midnight: not refused as going backwards
                return Channel.builder(src.channelId()).name("Daily energy").unit(Units.KWH)
                        .deviceClass(Units.CLASS_ENERGY).stateClass(energyStateClass(s)).resets(true).precision(3)
                        .build();
            case CIRCUIT:
                return Channel.builder(src.channelId()).name(name).unit(Units.W).deviceClass(Units.CLASS_POWER)
                        .precision(0).build();
            default:
                String unit = Normaliser.channelUnit(src.kind(), s.unit());
                Channel.Builder b = Channel.builder(src.channelId()).name(name).unit(unit)
                        .deviceClass(s.deviceClass());
                if (Units.KWH.equals(unit)) {
                    b.stateClass(energyStateClass(s));
                } else if ("total".equals(s.stateClass())) {
                    b.stateClass(Channel.StateClass.TOTAL);
                } else if ("total_increasing".equals(s.stateClass())) {
                    b.stateClass(Channel.StateClass.TOTAL_INCREASING);
                }
                // Home Assistant's total_increasing allows a reset (a new cycle); its entities may do so
                return b.resets(true).build();
        }
    }

    /** A circuit's part of the whole-home power, in %. */
    static Channel share(Source circuit, EntityState s) {
        String name = s.friendlyName() == null ? s.objectId() : s.friendlyName();
        return Channel.builder(circuit.shareChannelId()).name(name + " share").unit(Units.PERCENT).precision(1)
                .icon("mdi:chart-pie").build();
    }

    /** The entity's own state class (a decrease of total_increasing is a new cycle, e.g. at midnight). */
    private static Channel.StateClass energyStateClass(EntityState s) {
        return "total".equals(s.stateClass()) ? Channel.StateClass.TOTAL : Channel.StateClass.TOTAL_INCREASING;
    }
}
