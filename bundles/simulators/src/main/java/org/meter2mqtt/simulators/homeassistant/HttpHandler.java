package org.meter2mqtt.simulators.homeassistant;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * The REST side ({@code GET /api/}, {@code GET /api/states}, {@code GET|POST /api/states/<entity_id>}; every
 * request needs {@code Authorization: Bearer <token>}, else 401) and the upgrade to {@code /api/websocket}.
 * Test switches under {@code /sim/} need no token (loopback only).
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final HaSimulator sim;

    HttpHandler(HaSimulator sim) {
        this.sim = sim;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String path = q.path();
        if (path.equals("/api/websocket")) {
            upgrade(ctx, req);
            return;
        }
        if (path.startsWith("/sim/")) {
            respond(ctx, req, control(path, q.parameters()), 0);
            return;
        }
        sim.countRest();
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        String presented = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        FullHttpResponse resp;
        if (presented == null || !sim.tokenValid(presented)) {
            resp = text(HttpResponseStatus.UNAUTHORIZED, "401: Unauthorized");
        } else {
            resp = api(req, path);
        }
        respond(ctx, req, resp, sim.slowMillis());
    }

    private FullHttpResponse api(FullHttpRequest req, String path) {
        EntityTable t = sim.entities();
        if (path.equals("/api/") && req.method() == HttpMethod.GET) {
            return json(HttpResponseStatus.OK, EntityTable.JSON.createObjectNode().put("message", "API running."));
        }
        if (path.equals("/api/states") && req.method() == HttpMethod.GET) {
            return json(HttpResponseStatus.OK, t.all());
        }
        if (path.startsWith("/api/states/")) {
            String id = path.substring("/api/states/".length());
            if (req.method() == HttpMethod.GET) {
                ObjectNode s = t.get(id);
                return s == null ? json(HttpResponseStatus.NOT_FOUND, EntityTable.JSON.createObjectNode()
                        .put("message", "Entity not found.")) : json(HttpResponseStatus.OK, s);
            }
            if (req.method() == HttpMethod.POST) {
                JsonNode body;
                try {
                    body = EntityTable.JSON.readTree(req.content().toString(StandardCharsets.UTF_8));
                } catch (java.io.IOException e) {
                    return json(HttpResponseStatus.BAD_REQUEST, msg("Invalid JSON specified."));
                }
                if (body == null || !body.hasNonNull("state")) {
                    return json(HttpResponseStatus.BAD_REQUEST, msg("No state specified."));
                }
                boolean existed = t.get(id) != null;
                t.set(id, body.get("state").asText(), body.has("attributes")
                        ? (ObjectNode) body.get("attributes").deepCopy() : null);
                return json(existed ? HttpResponseStatus.OK : HttpResponseStatus.CREATED, t.get(id));
            }
        }
        return json(HttpResponseStatus.NOT_FOUND, msg("Not found"));
    }

    private FullHttpResponse control(String path, Map<String, List<String>> p) {
        switch (path) {
            case "/sim/reject":
                sim.rejectTokens(Boolean.parseBoolean(first(p, "on", "true")));
                break;
            case "/sim/slow":
                sim.slowAnswers(Integer.parseInt(first(p, "ms", "0")));
                break;
            case "/sim/drop":
                return text(HttpResponseStatus.OK, "dropped " + sim.dropSockets());
            case "/sim/unavailable":
                sim.setState(first(p, "entity", ""), "unavailable");
                break;
            default:
                return text(HttpResponseStatus.NOT_FOUND, "unknown switch " + path);
        }
        return text(HttpResponseStatus.OK, "ok");
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
        String url = "ws://" + req.headers().get(HttpHeaderNames.HOST) + "/api/websocket";
        WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, false, 16 << 20)
                .newHandshaker(req);
        if (hs == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        WsHandler ws = new WsHandler(sim, hs);
        ctx.pipeline().replace(this, "ha-websocket", ws);
        hs.handshake(ctx.channel(), req).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                sim.socketOpened(f.channel());
                ws.handshaken(f.channel());
            }
        });
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse resp, int delayMs) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setContentLength(resp, resp.content().readableBytes());
        Runnable send = () -> {
            if (keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        };
        if (delayMs > 0) {
            ctx.executor().schedule(send, delayMs, TimeUnit.MILLISECONDS);
        } else {
            send.run();
        }
    }

    private static ObjectNode msg(String m) {
        return EntityTable.JSON.createObjectNode().put("message", m);
    }

    private static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body.toString(), StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }

    private static String first(Map<String, List<String>> p, String key, String fallback) {
        List<String> v = p.get(key);
        return v == null || v.isEmpty() ? fallback : v.get(0);
    }
}
