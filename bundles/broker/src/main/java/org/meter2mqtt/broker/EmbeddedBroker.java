package org.meter2mqtt.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.meter2mqtt.api.LocalBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.moquette.BrokerConstants;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.moquette.broker.security.IAuthenticator;
import io.moquette.broker.security.IAuthorizatorPolicy;
import io.moquette.broker.security.PermitAllAuthorizatorPolicy;
import io.moquette.interception.AbstractInterceptHandler;
import io.moquette.interception.messages.InterceptConnectionLostMessage;
import io.moquette.interception.messages.InterceptDisconnectMessage;
import io.moquette.interception.messages.InterceptExceptionMessage;
import io.moquette.interception.messages.InterceptPublishMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * A Moquette 0.17 MQTT 3.1.1 broker in this JVM. Plain Java (no OSGi), so tests and the DS component use
 * the same class. Telemetry to Moquette's servers, websockets, metrics and bugsnag are off; TCP_NODELAY
 * and immediate flushing are on, because MQTT meters expect sub-millisecond forwarding.
 * <p>
 * Moquette 0.17 runs every client's commands on one of a few "session event loop" threads, and an exception in
 * any command ends that thread for good: every client hashed to it then gets no answer (CONNECT, PUBLISH, PUBACK)
 * until the broker restarts. So when a session thread fails, this class keeps it serving its command queue
 * ({@link SessionThreadRescue}); where that is not possible it restarts the broker on the same port, with its store
 * and its in-process listeners, and clients reconnect as they do after any broker restart.
 */
public final class EmbeddedBroker implements LocalBroker, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
            .stream().filter(b -> b.getName().equals("direct")).findFirst().orElse(null);
    /** Direct memory (Netty's buffers) above which messages waiting for listeners are dropped. */
    private static final long SHED_ABOVE = Long.getLong("meter2mqtt.broker.shedAboveBytes",
            Runtime.getRuntime().maxMemory() / 2);

    /** Restarts after a dead session thread come at most this often, so a fault hit on every start cannot spin. */
    private static final long RESTART_SPACING_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final BrokerSettings settings;
    private final IAuthorizatorPolicy policy;
    private final AtomicLong dropped = new AtomicLong();
    /** The {@link #listen} registrations, added again to the server a restart creates. */
    private final List<Tap> taps = new CopyOnWriteArrayList<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private final AtomicInteger rescues = new AtomicInteger();
    private final AtomicLong failedCommands = new AtomicLong();
    /** For tests: false skips the rescue, so a failed session thread restarts the broker. */
    private volatile boolean rescueThreads = true;
    private volatile long shedAbove = SHED_ABOVE;
    /** Connections started without Moquette's message logger, over every server this broker started. */
    private final AtomicLong quieted = new AtomicLong();
    /** CONNACKs written after Moquette finished their CONNECT, over every server this broker started. */
    private final AtomicLong heldConnAcks = new AtomicLong();
    /** For tests: false leaves the records of clean sessions whose clients go, as Moquette 0.17 does. */
    private volatile boolean forgetCleanSessions = true;
    private volatile CleanSessionRecords records;
    private Server server;
    /** The instance being stopped on purpose: its session threads may end with errors then, which are no fault. */
    private volatile Server stopping;
    private int boundPort;
    private long lastRestart = System.nanoTime() - RESTART_SPACING_NANOS;

    public EmbeddedBroker(BrokerSettings settings) {
        this(settings, new PermitAllAuthorizatorPolicy());
    }

    /** For tests: Moquette asks the policy on its session threads, so a throwing one ends such a thread. */
    EmbeddedBroker(BrokerSettings settings, IAuthorizatorPolicy policy) {
        this.settings = settings;
        this.policy = policy;
    }

    /**
     * Starts the listener.
     *
     * @throws IOException when the port is taken or the data folder cannot be written; the message says which
     */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        int port = settings.port() == 0 ? freePort(settings.host()) : settings.port();
        server = launch(port);
        boundPort = port;
        LOG.info("Embedded MQTT broker listening on {}", BrokerSettings.of(settings.host(), port,
                settings.username(), settings.password(), settings.dataDir(), settings.allowAnonymous()));
        if (settings.exposed() && !settings.authenticated()) {
            LOG.warn("Embedded MQTT broker accepts anonymous clients on {}:{} (allow.anonymous = true); set username "
                    + "and password in etc/org.meter2mqtt.broker.cfg, or host=127.0.0.1 if no meter connects over "
                    + "the network",
                    settings.host(), port);
        }
    }

    /** For tests: from the next start, clean sessions whose clients go keep their records, as in Moquette 0.17. */
    void keepCleanSessionRecords() {
        forgetCleanSessions = false;
    }

    /** For tests: the client ids of the session records in the store, or null when they are not looked after. */
    List<String> storedSessions() {
        CleanSessionRecords r = records;
        return r == null ? null : r.stored();
    }

    /** For tests: how many client connections were started without Moquette's message logger. */
    long quietedConnections() {
        return quieted.get();
    }

    /** For tests: how many CONNACKs waited for Moquette to finish their CONNECT ({@link ConnAckAfterConnect}). */
    long heldConnAcks() {
        return heldConnAcks.get();
    }

    /** A started Moquette server on {@code port} with this broker's handlers and listeners attached. */
    private Server launch(int port) throws IOException {
        Properties p = new Properties();
        p.setProperty(BrokerConstants.HOST_PROPERTY_NAME, settings.host());
        p.setProperty(BrokerConstants.PORT_PROPERTY_NAME, Integer.toString(port));
        p.setProperty(BrokerConstants.WEB_SOCKET_PORT_PROPERTY_NAME, BrokerConstants.DISABLED_PORT_BIND);
        p.setProperty(BrokerConstants.ENABLE_TELEMETRY_NAME, "false");
        p.setProperty(BrokerConstants.METRICS_ENABLE_PROPERTY_NAME, "false");
        p.setProperty(BrokerConstants.BUGSNAG_ENABLE_PROPERTY_NAME, "false");
        // The native epoll transport is not installed as a bundle; NIO is fast enough for 2000 msg/s.
        p.setProperty(BrokerConstants.NETTY_EPOLL_PROPERTY_NAME, "false");
        p.setProperty(BrokerConstants.NETTY_TCP_NODELAY_PROPERTY_NAME, "true");
        p.setProperty(BrokerConstants.BUFFER_FLUSH_MS_PROPERTY_NAME, "immediate");
        // Moquette queues every session command on a bounded queue (1024 by default) and drops QoS 0
        // messages when it is full: 1000 KPM33B meters publishing at once overflow it (measured at 8000 msg/s)
        p.setProperty(BrokerConstants.SESSION_QUEUE_SIZE, "32768");
        // One interceptor thread if it stays (see InlineNotifications), so listeners see each meter's messages in order
        p.setProperty(BrokerConstants.BROKER_INTERCEPTOR_THREAD_POOL_SIZE, "1");
        p.setProperty(BrokerConstants.ALLOW_ANONYMOUS_PROPERTY_NAME, Boolean.toString(!settings.authenticated()));
        // MQTT 3.1.1 (3.1.3-6) lets a client with a clean session send an empty client id and have the broker
        // assign one; mosquitto_sub and mosquitto_pub do that unless given -i. Moquette still refuses an empty id
        // with a persistent session, as the spec requires.
        p.setProperty(BrokerConstants.ALLOW_ZERO_BYTE_CLIENT_ID_PROPERTY_NAME, "true");
        if (settings.dataDir() != null) {
            Files.createDirectories(settings.dataDir());
            repairStore(settings.dataDir());
            p.setProperty(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, "true");
            p.setProperty(BrokerConstants.DATA_PATH_PROPERTY_NAME, settings.dataDir().toAbsolutePath() + "/");
            // Queues of persistent sessions in the H2 store, not Moquette 0.17's default "segmented" store: that one
            // writes every queue under the same checkpoint key, so after a restart only one session kept its queue.
            p.setProperty(BrokerConstants.PERSISTENT_QUEUE_TYPE_PROPERTY_NAME, "h2");
            // H2 commits on a normal stop and every this many seconds (Moquette's default 30 would lose the last
            // half minute of subscriptions and queued messages on a power cut or kill -9)
            p.setProperty(BrokerConstants.AUTOSAVE_INTERVAL_PROPERTY_NAME, "1");
        } else {
            p.setProperty(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        }
        IAuthenticator auth = settings.authenticated() ? new SingleUser(settings.username(), settings.password())
                : null;
        Server s = new Server();
        try {
            s.startServer(new MemoryConfig(p), List.of(), null, auth, policy);
        } catch (RuntimeException e) {
            // Moquette wraps bind failures in runtime exceptions; give the caller one checked, clear error.
            try {
                s.stopServer();
            } catch (RuntimeException ignored) {
                // a half-started server may fail to stop; the start failure is what the caller must see
            }
            String what = root(e) instanceof java.net.BindException ? "listen on" : "start on";
            throw new IOException("MQTT broker could not " + what + " " + settings.host() + ":" + port + ": "
                    + rootCause(e) + (settings.dataDir() == null ? "" : " (data folder " + settings.dataDir() + ")"),
                    e);
        }
        InlineNotifications.install(s);
        QuietPipeline.install(s, quieted, ConnAckAfterConnect.forServer(s, heldConnAcks));
        records = forgetCleanSessions ? CleanSessionRecords.install(s) : null;
        s.addInterceptHandler(new ConnectionLog());
        s.addInterceptHandler(new LoopWatch(s));
        for (Tap t : taps) {
            s.addInterceptHandler(t);
        }
        return s;
    }

    /**
     * See {@link SessionStoreRepair}: one WARN naming the sessions an unclean stop left unreadable, one INFO counting
     * the records of clean sessions that earlier runs left.
     */
    private static void repairStore(Path dataDir) {
        try {
            SessionStoreRepair.Result r = SessionStoreRepair.repair(dataDir, Clock.systemUTC());
            if (!r.expiryGiven().isEmpty()) {
                LOG.warn("Embedded MQTT broker: the last stop was not clean; {} persistent sessions had no expiry "
                        + "yet, which Moquette 0.17 cannot start with: given one ({})", r.expiryGiven().size(),
                        r.expiryGiven());
            }
            if (r.cleanRemoved() > 0) {
                LOG.info("Embedded MQTT broker: removed {} stored records of clean sessions that earlier runs left",
                        r.cleanRemoved());
            }
        } catch (RuntimeException e) {
            LOG.warn("Embedded MQTT broker: could not check its session store before start ({}); starting anyway",
                    e.toString());
        }
    }

    /** How many times a failed session thread made the broker restart since {@link #start}. */
    public int restarts() {
        return restarts.get();
    }

    /** How many session threads failed and were kept serving (see {@link SessionThreadRescue}). */
    public int rescues() {
        return rescues.get();
    }

    /** For tests: restart the broker instead of keeping a failed session thread serving. */
    void restartOnFailedThreads() {
        rescueThreads = false;
    }

    /**
     * Called on the failed session thread, from its uncaught-exception handler: keeps it serving, or else restarts
     * the broker from a thread of its own (stopping the server joins the session threads).
     */
    private void sessionThreadDied(Server dead, Throwable error) {
        if (dead == stopping) {
            LOG.debug("Embedded MQTT broker: a session thread ended while stopping: {}", error.toString());
            return;
        }
        BlockingQueue<FutureTask<String>> queue = rescueThreads
                ? SessionThreadRescue.queueOf(Thread.currentThread()) : null;
        if (queue != null) {
            int n = rescues.incrementAndGet();
            LOG.error("Embedded MQTT broker: a command on Moquette's {} failed ({}); Moquette would end the thread "
                    + "and leave its clients without answers, so it goes on serving them ({} so far)",
                    Thread.currentThread().getName(), rootCause(error), n, error);
            // runs until the broker stops: this is the failed thread's own uncaught-exception handler
            SessionThreadRescue.serve(queue, this::commandFailed);
            return;
        }
        LOG.error("Embedded MQTT broker: a session thread of Moquette ended on {}; the clients it served would get "
                + "no answer until a restart, so the broker restarts on the same port (clients reconnect)",
                rootCause(error), error);
        Thread t = new Thread(() -> restart(dead), "meter2mqtt-broker-restart");
        t.setDaemon(true);
        t.start();
    }

    /** A later command on a rescued thread failed: logged, the thread goes on (a flood is logged sparsely). */
    private void commandFailed(Throwable error) {
        long n = failedCommands.incrementAndGet();
        if (n <= 10 || n % 1000 == 0) {
            LOG.warn("Embedded MQTT broker: a command on {} failed ({} so far), the thread goes on: {}",
                    Thread.currentThread().getName(), n, error.toString());
        }
    }

    private void restart(Server dead) {
        for (int attempt = 1;; attempt++) {
            long wait;
            synchronized (this) {
                wait = lastRestart + RESTART_SPACING_NANOS - System.nanoTime();
            }
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            synchronized (this) {
                if (server != dead) {
                    return; // closed, or restarted already
                }
                lastRestart = System.nanoTime();
                stopQuietly(dead);
                try {
                    server = launch(boundPort);
                    restarts.incrementAndGet();
                    LOG.warn("Embedded MQTT broker restarted on port {} after a session thread ended", boundPort);
                    return;
                } catch (IOException e) {
                    LOG.error("Embedded MQTT broker: restart attempt {} failed, trying again in 5 s: {}", attempt,
                            e.getMessage());
                    // keep the failed instance as the one to replace: close() still ends the attempts
                }
            }
        }
    }

    /** The port listened on (resolved when the settings asked for 0), or -1 when stopped. */
    public synchronized int port() {
        return server == null ? -1 : boundPort;
    }

    public synchronized boolean running() {
        return server != null;
    }

    // ---- LocalBroker ----

    @Override
    public String address() {
        return settings.host() + ":" + port();
    }

    @Override
    public AutoCloseable listen(List<String> filters, Listener listener) {
        Tap tap = new Tap(List.copyOf(filters), listener);
        synchronized (this) {
            if (server == null) {
                throw new IllegalStateException("embedded MQTT broker is not running");
            }
            taps.add(tap);
            server.addInterceptHandler(tap);
        }
        return () -> {
            synchronized (this) {
                taps.remove(tap);
                if (server != null) {
                    server.removeInterceptHandler(tap);
                }
            }
        };
    }

    /** For tests: the direct memory above which messages for listeners are dropped. */
    void shedAbove(long bytes) {
        shedAbove = bytes;
    }

    @Override
    public long dropped() {
        return dropped.get();
    }

    @Override
    public boolean publish(String topic, byte[] payload, int qos, boolean retained) {
        Server s;
        synchronized (this) {
            s = server;
        }
        if (s == null) {
            return false;
        }
        try {
            s.internalPublish(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos))
                    .retained(retained).payload(Unpooled.wrappedBuffer(payload)).build(), "meter2mqtt-local");
            return true;
        } catch (IllegalStateException e) {
            LOG.debug("Embedded broker refused an in-process message on {}: {}", topic, e.getMessage());
            return false;
        }
    }

    /** True when {@code topic} matches the MQTT filter (levels, {@code +}, trailing {@code #}). */
    static boolean matches(String filter, String topic) {
        int f = 0;
        int t = 0;
        while (f < filter.length()) {
            char c = filter.charAt(f);
            if (c == '#') {
                return true;
            }
            if (c == '+') {
                while (t < topic.length() && topic.charAt(t) != '/') {
                    t++;
                }
                f++;
                continue;
            }
            if (t >= topic.length() || topic.charAt(t) != c) {
                // "a/#" also matches "a"
                return t == topic.length() && filter.startsWith("/#", f);
            }
            f++;
            t++;
        }
        return t == topic.length();
    }

    /**
     * A {@link #listen} registration: Moquette calls it for every PUBLISH on the publishing client's session thread
     * ({@link InlineNotifications}). Where Moquette keeps its own interceptor thread instead, it queues those calls
     * without bound, each holding the message's direct buffer, so a listener slower than the meters would end in an
     * OutOfMemoryError that takes the whole broker down; so while Netty's direct memory is above {@link #SHED_ABOVE},
     * messages are released unread and counted.
     */
    private final class Tap extends AbstractInterceptHandler {
        /** A larger message (Moquette takes up to 8 KB) gets an array of its own, not kept. */
        private static final int SCRATCH_KEPT = 4 * 1024;
        private final List<String> filters;
        private final Listener listener;
        private final String id = "meter2mqtt-local-" + Integer.toHexString(System.identityHashCode(this));
        private byte[] scratch = new byte[1024];

        Tap(List<String> filters, Listener listener) {
            this.filters = filters;
            this.listener = listener;
        }

        @Override
        public String getID() {
            return id; // Moquette asks for it with every message it hands over
        }

        @Override
        public Class<?>[] getInterceptedMessageTypes() {
            return new Class<?>[] { InterceptPublishMessage.class };
        }

        @Override
        public void onPublish(InterceptPublishMessage msg) {
            ByteBuf buf = msg.getPayload();
            try {
                if (DIRECT != null && DIRECT.getMemoryUsed() > shedAbove) {
                    long n = dropped.incrementAndGet();
                    if (n % 10_000 == 1) {
                        LOG.warn("In-process listeners of the embedded broker fall behind the meters: {} messages "
                                + "dropped so far (direct memory {} MiB)", n, DIRECT.getMemoryUsed() >> 20);
                    }
                    return;
                }
                String topic = msg.getTopicName();
                for (int i = 0; i < filters.size(); i++) { // no iterator per message
                    if (matches(filters.get(i), topic)) {
                        deliver(topic, buf);
                        return;
                    }
                }
            } catch (RuntimeException e) {
                // the listener's bug must not end the delivery thread or reach the broker
                LOG.error("In-process listener failed on a message on {}", msg.getTopicName(), e);
            } finally {
                buf.release();
            }
        }

        /**
         * Hands the payload over in one array reused from message to message (see {@link Listener#message(String,
         * byte[], int)}). The lock gives the listener one message at a time, as {@link LocalBroker.Listener}
         * promises, though Moquette's session threads (and a restarted broker's) call a tap at the same time.
         */
        private void deliver(String topic, ByteBuf buf) {
            int n = buf.readableBytes();
            synchronized (this) {
                byte[] a = n <= scratch.length ? scratch : new byte[n];
                if (n > scratch.length && n <= SCRATCH_KEPT) {
                    scratch = a;
                }
                buf.getBytes(buf.readerIndex(), a, 0, n);
                listener.message(topic, a, n);
            }
        }

        @Override
        public void onSessionLoopError(Throwable error) {
            // not asked for (see getInterceptedMessageTypes): LoopWatch handles these
        }

    }

    /**
     * One WARN line for a client that went away without DISCONNECT (a meter losing power, a killed process).
     * Moquette itself logs such a reset as an ERROR with a Netty stack trace; the distribution's logging
     * configuration filters that line out, so this is the one users see.
     */
    private static final class ConnectionLog extends AbstractInterceptHandler {
        /** Clients that sent DISCONNECT: Moquette 0.17 reports their closed channel as a lost connection too. */
        private final java.util.Set<String> saidGoodbye = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public String getID() {
            return "meter2mqtt-connection-log";
        }

        @Override
        public Class<?>[] getInterceptedMessageTypes() {
            return new Class<?>[] { InterceptDisconnectMessage.class, InterceptConnectionLostMessage.class };
        }

        @Override
        public void onDisconnect(InterceptDisconnectMessage msg) {
            saidGoodbye.add(msg.getClientID());
        }

        @Override
        public void onConnectionLost(InterceptConnectionLostMessage msg) {
            // both events come from the client's session thread (or the one interceptor thread), the DISCONNECT first
            if (!saidGoodbye.remove(msg.getClientID())) {
                LOG.warn("MQTT client '{}' dropped its connection without DISCONNECT", msg.getClientID());
            }
        }

        @Override
        public void onSessionLoopError(Throwable error) {
            // not asked for (see getInterceptedMessageTypes): LoopWatch handles these
        }

    }

    /**
     * Moquette reports a session thread that ended on an exception only to handlers that ask for
     * {@link InterceptExceptionMessage}, on that thread, once.
     */
    private final class LoopWatch extends AbstractInterceptHandler {
        private final Server owner;

        LoopWatch(Server owner) {
            this.owner = owner;
        }

        @Override
        public String getID() {
            return "meter2mqtt-session-thread-watch";
        }

        @Override
        public Class<?>[] getInterceptedMessageTypes() {
            return new Class<?>[] { InterceptExceptionMessage.class };
        }

        @Override
        public void onSessionLoopError(Throwable error) {
            sessionThreadDied(owner, error);
        }
    }

    /** Stops the listener; retained messages stay in the data folder if one is set. */
    @Override
    public synchronized void close() {
        taps.clear();
        if (server != null) {
            stopQuietly(server);
            server = null;
            LOG.info("Embedded MQTT broker on port {} stopped", boundPort);
        }
    }

    /** Stops {@code s}; an instance a failed restart left behind is stopped already, which Moquette may refuse. */
    private void stopQuietly(Server s) {
        stopping = s;
        try {
            s.stopServer();
        } catch (RuntimeException e) {
            LOG.warn("Embedded MQTT broker: stopping an instance: {}", e.toString());
        }
    }

    /** The innermost cause: Moquette wraps the real failure (a bind error, a store it cannot read) twice. */
    static String rootCause(Throwable e) {
        Throwable t = root(e);
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + "; caused by " + t;
    }

    private static Throwable root(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }

    /** One configured user; compares digests so the time taken does not reveal the password. */
    private static final class SingleUser implements IAuthenticator {
        private final String username;
        private final byte[] passwordDigest;

        SingleUser(String username, String password) {
            this.username = username;
            this.passwordDigest = digest(password.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public boolean checkValid(String clientId, String user, byte[] password) {
            boolean ok = username.equals(user) && password != null
                    && MessageDigest.isEqual(passwordDigest, digest(password));
            if (!ok) {
                LOG.debug("Embedded broker refused client {} (user {})", clientId, user);
            }
            return ok;
        }

        private static byte[] digest(byte[] b) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(b);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
        }
    }
}
