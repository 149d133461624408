package org.meter2mqtt.driver.homeassistant.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.driver.homeassistant.protocol.Discovery;
import org.meter2mqtt.driver.homeassistant.protocol.HaHttp;

/**
 * Home Assistant as a meter source: one device is one Home Assistant instance. {@code mode = push} (default) keeps
 * a WebSocket subscription open, {@code mode = poll} reads {@code GET /api/states} every {@code poll.interval}.
 * The driver is STREAMING for the core in both modes: the poll timer is the session's own, so a device's mode
 * can differ from its neighbour's.
 */
public final class HomeAssistantDriver implements MeterDriver {

    public static final String ID = "homeassistant";
    static final String KEY_URL = "url";
    static final String KEY_TOKEN = "token";
    static final String KEY_MODE = "mode";
    static final String KEY_ENTITIES = "entities";
    static final String KEY_TLS_CA = "tls.ca.file";
    static final String KEY_TIMEOUT = "timeout";
    static final int DEFAULT_POLL_SECONDS = 300;
    static final String KEY_PING = "ping.interval";
    static final int DEFAULT_PING_SECONDS = 30;

    private final DriverDescription description;
    private final Supplier<String> gatewayId;
    private final Map<String, Set<String>> attributeKeys = new ConcurrentHashMap<>();

    /**
     * @param version   the bundle's version
     * @param gatewayId the MQTT output's gateway id, asked at every connect (the loop rule depends on it)
     */
    public HomeAssistantDriver(String version, Supplier<String> gatewayId) {
        this.description = buildDescription(version);
        this.gatewayId = gatewayId;
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        DeviceConfig c = context.config();
        URI base;
        try {
            base = HaHttp.baseUri(c.get(KEY_URL));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        Duration timeout = Duration.ofSeconds(c.getInt(KEY_TIMEOUT, 10));
        HttpClient http;
        try {
            http = HaHttp.shared(c.get(KEY_TLS_CA), timeout);
        } catch (IOException e) {
            throw new ConfigException(e.getMessage());
        }
        Discovery discovery = new Discovery(c.getList(KEY_ENTITIES));
        String token = c.get(KEY_TOKEN);
        if (token == null || token.isBlank()) {
            // checked here, not left to HA's 401: an unreachable or slow HA would make it a retried OFFLINE
            throw new ConfigException("'token' is required: create a long-lived access token in your Home "
                    + "Assistant profile and set it as 'token' (or token = $[env:HA_TOKEN])");
        }
        String gw = gatewayId.get();
        Set<String> keys = attributeKeys.computeIfAbsent(context.deviceId(), k -> ConcurrentHashMap.newKeySet());
        if ("poll".equals(c.get(KEY_MODE))) {
            int every = c.getInt(DeviceConfig.POLL_INTERVAL, DEFAULT_POLL_SECONDS);
            return PollSession.open(context, http, base, token, timeout, every, discovery, gw, keys);
        }
        return PushSession.open(context, http, base, token, timeout, discovery, gw, keys);
    }

    /**
     * The loop rule's gateway id: the MQTT output's {@code gateway.id} when set, else the MQTT output's own default
     * (the host name).
     */
    static String gatewayIdOrHostName(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "gateway";
        }
    }

    /**
     * HA could not be reached: OFFLINE (retried), except for a failed TLS handshake (an unknown CA, a name not in
     * the certificate), which retrying does not fix: CONFIG_ERROR with the key that does.
     */
    static DriverException unreachable(String what, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException) {
                return new ConfigException("TLS handshake with " + what + " failed (" + HaHttp.describe(e)
                        + "): if Home Assistant's certificate comes from your own CA, set 'tls.ca.file' to its PEM "
                        + "file; the certificate must name the host of 'url'");
            }
        }
        return new DriverException("Home Assistant not reachable at " + what + ": " + HaHttp.describe(e), e);
    }

    /** The reason of a CONFIG_ERROR for a refused token: names the key, never prints the token. */
    static String tokenRefused(String detail) {
        return "Home Assistant refused the access token in 'token' (" + detail + "): create a long-lived access "
                + "token in your Home Assistant profile and set it as 'token' (or token = $[env:HA_TOKEN])";
    }

    /** @param version the bundle's version (never written here: it comes from the bundle) */
    static DriverDescription buildDescription(String version) {
        return DriverDescription.builder(ID).name("Home Assistant (REST / WebSocket)").vendor("meter2mqtt")
                .version(version).mode(DriverDescription.Mode.STREAMING).defaultPollSeconds(DEFAULT_POLL_SECONDS)
                // channels depend on the entities found: announced at runtime
                .model(new ModelDescription("instance", "Home Assistant", "Home Assistant", List.of()))
                .configKey(ConfigKey.builder(KEY_URL, ConfigKey.Type.STRING).required()
                        .description("Home Assistant's address, e.g. http://homeassistant.local:8123 or https://ha.lan")
                        .build())
                .configKey(ConfigKey.builder(KEY_TOKEN, ConfigKey.Type.SECRET).required()
                        .description("long-lived access token (HA profile page); token = $[env:HA_TOKEN] works")
                        .build())
                .configKey(ConfigKey.builder(KEY_MODE, ConfigKey.Type.STRING).defaultValue("push")
                        .options("push", "poll")
                        .description("push: WebSocket subscription; poll: GET /api/states every poll.interval s "
                                + "(default " + DEFAULT_POLL_SECONDS + ")").build())
                .configKey(ConfigKey.builder(KEY_ENTITIES, ConfigKey.Type.LIST)
                        .description("entity ids or globs (sensor.power_*) to read; empty: discover whole-home "
                                + "power, daily energy and circuits").build())
                .configKey(ConfigKey.builder(KEY_TLS_CA, ConfigKey.Type.STRING)
                        .description("PEM file of the CA that signed HA's certificate (https); default: the JDK's "
                                + "trust store").build())
                .configKey(ConfigKey.builder(KEY_TIMEOUT, ConfigKey.Type.INTEGER).defaultValue("10").range(1, 120)
                        .description("seconds to wait for a connection or an answer").build())
                .configKey(ConfigKey.builder(KEY_PING, ConfigKey.Type.INTEGER)
                        .defaultValue(Integer.toString(DEFAULT_PING_SECONDS)).range(1, 3600)
                        .description("push: seconds between pings; no pong before the next ping is a lost "
                                + "connection").build())
                .build();
    }
}
