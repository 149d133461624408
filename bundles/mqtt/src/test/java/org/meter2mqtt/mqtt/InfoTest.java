package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A device's state and its reason on MQTT: the retained {@code <prefix>/<driver>/<device>/info} JSON and the Home
 * Assistant diagnostic sensor on it, announced also while the device has no channels (CONFIG_ERROR), since that is
 * when it matters; both retracted with the device.
 */
class InfoTest extends OnMosquitto {

    @Test
    void stateReasonVersionAndLastReading() throws Exception {
        MqttPublisher p = new MqttPublisher(tmp.resolve("pub"), "0.1.0", Clock.systemUTC());
        p.start(PublisherTest.settings(broker.url()).build());
        try (Subscriber live = new Subscriber(broker.url(), "live", true, "meters/demo/+/info",
                "homeassistant/sensor/+/info/config", "meters/demo/e1/state")) {
            DeviceInfo bad = DeviceInfo.builder("e1", DeviceState.CONFIG_ERROR).driver("demo", "1.2.0")
                    .reason("'poll.interval' must be 1..86400, got '0'").build();
            p.deviceChanged(bad);
            JsonNode info = Payloads.mapper().readTree(live.await("meters/demo/e1/info").payload());
            assertThat(info.get("state").asText()).isEqualTo("CONFIG_ERROR");
            assertThat(info.get("reason").asText()).isEqualTo("'poll.interval' must be 1..86400, got '0'");
            assertThat(info.get("driver_version").asText()).isEqualTo("1.2.0");
            assertThat(info.get("last_reading").isNull()).isTrue();

            JsonNode cfg = Payloads.mapper().readTree(live.await("homeassistant/sensor/gw_e1/info/config").payload());
            assertThat(cfg.get("entity_category").asText()).isEqualTo("diagnostic");
            assertThat(cfg.get("state_topic").asText()).isEqualTo("meters/demo/e1/info");
            assertThat(cfg.get("json_attributes_topic").asText()).isEqualTo("meters/demo/e1/info");
            assertThat(cfg.get("value_template").asText()).isEqualTo("{{ value_json.state }}");
            assertThat(cfg.get("default_entity_id").asText()).isEqualTo("sensor.gw_e1_info");
            assertThat(cfg.get("device").get("identifiers").get(0).asText()).isEqualTo("gw_e1");

            // fixed: ONLINE, no reason; a reading gives last_reading (within the minute the info is refreshed)
            DeviceInfo good = Devices.meter("e1", Devices.SEQ);
            p.deviceChanged(good);
            live.await("meters/demo/e1/info", m -> m.payload().contains("\"ONLINE\""));
            p.readings(good, Devices.readings(PublisherTest.T0, "seq", 1));
            // taken by the publisher thread before the next change (changes are handled ahead of readings)
            live.await("meters/demo/e1/state");
            p.deviceChanged(DeviceInfo.builder("e1", DeviceState.OFFLINE).driver("demo", "1.2.0").name("Meter e1")
                    .channels(java.util.List.of(Devices.SEQ)).reason("link lost").build());
            JsonNode off = Payloads.mapper().readTree(live.await("meters/demo/e1/info",
                    m -> m.payload().contains("OFFLINE")).payload());
            assertThat(off.get("reason").asText()).isEqualTo("link lost");
            assertThat(off.get("last_reading").asText()).isEqualTo("2024-03-01T10:15:30Z");

            try (Subscriber late = Subscriber.retained(broker.url(), "meters/demo/e1/info")) {
                assertThat(late.await("meters/demo/e1/info").payload()).contains("OFFLINE");
            }

            p.deviceRemoved(good);
            live.await("meters/demo/e1/info", m -> m.payload().isEmpty());
            live.await("homeassistant/sensor/gw_e1/info/config", m -> m.payload().isEmpty());
        } finally {
            p.close();
        }
    }
}
