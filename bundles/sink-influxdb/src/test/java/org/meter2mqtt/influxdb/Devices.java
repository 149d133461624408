package org.meter2mqtt.influxdb;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;

/** Devices and readings as the core hands them to outputs. */
final class Devices {

    private Devices() {
    }

    static DeviceInfo device(String id, String driver, String name, String... channels) {
        List<Channel> list = new ArrayList<>();
        for (String c : channels) {
            list.add(Channel.builder(c).build());
        }
        return DeviceInfo.builder(id, DeviceState.ONLINE).name(name).driver(driver, "1.0.0").channels(list).build();
    }

    static Reading r(String channel, String value, Instant t) {
        return Reading.of(channel, new BigDecimal(value), t);
    }

    /** A Home Assistant device as driver-homeassistant describes it: two circuits, one of them named *_share. */
    static DeviceInfo homeAssistant() {
        return device("ha", "homeassistant", "Home", "total_power", "daily_energy", "circuit_kitchen",
                "circuit_kitchen_share", "circuit_car_share", "circuit_car_share_share");
    }
}
