package org.meter2mqtt.driver.homeassistant.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.driver.homeassistant.protocol.AuthException;
import org.meter2mqtt.driver.homeassistant.protocol.Discovery;
import org.meter2mqtt.driver.homeassistant.protocol.EntityState;
import org.meter2mqtt.driver.homeassistant.protocol.HaHttp;
import org.meter2mqtt.driver.homeassistant.protocol.LoopGuard;
import org.meter2mqtt.driver.homeassistant.protocol.RestClient;
import org.meter2mqtt.driver.homeassistant.protocol.WsConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code mode = push}: one WebSocket. At open: authenticate, subscribe (state_changed events, or a state trigger
 * on the named entities), read the entity registry for the loop rule, then {@code get_states} as the full resync;
 * events that arrive meanwhile wait and are applied after it. A ping every {@code ping.interval} s (30) finds a dead connection; any loss
 * hands the session back to the core, which reopens (and resyncs) with backoff.
 */
final class PushSession implements DriverSession {

    private static final Logger LOG = LoggerFactory.getLogger(PushSession.class);

    private final DeviceContext ctx;
    private final StatePublisher publisher;
    private final List<JsonNode> early = new ArrayList<>();
    private boolean synced;
    private volatile WsConnection ws;
    private volatile boolean closed;
    private CompletableFuture<JsonNode> lastPing;
    private long pingSeconds;

    private PushSession(DeviceContext ctx, Discovery discovery, Set<String> attributeKeys) {
        this.ctx = ctx;
        this.publisher = new StatePublisher(ctx, discovery, attributeKeys);
    }

    static PushSession open(DeviceContext ctx, HttpClient http, URI base, String token, Duration timeout,
            Discovery discovery, String gatewayId, Set<String> attributeKeys) throws DriverException {
        PushSession s = new PushSession(ctx, discovery, attributeKeys);
        URI uri = HaHttp.webSocketUri(base);
        try {
            s.ws = WsConnection.open(http, uri, token, timeout, why -> s.lost(why));
            s.start(discovery, gatewayId, timeout);
        } catch (AuthException e) {
            s.close();
            throw new ConfigException(HomeAssistantDriver.tokenRefused("auth_invalid"));
        } catch (IOException e) {
            s.close();
            throw HomeAssistantDriver.unreachable(uri.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
            throw new DriverException("interrupted");
        }
        return s;
    }

    private void start(Discovery discovery, String gatewayId, Duration timeout)
            throws IOException, InterruptedException {
        ObjectNode sub;
        if (discovery.explicitIdsOnly()) {
            sub = WsConnection.command("subscribe_trigger");
            ObjectNode trigger = sub.putObject("trigger").put("platform", "state");
            discovery.explicitIds().forEach(trigger.putArray("entity_id")::add);
        } else {
            sub = WsConnection.command("subscribe_events").put("event_type", "state_changed");
        }
        CompletableFuture<JsonNode> subscribed = ws.subscribe(sub, this::onEvent);
        CompletableFuture<JsonNode> registry = ws.call(WsConnection.command("config/entity_registry/list"));
        CompletableFuture<JsonNode> states = ws.call(WsConnection.command("get_states"));
        WsConnection.await(subscribed, sub.path("type").asText(), timeout);
        Set<String> own = new HashSet<>();
        String registryNote;
        try {
            for (JsonNode e : WsConnection.await(registry, "config/entity_registry/list", timeout)) {
                if (LoopGuard.isOwnRegistryEntry(gatewayId, e.path("platform").asText(null),
                        e.path("unique_id").asText(null))) {
                    own.add(e.path("entity_id").asText());
                }
            }
            registryNote = "and " + own.size() + " MQTT entities of this gateway in the entity registry";
        } catch (IOException e) {
            // a non-admin token may not list the registry: the entity id prefix still applies
            registryNote = "(entity registry not readable: " + e.getMessage() + ")";
        }
        LoopGuard guard = new LoopGuard(gatewayId, own);
        List<EntityState> all = RestClient.parseStates(WsConnection.await(states, "get_states", timeout));
        ctx.attribute("ha.mode", "push over " + HaHttp.webSocketUri(HaHttp.baseUri(ctx.config().get(
                HomeAssistantDriver.KEY_URL))) + " (Home Assistant " + ws.haVersion() + ", " + sub.path("type")
                .asText() + "); loop rule: skips " + guard.entityPrefix() + "* " + registryNote);
        List<JsonNode> pending;
        synchronized (this) {
            publisher.resync(all, guard);
            synced = true;
            pending = new ArrayList<>(early);
            early.clear();
        }
        pending.forEach(this::apply);
        pingSeconds = ctx.config().getInt(HomeAssistantDriver.KEY_PING, HomeAssistantDriver.DEFAULT_PING_SECONDS);
        ctx.scheduler().scheduleWithFixedDelay(this::ping, pingSeconds, pingSeconds, TimeUnit.SECONDS);
    }

    private void onEvent(JsonNode event) {
        synchronized (this) {
            if (!synced) {
                early.add(event);
                return;
            }
        }
        apply(event);
    }

    /** A state_changed event ({@code data.new_state}) or a state trigger ({@code variables.trigger.to_state}). */
    private void apply(JsonNode event) {
        JsonNode data = event.has("variables") ? event.path("variables").path("trigger") : event.path("data");
        String id = data.path("entity_id").asText("");
        JsonNode next = event.has("variables") ? data.get("to_state") : data.get("new_state");
        if (id.isEmpty()) {
            return;
        }
        if (next == null || next.isNull()) {
            publisher.removed(id);
            return;
        }
        try {
            publisher.changed(EntityState.fromJson(next));
        } catch (IllegalArgumentException e) {
            ctx.error("event for " + id + ": " + e.getMessage());
        }
    }

    private void ping() {
        WsConnection c = ws;
        if (c == null || closed) {
            return;
        }
        CompletableFuture<JsonNode> previous = lastPing;
        if (previous != null && !previous.isDone()) {
            ctx.linkLost("Home Assistant did not answer a ping within " + pingSeconds + " s", null);
            return;
        }
        lastPing = c.call(WsConnection.command("ping"));
    }

    private void lost(String why) {
        if (!closed) {
            LOG.debug("Device {}: {}", ctx.deviceId(), why);
            ctx.linkLost(why, null);
        }
    }

    StatePublisher publisher() {
        return publisher;
    }

    @Override
    public void close() {
        closed = true;
        WsConnection c = ws;
        if (c != null) {
            c.close();
        }
    }
}
