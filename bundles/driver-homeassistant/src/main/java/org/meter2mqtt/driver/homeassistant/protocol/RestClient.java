package org.meter2mqtt.driver.homeassistant.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Home Assistant's REST API: {@code GET /api/states} with a long-lived access token. */
public final class RestClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final String token;
    private final Duration timeout;

    public RestClient(HttpClient http, URI base, String token, Duration timeout) {
        this.http = http;
        this.base = base;
        this.token = token;
        this.timeout = timeout;
    }

    public URI base() {
        return base;
    }

    /**
     * Every entity's state.
     *
     * @throws AuthException when HA answers 401 (the token is wrong or revoked)
     * @throws IOException   when HA cannot be reached, answers another error or something that is not a state list
     */
    public List<EntityState> states() throws AuthException, IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/states")).timeout(timeout)
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build();
        HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() == 401) {
            throw new AuthException("Home Assistant answered 401 Unauthorized to GET /api/states");
        }
        if (resp.statusCode() != 200) {
            throw new IOException("Home Assistant answered " + resp.statusCode() + " to GET /api/states");
        }
        JsonNode root;
        try {
            root = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new IOException("GET /api/states returned no JSON: " + e.getMessage());
        }
        return parseStates(root);
    }

    /** A JSON array of state objects; entries without entity_id are left out. */
    public static List<EntityState> parseStates(JsonNode root) throws IOException {
        if (root == null || !root.isArray()) {
            throw new IOException("expected a JSON array of states, got " + (root == null ? "nothing"
                    : root.getNodeType()));
        }
        List<EntityState> out = new ArrayList<>(root.size());
        for (JsonNode n : root) {
            if (n.hasNonNull("entity_id")) {
                out.add(EntityState.fromJson(n));
            }
        }
        return out;
    }
}
