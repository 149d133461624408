package org.meter2mqtt.simulators.homeassistant;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLException;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * A protocol-true stand-in for Home Assistant (which cannot be installed here), written from the REST and
 * WebSocket API documentation (developers.home-assistant.io, docs/api/rest and docs/api/websocket), not from the
 * driver. One port serves {@code /api/...} (REST, Bearer token) and {@code /api/websocket}; the entities come from
 * a JSON file and move over time. Switches for tests and demos: tokens refused, slow answers, sockets dropped,
 * entities unavailable; also reachable over HTTP under {@code /sim/} (see {@link HttpHandler}).
 *
 * <pre>
 * HaSimulator [--port 8123] [--host 127.0.0.1] [--token TOKEN] [--entities file.json] [--interval ms]
 *             [--tls-cert chain.pem --tls-key key.pem]
 * </pre>
 */
public final class HaSimulator implements AutoCloseable {

    public static final String DEFAULT_TOKEN = "sim-token";
    static final String HA_VERSION = "2026.4.0";

    private final EntityTable table = new EntityTable();
    private final String token;
    private final AtomicBoolean rejectTokens = new AtomicBoolean();
    private final AtomicInteger slowMillis = new AtomicInteger();
    private final AtomicLong restRequests = new AtomicLong();
    private final AtomicLong wsConnections = new AtomicLong();
    private final Set<Channel> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean unreachable = new AtomicBoolean();
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ha-sim-ticker");
        t.setDaemon(true);
        return t;
    });
    private Channel server;
    private SslContext tls;

    public HaSimulator(String token) {
        this.token = token;
    }

    /** Loads the built-in house (whole-home power, daily energy, circuits, one of the gateway's own entities). */
    public HaSimulator loadDefaultEntities() throws IOException {
        try (InputStream in = HaSimulator.class.getResourceAsStream("entities.json")) {
            table.load(EntityTable.JSON.readTree(in));
        }
        return this;
    }

    public HaSimulator load(JsonNode entities) {
        table.load(entities);
        return this;
    }

    /** Serves https and wss with this PEM certificate chain and PKCS#8 key (call before {@link #start}). */
    public HaSimulator tls(File certificateChain, File privateKey) throws SSLException {
        this.tls = SslContextBuilder.forServer(certificateChain, privateKey).build();
        return this;
    }

    /** Starts listening; port 0 takes a free one. */
    public HaSimulator start(String host, int port) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (unreachable.get()) {
                            ch.close(); // as a stopped Home Assistant: the connection ends before any byte
                            return;
                        }
                        connections.add(ch);
                        ch.closeFuture().addListener(f -> connections.remove(ch));
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new HttpHandler(HaSimulator.this));
                    }
                });
        server = b.bind(host, port).sync().channel();
        return this;
    }

    /** Moves the entities with a {@code sim} entry every {@code millis}. */
    public HaSimulator tickEvery(long millis) {
        long start = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> table.tick((System.nanoTime() - start) / 1e9), millis, millis,
                TimeUnit.MILLISECONDS);
        return this;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public EntityTable entities() {
        return table;
    }

    /** Sets a state (attributes kept), as {@code POST /api/states/<id>} would. */
    public void setState(String entityId, String state) {
        table.set(entityId, state, null);
    }

    /** On: every token is refused (REST 401, WebSocket auth_invalid). */
    public void rejectTokens(boolean on) {
        rejectTokens.set(on);
    }

    /** Every REST answer and WebSocket reply waits this long. */
    public void slowAnswers(int millis) {
        slowMillis.set(millis);
    }

    /** Closes every WebSocket's TCP connection without a close frame, as a crashed or restarted HA would. */
    public int dropSockets() {
        int n = 0;
        for (Channel c : sockets) {
            c.close();
            n++;
        }
        return n;
    }

    /**
     * On: every connection (REST and WebSocket) is closed, and new ones are closed as soon as they are accepted,
     * as with a Home Assistant that went down. Off: answers again. Java only: over HTTP it could not be undone.
     */
    public void unreachable(boolean on) {
        unreachable.set(on);
        if (on) {
            connections.forEach(Channel::close);
        }
    }

    public long restRequests() {
        return restRequests.get();
    }

    /** WebSocket connections accepted so far (handshakes). */
    public long webSocketConnections() {
        return wsConnections.get();
    }

    public int openSockets() {
        return sockets.size();
    }

    boolean tokenValid(String presented) {
        return !rejectTokens.get() && token.equals(presented);
    }

    int slowMillis() {
        return slowMillis.get();
    }

    void countRest() {
        restRequests.incrementAndGet();
    }

    void socketOpened(Channel c) {
        wsConnections.incrementAndGet();
        sockets.add(c);
        c.closeFuture().addListener(f -> sockets.remove(c));
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        sockets.forEach(Channel::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 8123;
        String token = DEFAULT_TOKEN;
        Path file = null;
        long interval = 2000;
        String cert = null;
        String key = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--host": host = v; i++; break;
                case "--port": port = Integer.parseInt(v); i++; break;
                case "--token": token = v; i++; break;
                case "--entities": file = Path.of(v); i++; break;
                case "--interval": interval = Long.parseLong(v); i++; break;
                case "--tls-cert": cert = v; i++; break;
                case "--tls-key": key = v; i++; break;
                default:
                    System.err.println("usage: HaSimulator [--host 127.0.0.1] [--port 8123] [--token TOKEN] "
                            + "[--entities file.json] [--interval ms (0: values change only when set)] "
                            + "[--tls-cert chain.pem --tls-key key.pem]\n"
                            + "control: POST /api/states/<entity_id> {\"state\":..}; POST /sim/reject?on=true|false, "
                            + "/sim/slow?ms=N, /sim/drop, /sim/unavailable?entity=ID");
                    System.exit(a.equals("--help") ? 0 : 2);
            }
        }
        HaSimulator sim = new HaSimulator(token);
        if (file != null) {
            sim.load(EntityTable.JSON.readTree(Files.readAllBytes(file)));
        } else {
            sim.loadDefaultEntities();
        }
        if (cert != null && key != null) {
            sim.tls(new File(cert), new File(key));
        }
        sim.start(host, port);
        if (interval > 0) {
            sim.tickEvery(interval);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
        // tests and scripts wait for this line
        System.out.println("Home Assistant simulator listening on port " + sim.port() + " (token "
                + (token.equals(DEFAULT_TOKEN) ? DEFAULT_TOKEN : "as given") + ")");
        System.out.flush();
        Thread.currentThread().join();
    }
}
