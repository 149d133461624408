package org.meter2mqtt.driver.homeassistant.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One authenticated connection to Home Assistant's WebSocket API ({@code /api/websocket}): the server sends
 * {@code auth_required}, we answer {@code auth} with the token, it says {@code auth_ok} or {@code auth_invalid}.
 * After that every command carries an increasing integer {@code id}; results and events carry it back.
 * Messages are handled on the JDK's listener thread, one at a time, in arrival order.
 */
public final class WsConnection implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicInteger nextId = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<Integer, Consumer<JsonNode>> subscriptions = new ConcurrentHashMap<>();
    private final CompletableFuture<String> auth = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Consumer<String> onLost;
    private final String token;
    private volatile WebSocket socket;
    private volatile String haVersion = "";

    private WsConnection(String token, Consumer<String> onLost) {
        this.token = token;
        this.onLost = onLost;
    }

    /**
     * Connects and authenticates.
     *
     * @param onLost called once, with the reason, when the connection ends without {@link #close()}
     * @throws AuthException when HA answers {@code auth_invalid}
     * @throws IOException   when HA cannot be reached or does not complete the handshake within {@code timeout}
     */
    public static WsConnection open(HttpClient http, URI uri, String token, Duration timeout, Consumer<String> onLost)
            throws AuthException, IOException, InterruptedException {
        WsConnection c = new WsConnection(token, onLost);
        try {
            c.socket = http.newWebSocketBuilder().connectTimeout(timeout).buildAsync(uri, c.new Listener())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            c.haVersion = c.auth.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return c;
        } catch (ExecutionException e) {
            c.close();
            Throwable cause = e.getCause();
            if (cause instanceof AuthException) {
                throw (AuthException) cause;
            }
            throw new IOException("cannot connect to " + uri + ": " + describe(cause), cause);
        } catch (TimeoutException e) {
            c.close();
            throw new IOException("no WebSocket handshake with " + uri + " within " + timeout.toSeconds() + " s");
        }
    }

    /** The {@code ha_version} of {@code auth_ok}. */
    public String haVersion() {
        return haVersion;
    }

    /** Sends a command with the next id; the future completes with its {@code result} (or {@code pong}) message. */
    public CompletableFuture<JsonNode> call(ObjectNode command) {
        int id = nextId.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        command.put("id", id);
        send(command, f);
        return f;
    }

    /** Sends a subscription; its {@code event} messages go to {@code events}, on the listener thread. */
    public CompletableFuture<JsonNode> subscribe(ObjectNode command, Consumer<JsonNode> events) {
        int id = nextId.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        subscriptions.put(id, events);
        command.put("id", id);
        send(command, f);
        return f;
    }

    /** Waits for a result and returns its {@code result} field; an unsuccessful result becomes an IOException. */
    public static JsonNode await(CompletableFuture<JsonNode> f, String what, Duration timeout)
            throws IOException, InterruptedException {
        JsonNode m;
        try {
            m = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + describe(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + ": no answer within " + timeout.toSeconds() + " s");
        }
        if (m.has("success") && !m.path("success").asBoolean()) {
            JsonNode err = m.path("error");
            throw new IOException(what + " refused: " + err.path("code").asText() + " " + err.path("message").asText());
        }
        return m.path("result");
    }

    public static ObjectNode command(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    private void send(JsonNode message, CompletableFuture<?> onFail) {
        WebSocket ws = socket;
        if (ws == null) {
            onFail.completeExceptionally(new IOException("not connected"));
            return;
        }
        String text = message.toString();
        synchronized (this) {
            // the JDK allows one outstanding send: wait for each (small messages, written at once)
            try {
                ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                onFail.completeExceptionally(e);
            } catch (ExecutionException | TimeoutException e) {
                onFail.completeExceptionally(new IOException("send failed: " + describe(e.getCause())));
            }
        }
    }

    private void handle(JsonNode m) {
        String type = m.path("type").asText();
        switch (type) {
            case "auth_required":
                send(JSON.createObjectNode().put("type", "auth").put("access_token", token), auth);
                break;
            case "auth_ok":
                auth.complete(m.path("ha_version").asText(""));
                break;
            case "auth_invalid":
                auth.completeExceptionally(new AuthException("Home Assistant refused the access token: "
                        + m.path("message").asText("auth_invalid")));
                break;
            case "event":
                Consumer<JsonNode> c = subscriptions.get(m.path("id").asInt(-1));
                if (c != null) {
                    c.accept(m.path("event"));
                }
                break;
            case "result":
            case "pong":
                int id = m.path("id").asInt(-1);
                CompletableFuture<JsonNode> f = pending.remove(id);
                if (f != null) {
                    f.complete(m);
                }
                break;
            default:
                break;
        }
    }

    private void lost(String why) {
        IOException e = new IOException(why);
        auth.completeExceptionally(e);
        pending.values().forEach(f -> f.completeExceptionally(e));
        pending.clear();
        if (closing.compareAndSet(false, true)) {
            onLost.accept(why);
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        WebSocket ws = socket;
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((r, t) -> ws.abort());
            // do not wait for the server's close frame: a gone server would keep us for the JDK's timeout
            ws.abort();
        }
        IOException e = new IOException("closed");
        pending.values().forEach(f -> f.completeExceptionally(e));
        auth.completeExceptionally(e);
    }

    private static String describe(Throwable t) {
        return HaHttp.describe(t);
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            socket = ws;
            text.append(data);
            if (last) {
                String whole = text.toString();
                text.setLength(0);
                try {
                    JsonNode m = JSON.readTree(whole);
                    handle(m);
                } catch (IOException e) {
                    // HA only sends JSON: whatever this is, it is not Home Assistant any more
                    lost("Home Assistant sent a message that is not JSON: " + EntityState.abbreviate(whole));
                    ws.abort();
                    return null;
                } catch (RuntimeException e) {
                    lost("handling a message failed: " + e);
                    ws.abort();
                    return null;
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            lost("Home Assistant closed the WebSocket (" + statusCode + (reason == null || reason.isEmpty() ? ""
                    : " " + reason) + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lost("WebSocket error: " + describe(error));
        }
    }
}
