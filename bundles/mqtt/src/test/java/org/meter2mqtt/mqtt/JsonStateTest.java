package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code state.layout = json}: one message per batch, the state JSON with every channel's latest value (also
 * across a restart), Home Assistant reading it with a value_template; no per-channel topics.
 */
class JsonStateTest extends OnMosquitto {

    private static MqttPublisher start(Path dir) {
        MqttPublisher p = new MqttPublisher(dir, "0.1.0", Clock.systemUTC());
        p.start(PublisherTest.settings(broker.url()).stateLayout("json").build());
        return p;
    }

    @Test
    void oneMessagePerBatchWithEveryLatestValue() throws Exception {
        Path dir = tmp.resolve("pub");
        DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY, Devices.POWER, Devices.EQUIPMENT);
        try (Subscriber live = new Subscriber(broker.url(), "live", true, "meters/#",
                "homeassistant/sensor/gw_e1/+/config")) {
            MqttPublisher p = start(dir);
            try {
                p.deviceChanged(e1);
                p.readings(e1, Devices.readings(PublisherTest.T0, "energy_import", "100.5", "power", "230",
                        "equipment_id", "E0043"));
                p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(1), "power", "240"));
                live.awaitCount("meters/demo/e1/state", 2);
                assertThat(live.payloads("meters/demo/e1/state")).containsExactly(
                        "{\"timestamp\":\"2024-03-01T10:15:30Z\",\"energy_import\":100.5,\"power\":230,"
                                + "\"equipment_id\":\"E0043\"}",
                        // the second batch had only the power: the rest is the latest known
                        "{\"timestamp\":\"2024-03-01T10:15:31Z\",\"energy_import\":100.5,\"power\":240,"
                                + "\"equipment_id\":\"E0043\"}");
                JsonNode cfg = Payloads.mapper().readTree(
                        live.await("homeassistant/sensor/gw_e1/power/config").payload());
                assertThat(cfg.get("state_topic").asText()).isEqualTo("meters/demo/e1/state");
                assertThat(cfg.get("value_template").asText()).isEqualTo("{{ value_json.power }}");
            } finally {
                p.close();
            }
            assertThat(live.on("meters/demo/e1/power")).isEmpty();
            assertThat(live.on("meters/demo/e1/energy_import")).isEmpty();

            // after a restart the numbers are still known (text channels come with their next reading)
            MqttPublisher again = start(dir);
            try {
                again.deviceChanged(e1);
                again.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(2), "power", "250"));
                live.awaitCount("meters/demo/e1/state", 3);
                assertThat(live.payloads("meters/demo/e1/state").get(2)).isEqualTo(
                        "{\"timestamp\":\"2024-03-01T10:15:32Z\",\"energy_import\":100.5,\"power\":250}");
            } finally {
                again.close();
            }
        }
    }

    @Test
    void onlyChannelsOrJson() {
        assertThat(MqttSettings.builder().stateLayout("xml").build().problems())
                .contains("state.layout must be channels or json, got 'xml'");
        assertThat(MqttSettings.builder().build().jsonState()).isFalse();
        assertThat(MqttSettings.builder().stateLayout(" JSON ").build().jsonState()).isTrue();
        assertThat(Payloads.valueTemplate("power-l1")).isEqualTo("{{ value_json['power-l1'] }}");
    }
}
