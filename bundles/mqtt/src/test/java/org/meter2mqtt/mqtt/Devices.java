package org.meter2mqtt.mqtt;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.Units;

/** Test devices as the core would describe them. */
final class Devices {

    static final Channel ENERGY = Channel.builder("energy_import").name("Energy import").unit(Units.KWH)
            .deviceClass(Units.CLASS_ENERGY).stateClass(Channel.StateClass.TOTAL_INCREASING).precision(3).build();
    static final Channel POWER = Channel.builder("power").name("Power").unit(Units.W)
            .deviceClass(Units.CLASS_POWER).build();
    static final Channel GAS = Channel.builder("gas").name("Gas").unit(Units.CUBIC_METRE)
            .deviceClass(Units.CLASS_GAS).stateClass(Channel.StateClass.TOTAL_INCREASING).precision(3).build();
    static final Channel WATER = Channel.builder("water").name("Water").unit(Units.CUBIC_METRE)
            .deviceClass(Units.CLASS_WATER).stateClass(Channel.StateClass.TOTAL_INCREASING).build();
    static final Channel RSSI = Channel.builder("rssi").name("Signal").unit("dBm").deviceClass("signal_strength")
            .diagnostic(true).build();
    static final Channel EQUIPMENT = Channel.builder("equipment_id").name("Equipment id").text(true).build();
    static final Channel SEQ = Channel.builder("seq").name("Sequence").build();

    private Devices() {
    }

    static DeviceInfo meter(String id, DeviceState state, Channel... channels) {
        return DeviceInfo.builder(id, state).name("Meter " + id).driver("demo", "1.2.0")
                .model("Kaifa", "MA105").channels(List.of(channels)).build();
    }

    static DeviceInfo meter(String id, Channel... channels) {
        return meter(id, DeviceState.ONLINE, channels);
    }

    static List<Reading> readings(Instant ts, Object... channelValuePairs) {
        List<Reading> out = new ArrayList<>();
        for (int i = 0; i < channelValuePairs.length; i += 2) {
            String ch = (String) channelValuePairs[i];
            Object v = channelValuePairs[i + 1];
            // Strings that are numbers become numeric readings (scale kept); others are text.
            out.add(v.toString().matches("-?[0-9.]+") ? Reading.of(ch, new BigDecimal(v.toString()), ts)
                    : Reading.text(ch, v.toString(), ts));
        }
        return out;
    }
}
