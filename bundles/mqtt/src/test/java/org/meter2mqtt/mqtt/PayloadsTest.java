package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;

import com.fasterxml.jackson.databind.JsonNode;

class PayloadsTest {

    private final MqttSettings settings = MqttSettings.builder().gatewayId("gw-1").build();
    private final Topics topics = new Topics(settings);
    private final Payloads payloads = new Payloads(topics, "0.1.0");

    @Test
    void topicsFollowTheArchitecture() {
        assertThat(topics.value("dsmr", "e1", "energy_import")).isEqualTo("meters/dsmr/e1/energy_import");
        assertThat(topics.state("dsmr", "e1")).isEqualTo("meters/dsmr/e1/state");
        assertThat(topics.deviceStatus("dsmr", "e1")).isEqualTo("meters/dsmr/e1/status");
        assertThat(topics.gatewayStatus()).isEqualTo("meters/gateway/gw-1/status");
        assertThat(topics.sensorConfig("e1", "energy_import"))
                .isEqualTo("homeassistant/sensor/gw-1_e1/energy_import/config");
        assertThat(topics.haStatus()).isEqualTo("homeassistant/status");
    }

    @Test
    void idsAreSanitisedForHomeAssistantAndTopicsHaveNoWildcards() {
        assertThat(Topics.sanitiseId("my gw.local")).isEqualTo("my_gw_local");
        assertThat(topics.sensorConfig("kitchen meter#2", "power"))
                .isEqualTo("homeassistant/sensor/gw-1_kitchen_meter_2/power/config");
        assertThat(topics.value("demo", "a/b+c", "power")).isEqualTo("meters/demo/a_b_c/power");
        assertThat(MqttSettings.builder().gatewayId("pi.home").build().gatewayId()).isEqualTo("pi_home");
    }

    @Test
    void stateIsJsonWithMeterTimeAndPlainDecimals() throws Exception {
        Batch b = new Batch("dsmr", "e1", Instant.parse("2024-03-01T10:15:30Z"),
                List.of(new Batch.Value("energy_import", new BigDecimal("1234.500"), null),
                        new Batch.Value("tiny", new BigDecimal("1E-7"), null),
                        new Batch.Value("big", new BigDecimal("1.5E+10"), null),
                        new Batch.Value("equipment_id", null, "E0043\"x")));
        String json = new String(Payloads.state(b), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"timestamp\":\"2024-03-01T10:15:30Z\",\"energy_import\":1234.500,"
                + "\"tiny\":0.0000001,\"big\":15000000000,\"equipment_id\":\"E0043\\\"x\"}");
        assertThat(Batch.decode(b.encode()).values().get(0).formatted()).isEqualTo("1234.500");
    }

    @Test
    void energySensorIsReadyForTheEnergyDashboard() throws Exception {
        DeviceInfo d = Devices.meter("e1", Devices.ENERGY);
        JsonNode c = Payloads.mapper().readTree(payloads.sensorConfig(d, Devices.ENERGY));
        assertThat(c.get("unique_id").asText()).isEqualTo("gw-1_e1_energy_import");
        // entity ids allow lower-case letters, digits and '_' only
        assertThat(c.get("default_entity_id").asText()).isEqualTo("sensor.gw_1_e1_energy_import");
        assertThat(c.get("state_topic").asText()).isEqualTo("meters/demo/e1/energy_import");
        assertThat(c.get("unit_of_measurement").asText()).isEqualTo("kWh");
        assertThat(c.get("device_class").asText()).isEqualTo("energy");
        assertThat(c.get("state_class").asText()).isEqualTo("total_increasing");
        assertThat(c.get("suggested_display_precision").asInt()).isEqualTo(3);
        assertThat(c.get("availability_mode").asText()).isEqualTo("all");
        assertThat(c.get("availability").findValuesAsText("topic"))
                .containsExactly("meters/gateway/gw-1/status", "meters/demo/e1/status");
        JsonNode dev = c.get("device");
        assertThat(dev.get("identifiers").get(0).asText()).isEqualTo("gw-1_e1");
        assertThat(dev.get("manufacturer").asText()).isEqualTo("Kaifa");
        assertThat(dev.get("model").asText()).isEqualTo("MA105");
        assertThat(dev.get("sw_version").asText()).isEqualTo("1.2.0");
        assertThat(dev.get("via_device").asText()).isEqualTo("gw-1");
        assertThat(c.get("origin").get("name").asText()).isEqualTo("meter2mqtt");
        assertThat(c.has("entity_category")).isFalse();
    }

    @Test
    void gasAndWaterUseTheExactCubicMetreString() throws Exception {
        DeviceInfo d = Devices.meter("g1", Devices.GAS, Devices.WATER);
        byte[] gas = payloads.sensorConfig(d, Devices.GAS);
        // UTF-8 superscript three (U+00B3), not "m3".
        assertThat(new String(gas, StandardCharsets.UTF_8)).contains("\"unit_of_measurement\":\"m\u00b3\"");
        JsonNode w = Payloads.mapper().readTree(payloads.sensorConfig(d, Devices.WATER));
        assertThat(w.get("device_class").asText()).isEqualTo("water");
        assertThat(w.get("state_class").asText()).isEqualTo("total_increasing");
    }

    @Test
    void diagnosticAndTextChannels() throws Exception {
        DeviceInfo d = Devices.meter("e1", Devices.RSSI, Devices.EQUIPMENT);
        JsonNode rssi = Payloads.mapper().readTree(payloads.sensorConfig(d, Devices.RSSI));
        assertThat(rssi.get("entity_category").asText()).isEqualTo("diagnostic");
        JsonNode text = Payloads.mapper().readTree(payloads.sensorConfig(d, Devices.EQUIPMENT));
        assertThat(text.has("unit_of_measurement")).isFalse();
        assertThat(text.has("state_class")).isFalse();
    }

    @Test
    void gatewayIsAnHaDeviceTheMetersPointAt() throws Exception {
        JsonNode g = Payloads.mapper().readTree(payloads.gatewayConfig());
        assertThat(g.get("device").get("identifiers").get(0).asText()).isEqualTo("gw-1");
        assertThat(g.get("state_topic").asText()).isEqualTo("meters/gateway/gw-1/status");
        assertThat(g.get("device_class").asText()).isEqualTo("connectivity");
    }
}
