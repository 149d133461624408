package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.itests.MqttRecorder.Msg;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 13 (driver part) in the real distribution: the Home Assistant simulator (its own JVM) serves REST and
 * WebSocket; the gateway reads it in push mode and its readings reach the embedded broker with Home Assistant's
 * timestamps; a change arrives as an event; the gateway's own MQTT entity is never read back; a token refused
 * after a dropped socket puts the device in CONFIG_ERROR naming the key, and the token is never shown.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HomeAssistantIT extends GatewayTestSupport {

    private static final String GW = "itgw";
    private static final String SIMULATOR = "org.meter2mqtt.simulators.homeassistant.HaSimulator";
    private static final String TOKEN = "it-secret-token-4711";

    @Configuration
    public Option[] config() {
        return simulatorGatewayOptions(GW);
    }

    @Before
    public void mqttOutputConnected() throws InterruptedException {
        awaitMqttOutputHealthy(60);
    }

    private static String entities() {
        return "[" + entity("sensor.total_power", "2400", "W", "power", "measurement") + ","
                + entity("sensor.energy_today", "5250", "Wh", "energy", "total_increasing") + ","
                + entity("sensor.power_kitchen", "0.6", "kW", "power", "measurement") + ","
                + entity("sensor.itgw_p1_power_import", "2390", "W", "power", "measurement") + ","
                + entity("sensor.outdoor_temperature", "4.5", "°C", "temperature", "measurement") + "]";
    }

    private static String entity(String id, String state, String unit, String deviceClass, String stateClass) {
        return "{\"entity_id\":\"" + id + "\",\"state\":\"" + state + "\",\"attributes\":{\"unit_of_measurement\":\""
                + unit + "\",\"device_class\":\"" + deviceClass + "\",\"state_class\":\"" + stateClass + "\"}}";
    }

    @Test
    public void pushReadingsReachMqttAndARefusedTokenIsAConfigError() throws Exception {
        String id = "it-ha";
        String base = "meters/homeassistant/" + id + "/";
        Path file = tempDir("ha-").resolve("entities.json");
        Files.writeString(file, entities());
        try (ExternalProcess simulator = ExternalProcess.simulator("ha-sim", SIMULATOR, "--port", "0", "--token",
                TOKEN, "--interval", "0", "--entities", file.toString());
                MqttRecorder live = MqttRecorder.subscribe(embeddedBrokerUrl(), "itest-ha", base + "#", 1)) {
            String url = "http://127.0.0.1:" + simulator.awaitLine("listening on port (\\d+)", 30).group(1);
            writeCfg(id, "driver = homeassistant", "url = " + url, "token = " + TOKEN);
            awaitState(id, DeviceState.ONLINE, 30);

            Msg total = live.await("total_power", 20, 0, m -> m.topic.equals(base + "total_power"));
            assertEquals(0, new BigDecimal("2400").compareTo(new BigDecimal(total.text())));
            Msg state = live.await("a state with daily_energy", 20, 0, m -> m.topic.equals(base + "state")
                    && m.json().has("daily_energy"));
            // Wh to kWh, and HA's last_updated as the reading's time (the state message carries the time of the
            // batch's first reading, total_power)
            assertEquals(0, new BigDecimal("5.25").compareTo(state.json().get("daily_energy").decimalValue()));
            assertEquals(lastUpdated(url, "sensor.total_power"), Instant.parse(state.json().get("timestamp")
                    .asText()));
            live.await("kitchen share", 20, 0, m -> m.topic.equals(base + "circuit_power_kitchen_share")
                    && new BigDecimal(m.text()).compareTo(new BigDecimal("25")) == 0);

            // a change in HA arrives as an event
            int mark = live.size();
            post(url, "sensor.power_kitchen", "1.2");
            live.await("kitchen 1200 W", 20, mark, m -> m.topic.equals(base + "circuit_power_kitchen")
                    && new BigDecimal(m.text()).compareTo(new BigDecimal("1200")) == 0);

            String show = executeCommand("meter:show " + id);
            assertTrue(show, show.contains("source.total_power") && show.contains("sensor.total_power"));
            assertTrue(show, show.contains("sensor.itgw_p1_power_import: announced by this gateway"));
            assertFalse(show, show.contains(TOKEN));
            // meter:read tells the same: which entity became which channel, what was skipped, and why
            String read = executeCommand("meter:read " + id);
            assertTrue(read, read.contains("total_power <- sensor.total_power: whole-home power"));
            assertTrue(read, read.contains("circuit_power_kitchen <- sensor.power_kitchen: circuit"));
            assertTrue(read, read.contains("Skipped:") && read.contains("sensor.itgw_p1_power_import: announced by "
                    + "this gateway"));
            assertFalse(read, read.contains(TOKEN));
            assertTrue("the gateway's own entity is never read back: " + live.tail(20), live.messages().stream()
                    .noneMatch(m -> m.topic.contains("itgw_p1_power_import")));

            // HA restarts with the token revoked: OFFLINE, then CONFIG_ERROR naming the key
            control(url, "/sim/reject?on=true");
            control(url, "/sim/drop");
            awaitState(id, DeviceState.CONFIG_ERROR, 30);
            String reason = registry.device(id).orElseThrow().reason();
            assertTrue(reason, reason.contains("'token'"));
            assertFalse(reason, reason.contains(TOKEN));
            assertFalse("token never logged", String.join("\n", karafLogLines()).contains(TOKEN));
        } finally {
            Files.deleteIfExists(cfg(id));
        }
    }

    private static Instant lastUpdated(String url, String entityId) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url
                + "/api/states/" + entityId)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 200, r.statusCode());
        JsonNode n = MqttRecorder.JSON.readTree(r.body());
        return OffsetDateTime.parse(n.get("last_updated").asText()).toInstant();
    }

    private static void post(String url, String entityId, String state) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url
                + "/api/states/" + entityId)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"state\":\"" + state + "\"}", StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 200, r.statusCode());
    }

    private static void control(String url, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 200, r.statusCode());
    }
}
