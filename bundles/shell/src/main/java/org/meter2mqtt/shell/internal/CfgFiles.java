package org.meter2mqtt.shell.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code etc/org.meter2mqtt.device-<id>.cfg} files: the source of truth for devices. The shell writes
 * them and FileInstall turns them into configurations, exactly as if the operator had edited them.
 */
public final class CfgFiles {

    public static final String PREFIX = "org.meter2mqtt.device-";

    private final Path etc;

    public CfgFiles(Path etc) {
        this.etc = etc;
    }

    public static CfgFiles karaf() {
        String etc = System.getProperty("karaf.etc");
        if (etc == null) {
            throw new IllegalStateException("karaf.etc is not set: not running inside Karaf");
        }
        return new CfgFiles(Paths.get(etc));
    }

    public Path file(String deviceId) {
        return etc.resolve(PREFIX + deviceId + ".cfg");
    }

    public boolean exists(String deviceId) {
        return Files.exists(file(deviceId));
    }

    public Map<String, String> read(String deviceId) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file(deviceId), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> out = new TreeMap<>();
        p.forEach((k, v) -> out.put(k.toString(), v.toString()));
        return out;
    }

    /** Writes the file atomically: FileInstall never sees a half-written file (the temp name is not *.cfg). */
    public Path write(String deviceId, Map<String, String> values, String comment) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append("# ").append(comment).append('\n');
        Map<String, String> ordered = new LinkedHashMap<>();
        if (values.containsKey("driver")) {
            ordered.put("driver", values.get("driver"));
        }
        new TreeMap<>(values).forEach(ordered::putIfAbsent);
        ordered.forEach((k, v) -> text.append(escape(k)).append(" = ").append(escape(v)).append('\n'));
        Path target = file(deviceId);
        Path tmp = etc.resolve("." + PREFIX + deviceId + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    public boolean delete(String deviceId) throws IOException {
        return Files.deleteIfExists(file(deviceId));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '=' || c == ':' || c == '#' || c == '!' || (c == ' ' && i == 0)) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** Parses {@code key=value} arguments; an empty value means "remove the key". */
    public static Map<String, String> parseAssignments(Iterable<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        if (args == null) {
            return out;
        }
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + a + "'");
            }
            out.put(a.substring(0, eq).trim(), a.substring(eq + 1).trim());
        }
        return out;
    }
}
