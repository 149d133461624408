package org.meter2mqtt.transport;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.meter2mqtt.api.ConfigException;

/**
 * A parsed link URI with its line settings: the driver's defaults overridden by the URI's query. Immutable.
 *
 * <p>Accepted forms: a device path ({@code /dev/ttyUSB0}, {@code /dev/serial/by-id/...}, a socat symlink),
 * {@code file:/dev/ttyUSB0}, {@code serial:/dev/ttyUSB0?baud=115200&databits=8&parity=none&stopbits=1},
 * {@code socket://host:port?timeout=5000}. A bad URI is a {@link ConfigException}: retrying cannot fix it.
 */
public final class LinkSpec {

    /** Which kind of link the URI names. */
    public enum Kind {
        SERIAL, SOCKET
    }

    public static final String BAUD = "baud";
    public static final String DATABITS = "databits";
    public static final String PARITY = "parity";
    public static final String STOPBITS = "stopbits";
    /** Read timeout in ms; 0 waits forever. Also the TCP connect timeout. */
    public static final String TIMEOUT = "timeout";

    static final int DEFAULT_BAUD = 9600;
    static final int DEFAULT_TIMEOUT_MS = 5000;

    private static final Set<String> KEYS = Set.of(BAUD, DATABITS, PARITY, STOPBITS, TIMEOUT);
    private static final Set<String> PARITIES = Set.of("none", "even", "odd", "mark", "space");

    private final String uri;
    private final Kind kind;
    private final String path;
    private final String host;
    private final int port;
    private final int baud;
    private final int dataBits;
    private final String parity;
    private final String stopBits;
    private final int timeoutMs;

    private LinkSpec(String uri, Kind kind, String path, String host, int port, Map<String, String> settings)
            throws ConfigException {
        this.uri = uri;
        this.kind = kind;
        this.path = path;
        this.host = host;
        this.port = port;
        this.baud = intSetting(settings, BAUD, DEFAULT_BAUD, 50, 4_000_000);
        this.dataBits = intSetting(settings, DATABITS, 8, 5, 8);
        String p = settings.getOrDefault(PARITY, "none").trim().toLowerCase(Locale.ROOT);
        if (!PARITIES.contains(p)) {
            throw new ConfigException(
                    "link '" + uri + "': parity must be one of none, even, odd, mark, space, got '" + p + "'");
        }
        this.parity = p;
        String s = settings.getOrDefault(STOPBITS, "1").trim();
        if (!s.equals("1") && !s.equals("1.5") && !s.equals("2")) {
            throw new ConfigException("link '" + uri + "': stopbits must be 1, 1.5 or 2, got '" + s + "'");
        }
        this.stopBits = s;
        this.timeoutMs = intSetting(settings, TIMEOUT, DEFAULT_TIMEOUT_MS, 0, 3_600_000);
    }

    /**
     * Parses a link URI.
     *
     * @param defaults the driver's line settings ({@code baud}, {@code databits}, {@code parity},
     *                 {@code stopbits}, {@code timeout}); the URI's query overrides them
     */
    public static LinkSpec parse(String uri, Map<String, String> defaults) throws ConfigException {
        if (uri == null || uri.isBlank()) {
            throw new ConfigException("no link given: set 'port' to a device path (/dev/ttyUSB0), "
                    + "serial:/dev/ttyUSB0?baud=115200 or socket://host:port");
        }
        String u = uri.trim();
        Map<String, String> settings = new LinkedHashMap<>();
        if (defaults != null) {
            defaults.forEach((k, v) -> {
                if (KEYS.contains(k) && v != null && !v.isBlank()) {
                    settings.put(k, v);
                }
            });
        }
        String base = u;
        int q = u.indexOf('?');
        if (q >= 0) {
            base = u.substring(0, q);
            parseQuery(u, u.substring(q + 1), settings);
        }
        String lower = base.toLowerCase(Locale.ROOT);
        if (lower.startsWith("socket://") || lower.startsWith("tcp://")) {
            String hostPort = base.substring(base.indexOf("//") + 2);
            if (hostPort.endsWith("/")) {
                hostPort = hostPort.substring(0, hostPort.length() - 1);
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw new ConfigException("link '" + uri + "': expected socket://host:port");
            }
            String h = hostPort.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            int p;
            try {
                p = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException("link '" + uri + "': the port after ':' must be a number");
            }
            if (p < 1 || p > 65535) {
                throw new ConfigException("link '" + uri + "': TCP port must be 1..65535, got " + p);
            }
            return new LinkSpec(u, Kind.SOCKET, null, h, p, settings);
        }
        String devicePath;
        if (lower.startsWith("serial:") || lower.startsWith("file:")) {
            devicePath = base.substring(base.indexOf(':') + 1);
            // serial:///dev/ttyUSB0 and file:///dev/ttyUSB0 are the same as the single-slash form
            while (devicePath.startsWith("//")) {
                devicePath = devicePath.substring(1);
            }
        } else if (base.startsWith("/") || lower.matches("com\\d+")) {
            devicePath = base;
        } else {
            throw new ConfigException("link '" + uri + "' is not understood: use a device path (/dev/ttyUSB0), "
                    + "serial:/dev/ttyUSB0?baud=115200&parity=none or socket://host:port");
        }
        if (devicePath.isEmpty()) {
            throw new ConfigException("link '" + uri + "': no device path");
        }
        return new LinkSpec(u, Kind.SERIAL, devicePath, null, 0, settings);
    }

    private static void parseQuery(String uri, String query, Map<String, String> settings) throws ConfigException {
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("link '" + uri + "': expected key=value in the query, got '" + pair + "'");
            }
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new ConfigException("link '" + uri + "': unknown setting '" + key
                        + "' (known: baud, databits, parity, stopbits, timeout)");
            }
            settings.put(key, pair.substring(eq + 1).trim());
        }
    }

    private int intSetting(Map<String, String> settings, String key, int fallback, int min, int max)
            throws ConfigException {
        String v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("link '" + uri + "': " + key + " must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new ConfigException("link '" + uri + "': " + key + " must be " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    public String uri() {
        return uri;
    }

    public Kind kind() {
        return kind;
    }

    /** The serial device path, or null for sockets. */
    public String path() {
        return path;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int baud() {
        return baud;
    }

    public int dataBits() {
        return dataBits;
    }

    /** none, even, odd, mark or space. */
    public String parity() {
        return parity;
    }

    /** "1", "1.5" or "2". */
    public String stopBits() {
        return stopBits;
    }

    public int timeoutMs() {
        return timeoutMs;
    }

    /** Line settings in the usual short form, e.g. {@code 115200 8N1}. */
    public String lineSettings() {
        return baud + " " + dataBits + Character.toUpperCase(parity.charAt(0)) + stopBits;
    }

    @Override
    public String toString() {
        return kind == Kind.SOCKET ? "socket://" + host + ":" + port : "serial " + path + " " + lineSettings();
    }
}
