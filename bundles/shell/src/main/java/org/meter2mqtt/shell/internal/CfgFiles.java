package org.meter2mqtt.shell.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * The file's text. A command reads it once and validates and edits that same text: FileInstall writes a
     * configuration back into its file by truncating and rewriting it, and a second read in that moment would find
     * the file empty, and the edit would leave only the changed keys.
     */
    public String readText(String deviceId) throws IOException {
        return Files.readString(file(deviceId), StandardCharsets.UTF_8);
    }

    /** The keys and values of a .cfg text, as java.util.Properties reads them. */
    public static Map<String, String> parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        replace(target, text);
        return target;
    }

    private void replace(Path target, CharSequence text) throws IOException {
        Path tmp = etc.resolve("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Replaces the file's text atomically, e.g. by {@link #edit} of the text {@link #readText} gave. */
    public Path replace(String deviceId, String text) throws IOException {
        Path target = file(deviceId);
        replace(target, text);
        return target;
    }

    /**
     * Changes some keys of a file's text in place: the user's comments, blank lines, key order and spacing stay
     * as they were. A changed key keeps its line (and the text before its value); an empty value removes the key's
     * line; a new key is appended at the end.
     */
    static String edit(String text, Map<String, String> changes) {
        Map<String, String> pending = new LinkedHashMap<>(changes);
        String nl = text.contains("\r\n") ? "\r\n" : "\n";
        List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
        boolean endsWithNewline = text.isEmpty() || text.endsWith("\n");
        if (endsWithNewline) {
            lines.remove(lines.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            // a logical line continues while a line ends in an odd number of backslashes
            int last = i;
            while (continues(lines.get(last)) && last + 1 < lines.size()) {
                last++;
            }
            String trimmed = line.stripLeading();
            String key = trimmed.isEmpty() || trimmed.charAt(0) == '#' || trimmed.charAt(0) == '!' ? null
                    : keyOf(String.join("\n", lines.subList(i, last + 1)));
            if (key != null && pending.containsKey(key)) {
                String value = pending.remove(key);
                if (!value.isEmpty()) {
                    out.append(line, 0, valueStart(line)).append(escapeValue(value)).append(nl);
                }
            } else {
                for (int j = i; j <= last; j++) {
                    out.append(lines.get(j)).append(nl);
                }
            }
            i = last;
        }
        pending.forEach((k, v) -> {
            if (!v.isEmpty()) {
                out.append(escape(k)).append(" = ").append(escapeValue(v)).append(nl);
            }
        });
        return out.toString();
    }

    private static boolean continues(String line) {
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    /** The key of one logical line, as java.util.Properties reads it. */
    private static String keyOf(String logicalLine) {
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(logicalLine));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return p.isEmpty() ? null : p.keys().nextElement().toString();
    }

    /** Where the value of a key line starts: after the key, the separator and the blanks around it. */
    static int valueStart(String line) {
        int i = 0;
        while (i < line.length() && isBlank(line.charAt(i))) {
            i++;
        }
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '=' || c == ':' || isBlank(c)) {
                break;
            }
            i++;
        }
        i = Math.min(i, line.length());
        while (i < line.length() && isBlank(line.charAt(i))) {
            i++;
        }
        if (i < line.length() && (line.charAt(i) == '=' || line.charAt(i) == ':')) {
            i++;
            while (i < line.length() && isBlank(line.charAt(i))) {
                i++;
            }
        }
        return i;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\f';
    }

    public boolean delete(String deviceId) throws IOException {
        return Files.deleteIfExists(file(deviceId));
    }

    /** A value: only a leading blank and backslashes need escaping; '=', ':' and '#' are literal there. */
    static String escapeValue(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || (isBlank(c) && i == 0)) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
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
