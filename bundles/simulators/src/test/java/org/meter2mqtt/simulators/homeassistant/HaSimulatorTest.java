package org.meter2mqtt.simulators.homeassistant;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The simulator speaks Home Assistant's documented APIs: REST with a Bearer token (401 without), the WebSocket
 * auth phase, increasing ids, results, state_changed events and state triggers, pongs; and its switches work.
 * A raw JDK client is used on purpose (not the driver's code).
 */
class HaSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HaSimulator sim;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        sim = new HaSimulator("tok").loadDefaultEntities().start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void reset() {
        sim.rejectTokens(false);
        sim.slowAnswers(0);
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.port() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void restNeedsTheTokenAndServesStatesInTheDocumentedShape() throws Exception {
        assertThat(get("/api/states", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/states", "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/api/", "tok").body()).contains("API running.");
        HttpResponse<String> r = get("/api/states", "tok");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode all = JSON.readTree(r.body());
        assertThat(all.isArray()).isTrue();
        JsonNode total = all.get(0);
        assertThat(total.fieldNames()).toIterable().contains("entity_id", "state", "attributes", "last_changed",
                "last_updated", "context");
        assertThat(total.get("state").isTextual()).isTrue();
        // the file's extras never reach clients
        assertThat(r.body()).doesNotContain("\"sim\"").doesNotContain("\"registry\"");
        assertThat(get("/api/states/sensor.nope", "tok").statusCode()).isEqualTo(404);

        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.port()
                + "/api/states/sensor.sim_test")).header("Authorization", "Bearer tok").POST(
                HttpRequest.BodyPublishers.ofString("{\"state\":\"12\",\"attributes\":{\"unit_of_measurement\":\"W\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode s = JSON.readTree(get("/api/states/sensor.sim_test", "tok").body());
        assertThat(s.get("state").asText()).isEqualTo("12");
        assertThat(s.path("attributes").path("unit_of_measurement").asText()).isEqualTo("W");

        sim.rejectTokens(true);
        assertThat(get("/api/states", "tok").statusCode()).isEqualTo(401);
    }

    /** A raw WebSocket client collecting messages. */
    private static final class Client implements WebSocket.Listener {
        final LinkedBlockingQueue<JsonNode> in = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final StringBuilder buf = new StringBuilder();
        WebSocket ws;

        static Client connect() throws Exception {
            Client c = new Client();
            c.ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + sim.port()
                    + "/api/websocket"), c).get(5, TimeUnit.SECONDS);
            return c;
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            buf.append(data);
            if (last) {
                try {
                    in.add(JSON.readTree(buf.toString()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                buf.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closed.complete(code);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            closed.complete(-1);
        }

        void send(String json) throws Exception {
            ws.sendText(json, true).get(5, TimeUnit.SECONDS);
        }

        JsonNode next() throws InterruptedException {
            JsonNode n = in.poll(5, TimeUnit.SECONDS);
            assertThat(n).as("a message within 5 s").isNotNull();
            return n;
        }

        JsonNode nextOfType(String type) throws InterruptedException {
            while (true) {
                JsonNode n = next();
                if (n.path("type").asText().equals(type)) {
                    return n;
                }
            }
        }
    }

    @Test
    void webSocketAuthPhaseCommandsAndEvents() throws Exception {
        Client c = Client.connect();
        JsonNode first = c.next();
        assertThat(first.path("type").asText()).isEqualTo("auth_required");
        assertThat(first.path("ha_version").asText()).isNotEmpty();
        c.send("{\"type\":\"auth\",\"access_token\":\"tok\"}");
        assertThat(c.next().path("type").asText()).isEqualTo("auth_ok");

        c.send("{\"id\":1,\"type\":\"get_states\"}");
        JsonNode states = c.next();
        assertThat(states.path("id").asInt()).isEqualTo(1);
        assertThat(states.path("success").asBoolean()).isTrue();
        assertThat(states.path("result").size()).isGreaterThan(5);

        c.send("{\"id\":1,\"type\":\"ping\"}");
        JsonNode reuse = c.next();
        assertThat(reuse.path("success").asBoolean()).isFalse();
        assertThat(reuse.path("error").path("code").asText()).isEqualTo("id_reuse");

        c.send("{\"id\":2,\"type\":\"ping\"}");
        assertThat(c.next().path("type").asText()).isEqualTo("pong");
        c.send("{\"id\":3,\"type\":\"no_such_command\"}");
        assertThat(c.next().path("error").path("code").asText()).isEqualTo("unknown_command");

        c.send("{\"id\":4,\"type\":\"config/entity_registry/list\"}");
        JsonNode reg = c.next().path("result");
        boolean ownMqtt = false;
        for (JsonNode e : reg) {
            ownMqtt |= e.path("entity_id").asText().equals("sensor.gw1_p1_power_import")
                    && e.path("platform").asText().equals("mqtt")
                    && e.path("unique_id").asText().equals("gw1_p1_power_import");
        }
        assertThat(ownMqtt).isTrue();

        c.send("{\"id\":5,\"type\":\"subscribe_events\",\"event_type\":\"state_changed\"}");
        assertThat(c.next().path("success").asBoolean()).isTrue();
        c.send("{\"id\":6,\"type\":\"subscribe_trigger\",\"trigger\":{\"platform\":\"state\","
                + "\"entity_id\":[\"sensor.power_kitchen\"]}}");
        assertThat(c.next().path("success").asBoolean()).isTrue();

        sim.setState("sensor.power_kitchen", "333");
        JsonNode a = c.nextOfType("event");
        JsonNode b = c.nextOfType("event");
        JsonNode changed = a.path("id").asInt() == 5 ? a : b;
        JsonNode trigger = a.path("id").asInt() == 6 ? a : b;
        assertThat(changed.path("event").path("event_type").asText()).isEqualTo("state_changed");
        assertThat(changed.path("event").path("data").path("new_state").path("state").asText()).isEqualTo("333");
        assertThat(changed.path("event").path("data").path("old_state").path("entity_id").asText())
                .isEqualTo("sensor.power_kitchen");
        assertThat(trigger.path("event").path("variables").path("trigger").path("to_state").path("state").asText())
                .isEqualTo("333");

        // a trigger on another entity stays silent; the state_changed subscription sees everything
        sim.setState("sensor.total_power", "1");
        JsonNode only = c.nextOfType("event");
        assertThat(only.path("id").asInt()).isEqualTo(5);

        assertThat(sim.dropSockets()).isEqualTo(1);
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void refusedTokenIsAuthInvalidAndTheSocketCloses() throws Exception {
        Client c = Client.connect();
        c.next();
        c.send("{\"type\":\"auth\",\"access_token\":\"wrong\"}");
        JsonNode m = c.next();
        assertThat(m.path("type").asText()).isEqualTo("auth_invalid");
        assertThat(m.path("message").asText()).isNotEmpty();
        // a normal close frame, as Home Assistant sends; a bare TCP close went unreported by the JDK client
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
    }

    @Test
    void slowAnswersAreSlow() throws Exception {
        sim.slowAnswers(700);
        long t0 = System.nanoTime();
        assertThat(get("/api/states", "tok").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
    }

    @Test
    void valuesMoveOverTime() {
        EntityTable t = new EntityTable().load0();
        t.tick(0);
        String a = t.get("sensor.power_kitchen").path("state").asText();
        t.tick(11.25);
        String b = t.get("sensor.power_kitchen").path("state").asText();
        assertThat(a).isEqualTo("400.0");
        // 400 + 150 sin(2 pi 11.25 / 45) = 550
        assertThat(b).isEqualTo("550.0");
        // counters grow; unavailable stays unavailable
        t.tick(3600);
        assertThat(t.get("sensor.energy_today").path("state").asText()).isEqualTo("9.212");
        assertThat(t.get("sensor.solar_inverter_power").path("state").asText()).isEqualTo("unavailable");
    }
}
