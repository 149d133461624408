package org.meter2mqtt.driver.kpm33b.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.meter2mqtt.driver.kpm33b.protocol.Field;

/**
 * The driver-wide settings (PID {@code org.meter2mqtt.driver.kpm33b}) as one immutable snapshot. Built from
 * the typed {@link Config} in OSGi and from a plain map in tests; a bad value falls back to its default with
 * the problem listed in {@link #problems()}. {@link #toString()} never shows passwords.
 */
final class HubSettings {

    /** The gateway's embedded broker, in-process (whatever port it listens on). */
    static final String EMBEDDED = "embedded";
    static final String DEFAULT_URL = EMBEDDED;
    /** The per-phase groups the kpm33b_proxy layout can add to its seconds message. */
    static final Set<Field.Group> PROXY_PHASE_GROUPS = EnumSet.of(Field.Group.CURRENT, Field.Group.POWER,
            Field.Group.VOLTAGE, Field.Group.POWER_FACTOR);

    final String url;
    final String username;
    final String password;
    final String clientId;
    final String secondsTopic;
    final String minutesTopic;
    final String replyTopic = "MQTT_COMMOD_SET_REP";
    final String commandPrefix = "MQTT_COMMOD_SET_";
    final Set<String> excluded;
    final boolean autodiscover;
    final ZoneId zone;
    final Duration clockTolerance;
    final Duration ackTimeout;
    final Duration retryMin;
    final Duration retryMax;
    /** How often the shared counters are put on the devices (meter:show); a plain-map key, for tests. */
    final Duration statsInterval;
    final String proxyUrl;
    final String proxyUsername;
    final String proxyPassword;
    final String proxyTopic;
    final Set<Field.Group> proxyPhases;
    final int proxyQos;
    final List<String> problems;

    private HubSettings(Map<String, String> m) {
        Problems p = new Problems();
        String u = blankToNull(m.get("url"));
        url = u == null ? DEFAULT_URL : u.trim();
        username = blankToNull(m.get("username"));
        password = blankToNull(m.get("password"));
        String cid = blankToNull(m.get("client.id"));
        clientId = cid != null ? cid : "meter2mqtt-kpm33b-" + host();
        secondsTopic = m.getOrDefault("topic.seconds", "MQTT_RT_DATA");
        minutesTopic = m.getOrDefault("topic.minutes", "MQTT_ENY_NOW");
        excluded = Set.copyOf(list(m.getOrDefault("exclude.ids", "33B120000000")));
        autodiscover = Boolean.parseBoolean(m.getOrDefault("autodiscover", "true").trim());
        String tz = blankToNull(m.get("meter.timezone"));
        ZoneId z = ZoneId.systemDefault();
        if (tz != null) {
            try {
                z = ZoneId.of(tz);
            } catch (java.time.DateTimeException e) {
                p.add("meter.timezone '" + tz + "' is not a time zone (e.g. Europe/Vienna); using " + z);
            }
        }
        zone = z;
        clockTolerance = Duration.ofMinutes(p.positive(m, "clock.tolerance.minutes", 1440));
        ackTimeout = Duration.ofMillis(p.positive(m, "ack.timeout.ms", 3000));
        retryMin = Duration.ofMillis(p.positive(m, "retry.min.ms",
                p.positive(m, "retry.min.seconds", 30) * 1000L));
        retryMax = Duration.ofSeconds(Math.max(retryMin.toSeconds(), p.positive(m, "retry.max.seconds", 3600)));
        statsInterval = Duration.ofMillis(p.positive(m, "stats.interval.ms", 10_000));
        proxyUrl = blankToNull(m.get("proxy.url"));
        proxyUsername = blankToNull(m.get("proxy.username"));
        proxyPassword = blankToNull(m.get("proxy.password"));
        proxyTopic = m.getOrDefault("proxy.topic", "kpm33b").trim();
        Set<Field.Group> phases = EnumSet.noneOf(Field.Group.class);
        for (String g : list(m.getOrDefault("proxy.phases", ""))) {
            Field.Group group = Arrays.stream(Field.Group.values()).filter(x -> x.key().equalsIgnoreCase(g))
                    .findFirst().orElse(null);
            if (group == null || !PROXY_PHASE_GROUPS.contains(group)) {
                p.add("proxy.phases: '" + g + "' is not one of current, power, voltage, power_factor");
            } else {
                phases.add(group);
            }
        }
        proxyPhases = phases;
        int qos = (int) p.positive(m, "proxy.qos", 1);
        proxyQos = m.getOrDefault("proxy.qos", "1").trim().equals("0") ? 0 : Math.min(qos, 2);
        if (!embedded() && !url.startsWith("tcp://") && !url.startsWith("ssl://")) {
            p.add("url '" + url + "' must be 'embedded' or start with tcp:// or ssl://");
        }
        problems = List.copyOf(p.list);
    }

    static HubSettings of(Map<String, String> values) {
        return new HubSettings(values);
    }

    static HubSettings of(Config c) {
        Map<String, String> m = new HashMap<>();
        m.put("url", c.url());
        m.put("username", c.username());
        m.put("password", c.password());
        m.put("client.id", c.client_id());
        m.put("topic.seconds", c.topic_seconds());
        m.put("topic.minutes", c.topic_minutes());
        m.put("exclude.ids", c.exclude_ids());
        m.put("autodiscover", Boolean.toString(c.autodiscover()));
        m.put("meter.timezone", c.meter_timezone());
        m.put("clock.tolerance.minutes", Integer.toString(c.clock_tolerance_minutes()));
        m.put("ack.timeout.ms", Integer.toString(c.ack_timeout_ms()));
        m.put("retry.min.seconds", Integer.toString(c.retry_min_seconds()));
        m.put("retry.max.seconds", Integer.toString(c.retry_max_seconds()));
        m.put("proxy.url", c.proxy_url());
        m.put("proxy.username", c.proxy_username());
        m.put("proxy.password", c.proxy_password());
        m.put("proxy.topic", c.proxy_topic());
        m.put("proxy.phases", c.proxy_phases());
        m.put("proxy.qos", Integer.toString(c.proxy_qos()));
        return new HubSettings(m);
    }

    /** True when the meters publish to the embedded broker, taken in-process. */
    boolean embedded() {
        return EMBEDDED.equalsIgnoreCase(url);
    }

    /** True when the internal-broker connection must be rebuilt for the new settings. */
    boolean sameConnection(HubSettings o) {
        return url.equals(o.url) && Objects.equals(username, o.username) && Objects.equals(password, o.password)
                && clientId.equals(o.clientId) && secondsTopic.equals(o.secondsTopic)
                && minutesTopic.equals(o.minutesTopic);
    }

    boolean sameProxy(HubSettings o) {
        return Objects.equals(proxyUrl, o.proxyUrl) && proxyQos == o.proxyQos && proxyTopic.equals(o.proxyTopic)
                && proxyPhases.equals(o.proxyPhases) && zone.equals(o.zone);
    }

    private static List<String> list(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toList());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_-]", "_");
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }

    private static final class Problems {
        final List<String> list = new java.util.ArrayList<>();

        void add(String s) {
            list.add(s);
        }

        long positive(Map<String, String> m, String key, long fallback) {
            String v = m.get(key);
            if (v == null || v.isBlank()) {
                return fallback;
            }
            long n;
            try {
                n = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n >= 0) {
                return n;
            }
            add(key + " must be a whole number >= 0, got '" + v + "'; using " + fallback);
            return fallback;
        }
    }

    @Override
    public String toString() {
        return url + (username == null ? "" : " (user " + username + ")") + " topics " + secondsTopic + ", "
                + minutesTopic + (excluded.isEmpty() ? "" : ", excluding " + excluded)
                + (autodiscover ? ", autodiscover" : "") + (proxyUrl == null ? ""
                        : ", proxy layout on " + proxyUrl + " under " + proxyTopic + "/<id>/"
                                + (proxyPhases.isEmpty() ? "" : " with " + proxyPhases.toString()
                                        .toLowerCase(Locale.ROOT)));
    }
}
