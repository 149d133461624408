package org.meter2mqtt.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.List;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.moquette.BrokerConstants;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.moquette.broker.security.IAuthenticator;
import io.moquette.broker.security.PermitAllAuthorizatorPolicy;

/**
 * A Moquette 0.17 MQTT 3.1.1 broker in this JVM. Plain Java (no OSGi), so tests and the DS component use
 * the same class. Telemetry to Moquette's servers, websockets, metrics and bugsnag are off; TCP_NODELAY
 * and immediate flushing are on, because MQTT meters expect sub-millisecond forwarding.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final BrokerSettings settings;
    private Server server;
    private int boundPort;

    public EmbeddedBroker(BrokerSettings settings) {
        this.settings = settings;
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
        p.setProperty(BrokerConstants.ALLOW_ANONYMOUS_PROPERTY_NAME, Boolean.toString(!settings.authenticated()));
        // Paho and meters always send a client id; an empty one is a misconfigured client.
        p.setProperty(BrokerConstants.ALLOW_ZERO_BYTE_CLIENT_ID_PROPERTY_NAME, "false");
        if (settings.dataDir() != null) {
            Files.createDirectories(settings.dataDir());
            p.setProperty(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, "true");
            p.setProperty(BrokerConstants.DATA_PATH_PROPERTY_NAME, settings.dataDir().toAbsolutePath() + "/");
        } else {
            p.setProperty(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        }
        IAuthenticator auth = settings.authenticated() ? new SingleUser(settings.username(), settings.password())
                : null;
        Server s = new Server();
        try {
            s.startServer(new MemoryConfig(p), List.of(), null, auth, new PermitAllAuthorizatorPolicy());
        } catch (RuntimeException e) {
            // Moquette wraps bind failures in runtime exceptions; give the caller one checked, clear error.
            s.stopServer();
            throw new IOException("MQTT broker could not listen on " + settings.host() + ":" + port + ": "
                    + e.getMessage(), e);
        }
        server = s;
        boundPort = port;
        LOG.info("Embedded MQTT broker listening on {}", BrokerSettings.of(settings.host(), port,
                settings.username(), settings.password(), settings.dataDir()));
        if (settings.exposed() && !settings.authenticated()) {
            LOG.warn("Embedded MQTT broker accepts anonymous clients on {}:{}; set username and password in "
                    + "etc/org.meter2mqtt.broker.cfg, or host=127.0.0.1 if no meter connects over the network",
                    settings.host(), port);
        }
    }

    /** The port listened on (resolved when the settings asked for 0), or -1 when stopped. */
    public synchronized int port() {
        return server == null ? -1 : boundPort;
    }

    public synchronized boolean running() {
        return server != null;
    }

    /** Stops the listener; retained messages stay in the data folder if one is set. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stopServer();
            server = null;
            LOG.info("Embedded MQTT broker on port {} stopped", boundPort);
        }
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
