package org.meter2mqtt.broker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What the embedded broker listens on and whom it lets in. Immutable; {@link #toString()} never shows the
 * password.
 */
public final class BrokerSettings {

    /** The port MQTT meters such as the KPM33B are pointed at ("internal broker"). */
    public static final int DEFAULT_PORT = 11883;

    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final Path dataDir;
    private final boolean allowAnonymous;

    private BrokerSettings(String host, int port, String username, String password, Path dataDir,
            boolean allowAnonymous) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        boolean hasUser = username != null && !username.isEmpty();
        boolean hasPassword = password != null && !password.isEmpty();
        if (hasUser != hasPassword) {
            throw new IllegalArgumentException("username and password must be set together");
        }
        this.port = port;
        this.username = hasUser ? username : null;
        this.password = hasPassword ? password : null;
        this.dataDir = dataDir;
        this.allowAnonymous = allowAnonymous;
        // Mosquitto 2.0's rule: a listener other machines can reach is never opened for anyone by accident.
        if (exposed() && !authenticated() && !allowAnonymous) {
            throw new IllegalArgumentException("host " + host + " is reachable from other machines and no username "
                    + "and password are set; set both, or allow.anonymous = true to accept anonymous clients "
                    + "on purpose, or host = 127.0.0.1");
        }
    }

    /**
     * @param dataDir where retained messages and persistent sessions are kept across restarts, or null to keep
     *        them in memory only
     */
    public static BrokerSettings of(String host, int port, String username, String password, Path dataDir) {
        return new BrokerSettings(host, port, username, password, dataDir, false);
    }

    /**
     * @param allowAnonymous lets a listener beyond loopback open without username and password (otherwise refused
     *        with {@link IllegalArgumentException})
     */
    public static BrokerSettings of(String host, int port, String username, String password, Path dataDir,
            boolean allowAnonymous) {
        return new BrokerSettings(host, port, username, password, dataDir, allowAnonymous);
    }

    public String host() {
        return host;
    }

    /** 0 picks a free port (tests). */
    public int port() {
        return port;
    }

    /** Null when anonymous clients are allowed. */
    public String username() {
        return username;
    }

    String password() {
        return password;
    }

    public boolean authenticated() {
        return username != null;
    }

    /** True when {@code allow.anonymous = true} was set explicitly. */
    public boolean allowAnonymous() {
        return allowAnonymous;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** True when the listener is reachable from other machines. */
    public boolean exposed() {
        return !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1"));
    }

    @Override
    public String toString() {
        return host + ":" + port + (username == null ? " (anonymous)" : " (user " + username + ", password ********)")
                + (dataDir == null ? ", in-memory" : ", data " + dataDir);
    }
}
