package org.meter2mqtt.simulators.homeassistant;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;

/**
 * One WebSocket API session: {@code auth_required}, then {@code auth} answered with {@code auth_ok} or
 * {@code auth_invalid} (and the socket closed); then commands with increasing ids: {@code get_states},
 * {@code subscribe_events} (optionally {@code event_type}), {@code subscribe_trigger} (platform state, entity_id),
 * {@code unsubscribe_events}, {@code ping}, {@code config/entity_registry/list}; anything else is an
 * {@code unknown_command} error result.
 */
final class WsHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements EntityTable.Listener {

    /** A subscription: state_changed (or all) events, or a state trigger on some entities. */
    private static final class Sub {
        final String eventType;
        final Set<String> triggerEntities;

        Sub(String eventType, Set<String> triggerEntities) {
            this.eventType = eventType;
            this.triggerEntities = triggerEntities;
        }
    }

    private final HaSimulator sim;
    private final WebSocketServerHandshaker handshaker;
    private final Map<Integer, Sub> subs = new ConcurrentHashMap<>();
    private volatile Channel channel;
    private boolean authenticated;
    private int lastId;

    WsHandler(HaSimulator sim, WebSocketServerHandshaker handshaker) {
        this.sim = sim;
        this.handshaker = handshaker;
    }

    void handshaken(Channel ch) {
        this.channel = ch;
        send(EntityTable.JSON.createObjectNode().put("type", "auth_required").put("ha_version",
                HaSimulator.HA_VERSION), 0);
        ch.closeFuture().addListener(f -> sim.entities().removeListener(this));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame) {
            handshaker.close(ctx.channel(), (CloseWebSocketFrame) frame.retain());
            return;
        }
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            return;
        }
        if (!(frame instanceof TextWebSocketFrame)) {
            return;
        }
        JsonNode m;
        try {
            m = EntityTable.JSON.readTree(((TextWebSocketFrame) frame).text());
        } catch (java.io.IOException e) {
            ctx.close();
            return;
        }
        if (!authenticated) {
            authenticate(m);
            return;
        }
        command(m);
    }

    private void authenticate(JsonNode m) {
        if ("auth".equals(m.path("type").asText()) && sim.tokenValid(m.path("access_token").asText(null))) {
            authenticated = true;
            sim.entities().addListener(this);
            send(EntityTable.JSON.createObjectNode().put("type", "auth_ok").put("ha_version", HaSimulator.HA_VERSION),
                    sim.slowMillis());
            return;
        }
        ObjectNode invalid = EntityTable.JSON.createObjectNode().put("type", "auth_invalid")
                .put("message", "Invalid access token or password");
        // Home Assistant ends the session with a close frame (code 1000), not a bare TCP close; a client
        // that only sees the TCP close may never report it (the JDK's client missed it 2 times in 5)
        channel.write(new TextWebSocketFrame(invalid.toString()));
        handshaker.close(channel, new CloseWebSocketFrame(1000, ""));
    }

    private void command(JsonNode m) {
        int delay = sim.slowMillis();
        if (!m.path("id").canConvertToInt() || !m.path("id").isIntegralNumber()) {
            send(error(0, "invalid_format", "Message incorrectly formatted."), delay);
            return;
        }
        int id = m.path("id").asInt();
        if (id <= lastId) {
            send(error(id, "id_reuse", "Identifier values have to increase."), delay);
            return;
        }
        lastId = id;
        String type = m.path("type").asText();
        switch (type) {
            case "ping":
                send(EntityTable.JSON.createObjectNode().put("id", id).put("type", "pong"), delay);
                break;
            case "get_states":
                send(result(id).set("result", sim.entities().all()), delay);
                break;
            case "config/entity_registry/list":
                send(result(id).set("result", sim.entities().registryEntries()), delay);
                break;
            case "subscribe_events":
                subs.put(id, new Sub(m.hasNonNull("event_type") ? m.get("event_type").asText() : null, null));
                send(result(id).putNull("result"), delay);
                break;
            case "subscribe_trigger":
                JsonNode trigger = m.path("trigger");
                if (!"state".equals(trigger.path("platform").asText(trigger.path("trigger").asText()))) {
                    send(error(id, "invalid_format", "only state triggers are simulated"), delay);
                    break;
                }
                Set<String> ids = new HashSet<>();
                JsonNode e = trigger.path("entity_id");
                if (e.isArray()) {
                    e.forEach(x -> ids.add(x.asText()));
                } else {
                    ids.add(e.asText());
                }
                subs.put(id, new Sub(null, ids));
                send(result(id).putNull("result"), delay);
                break;
            case "unsubscribe_events":
            case "unsubscribe_trigger":
                if (subs.remove(m.path("subscription").asInt(-1)) != null) {
                    send(result(id).putNull("result"), delay);
                } else {
                    send(error(id, "not_found", "Subscription not found."), delay);
                }
                break;
            default:
                send(error(id, "unknown_command", "Unknown command."), delay);
        }
    }

    @Override
    public void changed(String entityId, ObjectNode oldState, ObjectNode newState) {
        String fired = OffsetDateTime.now(ZoneOffset.UTC).toString();
        for (Map.Entry<Integer, Sub> e : subs.entrySet()) {
            Sub s = e.getValue();
            ObjectNode msg = EntityTable.JSON.createObjectNode().put("id", e.getKey()).put("type", "event");
            if (s.triggerEntities != null) {
                if (!s.triggerEntities.contains(entityId) || newState == null) {
                    continue;
                }
                ObjectNode trig = msg.putObject("event").putObject("variables").putObject("trigger");
                trig.put("id", "0").put("idx", "0").putNull("alias").put("platform", "state")
                        .put("entity_id", entityId);
                trig.set("from_state", oldState);
                trig.set("to_state", newState);
                trig.putNull("for");
                trig.putNull("attribute");
                trig.put("description", "state of " + entityId);
                ((ObjectNode) msg.get("event")).putNull("context");
            } else {
                if (s.eventType != null && !s.eventType.equals("state_changed")) {
                    continue;
                }
                ObjectNode ev = msg.putObject("event");
                ObjectNode data = ev.putObject("data");
                data.put("entity_id", entityId);
                data.set("old_state", oldState);
                data.set("new_state", newState);
                ev.put("event_type", "state_changed");
                ev.put("time_fired", fired);
                ev.put("origin", "LOCAL");
            }
            send(msg, 0);
        }
    }

    private static ObjectNode result(int id) {
        return EntityTable.JSON.createObjectNode().put("id", id).put("type", "result").put("success", true);
    }

    private static ObjectNode error(int id, String code, String message) {
        ObjectNode r = EntityTable.JSON.createObjectNode().put("id", id).put("type", "result").put("success", false);
        r.putObject("error").put("code", code).put("message", message);
        return r;
    }

    private void send(JsonNode m, int delayMs) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        String text = m.toString();
        if (delayMs > 0) {
            ch.eventLoop().schedule(() -> ch.writeAndFlush(new TextWebSocketFrame(text)), delayMs,
                    TimeUnit.MILLISECONDS);
        } else {
            ch.writeAndFlush(new TextWebSocketFrame(text));
        }
    }
}
