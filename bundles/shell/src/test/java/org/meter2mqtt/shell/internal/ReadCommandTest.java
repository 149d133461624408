package org.meter2mqtt.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;

/** meter:read shows what a discovering driver found and why, from the attributes meter:show lists. */
class ReadCommandTest {

    @Test
    void listsSourcesStaleChannelsAndSkippedEntitiesWithTheirReasons() {
        DeviceInfo ha = DeviceInfo.builder("ha", DeviceState.ONLINE).driver("homeassistant", "1.0.0")
                .attributes(Map.of("ha.mode", "push over ws://ha:8123/api/websocket",
                        "source.total_power", "sensor.total_power: whole-home power: first present of ...",
                        "source.circuit_power_kitchen", "sensor.power_kitchen: circuit: entity id matches sensor.power_*",
                        "stale.circuit_solar_power", "unavailable (sensor.solar_power since 2026-12-04T11:58:10Z); "
                                + "nothing published",
                        "skipped", "sensor.home_power: a whole-home sensor after the first present one, not a "
                                + "circuit; sensor.gw1_p1_power: announced by this gateway over MQTT discovery"))
                .build();
        assertThat(ReadCommand.sourceLines(ha)).containsExactly(
                "Channels found (channel <- entity: rule):",
                "  circuit_power_kitchen <- sensor.power_kitchen: circuit: entity id matches sensor.power_*",
                "  total_power <- sensor.total_power: whole-home power: first present of ...",
                "Stale, nothing published:",
                "  circuit_solar_power: unavailable (sensor.solar_power since 2026-12-04T11:58:10Z); nothing published",
                "Skipped:",
                "  sensor.home_power: a whole-home sensor after the first present one, not a circuit",
                "  sensor.gw1_p1_power: announced by this gateway over MQTT discovery");
    }

    @Test
    void aDriverWithoutDiscoveryAddsNothing() {
        DeviceInfo demo = DeviceInfo.builder("demo", DeviceState.ONLINE).driver("demo", "1.0.0")
                .attributes(Map.of("firmware", "1.2")).build();
        assertThat(ReadCommand.sourceLines(demo)).isEmpty();
    }
}
