package org.meter2mqtt.driver.pulse.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceConfig;

/** One device's settings, checked once; a bad combination is a {@link ConfigException} (CONFIG_ERROR). */
final class Settings {

    enum Transport { AMQP, MQTT, EMBEDDED }

    final String url;
    final Transport transport;
    final String username;
    final String password;
    final String caFile;
    final boolean verifyHost;
    final String exchange;
    final String queue;
    final List<String> routingKeys;
    final int prefetch;
    final List<String> topics;
    final String clientId;
    final String dcId;
    final BigDecimal whPerPulse;
    final long powerTimeoutMs;
    final BigDecimal energyOffset;
    final BigDecimal reactiveOffset;

    private Settings(String deviceId, DeviceConfig c) throws ConfigException {
        url = c.get(PulseDriver.KEY_URL);
        transport = transport(url);
        username = c.find(PulseDriver.KEY_USERNAME).orElse(null);
        password = c.find(PulseDriver.KEY_PASSWORD).orElse(null);
        caFile = c.get(PulseDriver.KEY_TLS_CA);
        verifyHost = c.getBoolean(PulseDriver.KEY_TLS_VERIFY, true);
        exchange = c.find(PulseDriver.KEY_EXCHANGE).orElse(PulseDriver.DEFAULT_EXCHANGE);
        queue = c.find(PulseDriver.KEY_QUEUE).orElse(defaultQueue(deviceId));
        routingKeys = c.getList(PulseDriver.KEY_ROUTING_KEYS).isEmpty()
                ? List.of(PulseDriver.DEFAULT_ROUTING_KEYS.split(","))
                : c.getList(PulseDriver.KEY_ROUTING_KEYS);
        prefetch = c.getInt(PulseDriver.KEY_PREFETCH, 5000);
        topics = c.getList(PulseDriver.KEY_TOPICS).isEmpty() ? List.of(PulseDriver.DEFAULT_TOPICS)
                : c.getList(PulseDriver.KEY_TOPICS);
        clientId = c.find(PulseDriver.KEY_CLIENT_ID).orElse("meter2mqtt-pulse-" + deviceId);
        dcId = c.find(PulseDriver.KEY_DC_ID).orElse(null);
        BigDecimal wh = c.find(PulseDriver.KEY_WH_PER_PULSE).map(BigDecimal::new).orElse(null);
        BigDecimal imp = c.find(PulseDriver.KEY_IMP_PER_KWH).map(BigDecimal::new).orElse(null);
        if (wh != null && imp != null) {
            throw new ConfigException("set either wh.per.pulse or imp.per.kwh, not both");
        }
        if (imp != null) {
            if (imp.signum() <= 0) {
                throw new ConfigException("imp.per.kwh must be positive, not " + imp.toPlainString());
            }
            wh = BigDecimal.valueOf(1000).divide(imp, MathContext.DECIMAL64).stripTrailingZeros();
        }
        whPerPulse = wh == null ? BigDecimal.ONE : wh;
        if (whPerPulse.signum() <= 0) {
            throw new ConfigException("wh.per.pulse must be positive, not " + whPerPulse.toPlainString());
        }
        int timeout = c.getInt(PulseDriver.KEY_POWER_TIMEOUT, 300);
        if (timeout <= 0) {
            throw new ConfigException("power.timeout.s must be positive, not " + timeout);
        }
        powerTimeoutMs = timeout * 1000L;
        energyOffset = c.getDecimal(PulseDriver.KEY_ENERGY_OFFSET, BigDecimal.ZERO);
        reactiveOffset = c.getDecimal(PulseDriver.KEY_REACTIVE_OFFSET, BigDecimal.ZERO);
        if (prefetch < 1 || prefetch > 65535) {
            throw new ConfigException("prefetch must be 1..65535, not " + prefetch);
        }
    }

    /** The AMQP queue of a device that names none: the device's alone. */
    static String defaultQueue(String deviceId) {
        return "meter2mqtt-" + deviceId;
    }

    static Settings of(String deviceId, DeviceConfig c) throws ConfigException {
        return new Settings(deviceId, c);
    }

    private static Transport transport(String url) throws ConfigException {
        if (url.equals("embedded")) {
            return Transport.EMBEDDED;
        }
        String scheme;
        try {
            URI u = new URI(url);
            scheme = u.getScheme();
            if (scheme == null || u.getHost() == null) {
                throw new ConfigException("url '" + masked(url) + "' needs a scheme and a host, e.g. "
                        + "amqp://rabbitmq.lan:5672 or tcp://broker.lan:1883");
            }
        } catch (URISyntaxException e) {
            throw new ConfigException("url '" + masked(url) + "' is not a URL: " + e.getReason());
        }
        switch (scheme) {
            case "amqp":
            case "amqps":
                return Transport.AMQP;
            case "tcp":
            case "ssl":
                return Transport.MQTT;
            default:
                throw new ConfigException("url scheme '" + scheme + "' is not amqp://, amqps://, tcp://, ssl:// "
                        + "or embedded");
        }
    }

    /** The URL without a password in its user part: URLs are shown and logged. */
    static String masked(String url) {
        return url.replaceAll("//([^:/@]*):[^@/]*@", "//$1:****@");
    }
}
