package org.meter2mqtt.driver.kpm33b.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.meter2mqtt.api.ConfigException;

/**
 * The driver-wide {@code proxy.*} settings of earlier versions, mapped onto the MQTT output's {@code kpm33b-proxy}
 * layout. The driver no longer publishes: it suggests the layout to the output for each of its devices (device
 * attributes under {@code mqtt.}; a device's own {@code mqtt.layout.kpm33b-proxy.*} keys win), and the output
 * publishes it over its one connection. A {@code proxy.url} naming another broker than the output's cannot be
 * honoured any more, and is refused with the way to migrate.
 */
final class ProxyLayout {

    static final String LAYOUT = "kpm33b-proxy";
    static final String KEY_LAYOUTS = "mqtt.layouts";
    static final String KEY = "mqtt.layout." + LAYOUT + ".";

    private ProxyLayout() {
    }

    /**
     * The attributes that put a device in the layout (values to set; null values clear what an earlier session
     * set when {@code proxy.url} was removed).
     *
     * @param outputUrl the MQTT output's broker, or null when no output is installed (yet)
     * @throws ConfigException when {@code proxy.url} names another broker than the output's
     */
    static Map<String, String> attributes(HubSettings s, String outputUrl) throws ConfigException {
        Map<String, String> a = new LinkedHashMap<>();
        if (s.proxyUrl == null) {
            a.put(KEY_LAYOUTS, null);
            for (String k : new String[] { "topic", "phases", "qos", "zone" }) {
                a.put(KEY + k, null);
            }
            return a;
        }
        if (outputUrl != null && !sameBroker(s.proxyUrl, outputUrl)) {
            throw new ConfigException("proxy.url = " + s.proxyUrl + " (etc/org.meter2mqtt.driver.kpm33b.cfg) names "
                    + "another broker than the MQTT output's (" + outputUrl + "): the kpm33b_proxy layout is now "
                    + "published by the MQTT output over its one connection. To migrate, either set url = "
                    + s.proxyUrl + " (and the proxy credentials) in etc/org.meter2mqtt.mqtt.cfg, or remove proxy.url "
                    + "and add 'mqtt.layouts = " + LAYOUT + "'" + ("kpm33b".equals(s.proxyTopic) ? ""
                            : " and 'mqtt.layout." + LAYOUT + ".topic = " + s.proxyTopic + "'")
                    + " to the .cfg of each KPM33B device the old subscribers read");
        }
        a.put(KEY_LAYOUTS, LAYOUT);
        a.put(KEY + "topic", s.proxyTopic);
        a.put(KEY + "phases", s.proxyPhases.stream().map(g -> g.key()).sorted().collect(Collectors.joining(",")));
        a.put(KEY + "qos", Integer.toString(s.proxyQos));
        // the meters' clocks are read in this zone, so the layout prints them back in it
        a.put(KEY + "zone", s.zone.getId());
        return a;
    }

    /** Same scheme, host and port; {@code localhost} and {@code 127.0.0.1} are the same host. */
    static boolean sameBroker(String a, String b) {
        try {
            URI x = new URI(a.trim());
            URI y = new URI(b.trim());
            return scheme(x).equals(scheme(y)) && host(x).equals(host(y)) && port(x) == port(y);
        } catch (URISyntaxException e) {
            return a.trim().equalsIgnoreCase(b.trim());
        }
    }

    private static String scheme(URI u) {
        return u.getScheme() == null ? "tcp" : u.getScheme().toLowerCase(Locale.ROOT);
    }

    private static String host(URI u) {
        String h = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.equals("[::1]") ? "127.0.0.1" : h;
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "ssl".equals(scheme(u)) ? 8883 : 1883;
    }
}
