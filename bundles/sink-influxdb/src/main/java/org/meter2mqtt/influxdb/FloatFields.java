package org.meter2mqtt.influxdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fields that InfluxDB already holds as floats but the gateway would now write as integers (a channel marked
 * {@code integer()} after an earlier gateway wrote every number as a float). InfluxDB refuses such points
 * ({@code 400 field type conflict}); rather than lose them, or change the field's type, the output learns the
 * field from the refusal, writes it as a float from then on and resends the batch with the field rewritten. Kept in
 * a file next to the buffer, so a restart does not run into the conflict again.
 */
public final class FloatFields {

    /** InfluxDB 1.x: {@code input field "x" on measurement "m" is type integer, already exists as type float}. */
    private static final Pattern CONFLICT = Pattern.compile(
            "input field \\\\?\"(.+?)\\\\?\" on measurement \\\\?\"(.+?)\\\\?\" is type integer, already exists as "
                    + "type float");
    private static final char SEP = '\u0000';

    private final Path file;
    private final Set<String> keys = ConcurrentHashMap.newKeySet();

    /** @param file where the learned fields are kept (one {@code measurement TAB field} a line); null: memory only */
    public FloatFields(Path file) {
        this.file = file;
        if (file != null && Files.isReadable(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int tab = line.indexOf('\t');
                    if (tab > 0) {
                        keys.add(line.substring(0, tab) + SEP + line.substring(tab + 1));
                    }
                }
            } catch (IOException e) {
                // unreadable: the fields are learned again from InfluxDB's next refusal
            }
        }
    }

    /** True when {@code field} of {@code measurement} is to be written as a float. */
    public boolean contains(String measurement, String field) {
        return !keys.isEmpty() && keys.contains(measurement + SEP + field);
    }

    /** Learns the fields a refusal names; true when it named one not known before. */
    public boolean learn(String responseBody) {
        if (responseBody == null) {
            return false;
        }
        boolean learned = false;
        Matcher m = CONFLICT.matcher(responseBody);
        while (m.find()) {
            learned |= keys.add(m.group(2) + SEP + m.group(1));
        }
        if (learned && file != null) {
            List<String> lines = new ArrayList<>();
            for (String k : keys) {
                lines.add(k.replace(SEP, '\t'));
            }
            try {
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(tmp, lines, StandardCharsets.UTF_8);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // kept in memory; after a restart the next refusal teaches it again
            }
        }
        return learned;
    }

    /** The lines with every learned field's integer value ({@code 4i}) written as a float ({@code 4}). */
    public byte[] rewrite(byte[] lines) {
        if (keys.isEmpty()) {
            return lines;
        }
        String text = new String(lines, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(text.length());
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end;
            out.append(rewriteLine(text.substring(start, end)));
            if (end < text.length()) {
                out.append('\n');
            }
            start = end + 1;
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String rewriteLine(String line) {
        // measurement: up to the first unescaped comma or space
        int i = 0;
        StringBuilder measurement = new StringBuilder();
        while (i < line.length() && line.charAt(i) != ',' && line.charAt(i) != ' ') {
            if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                i++;
            }
            measurement.append(line.charAt(i++));
        }
        // tags: up to the first unescaped space
        while (i < line.length() && line.charAt(i) != ' ') {
            i += line.charAt(i) == '\\' ? 2 : 1;
        }
        if (i >= line.length()) {
            return line;
        }
        StringBuilder out = new StringBuilder(line.length()).append(line, 0, ++i);
        // fields: key=value pairs separated by unescaped commas; string values are quoted
        while (i < line.length()) {
            StringBuilder key = new StringBuilder();
            int keyStart = i;
            while (i < line.length() && line.charAt(i) != '=') {
                if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                    i++;
                }
                key.append(line.charAt(i++));
            }
            out.append(line, keyStart, Math.min(i + 1, line.length()));
            i++;
            int valueStart = i;
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (i < line.length() && line.charAt(i) != '"') {
                    i += line.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else {
                while (i < line.length() && line.charAt(i) != ',' && line.charAt(i) != ' ') {
                    i++;
                }
            }
            i = Math.min(i, line.length());
            String value = line.substring(Math.min(valueStart, i), i);
            if (value.matches("-?\\d+i") && contains(measurement.toString(), key.toString())) {
                value = value.substring(0, value.length() - 1);
            }
            out.append(value);
            if (i < line.length() && line.charAt(i) == ',') {
                out.append(',');
                i++;
            } else {
                out.append(line, i, line.length()); // the timestamp
                break;
            }
        }
        return out.toString();
    }
}
