package org.meter2mqtt.http;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;

/** Device snapshots as the core hands them out. */
public final class Fixtures {

    public static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    private Fixtures() {
    }

    public static org.meter2mqtt.api.DriverDescription driver() {
        return org.meter2mqtt.api.DriverDescription.builder("demo").name("Demo").version("1.2.3")
                .model(new org.meter2mqtt.api.ModelDescription("sim", "Simulated", "meter2mqtt",
                        List.of(Channel.builder("power").name("Power").unit("W").build())))
                .build();
    }

    public static DeviceInfo device(String id, DeviceState state, long readings, long errors, double power) {
        return DeviceInfo.builder(id, state).name("Meter " + id).driver("demo", "1.2.3")
                .reason(state == DeviceState.CONFIG_ERROR ? "poll.interval: not a number: often" : null)
                .channels(List.of(Channel.builder("power").name("Power").unit("W").build(),
                        Channel.builder("energy_import").name("Energy import").unit("kWh").build(),
                        Channel.builder("meter_id").name("Meter id").text(true).build()))
                .latest(Map.of("power", Reading.of("power", power, NOW.minusSeconds(5)),
                        "energy_import", Reading.of("energy_import", 1234.5, NOW.minusSeconds(5)),
                        "meter_id", Reading.text("meter_id", "E0012", NOW.minusSeconds(5))))
                .errorsByKind(errors > 0 ? Map.of(DeviceInfo.ERROR_BAD_DATA, errors) : Map.of())
                .counters(readings, errors, readings > 0 ? NOW.minusSeconds(5) : null, null, null).build();
    }
}
