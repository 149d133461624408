package org.meter2mqtt.influxdb.line;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Writes InfluxDB line protocol ({@code measurement[,tag=value...] field=value[,field=value...] timestamp}) into
 * a {@link StringBuilder}, one point after another, each ending with a newline. Plain Java; not thread-safe.
 *
 * <p>Escaping as the line-protocol specification says: comma and space in measurements; comma, equals sign
 * and space in tag keys, tag values and field keys; double quote and backslash in string field values.
 * Two things the specification cannot express are mapped, never dropped silently:
 * <ul>
 * <li>A newline or carriage return ends a line wherever it stands, so it becomes a space.</li>
 * <li>A backslash at the very end of a name or tag value would escape the separator after it (InfluxDB 1.x
 * and 2.x parse {@code \\} as a backslash followed by an escaped character), so an escaped space is added
 * after it: {@code C:\} is stored as {@code C:\ }.</li>
 * </ul>
 * A backslash elsewhere is written as it is: the parsers keep a backslash that escapes nothing.
 */
public final class LineWriter {

    private final StringBuilder out;
    private int lineStart = -1;
    private boolean hasField;

    public LineWriter(StringBuilder out) {
        this.out = out;
    }

    /** Starts a point. Throws when the measurement cannot be written (empty, or a comment line). */
    public LineWriter measurement(String name) {
        checkMeasurement(name);
        lineStart = out.length();
        hasField = false;
        escapeName(name, false);
        return this;
    }

    /** Adds a tag; a null or empty value leaves the tag out (line protocol has no empty tag values). */
    public LineWriter tag(String key, String value) {
        requireOpen();
        if (value == null || value.isEmpty()) {
            return this;
        }
        out.append(',');
        escapeName(key, true);
        out.append('=');
        escapeName(value, true);
        return this;
    }

    /** A float field ({@code 1234.567}); the decimal is written exactly as the meter gave it. */
    public LineWriter field(String key, BigDecimal value) {
        fieldKey(key);
        out.append(value.toPlainString());
        return this;
    }

    /** An integer field ({@code 42i}). */
    public LineWriter integerField(String key, long value) {
        fieldKey(key);
        out.append(value).append('i');
        return this;
    }

    /** A string field ({@code "text"}). */
    public LineWriter field(String key, String value) {
        fieldKey(key);
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"':
                case '\\':
                    out.append('\\').append(c);
                    break;
                case '\n':
                case '\r':
                    out.append(' ');
                    break;
                default:
                    out.append(c);
            }
        }
        out.append('"');
        return this;
    }

    /** Ends the point with its time in nanoseconds since the epoch. */
    public void end(Instant time) {
        requireOpen();
        if (!hasField) {
            throw new IllegalStateException("a point needs at least one field");
        }
        out.append(' ').append(nanos(time)).append('\n');
        lineStart = -1;
    }

    /** Drops a point begun but not ended (e.g. it turned out to have no fields). */
    public void abandon() {
        if (lineStart >= 0) {
            out.setLength(lineStart);
            lineStart = -1;
        }
    }

    /** True while a point is open and has at least one field. */
    public boolean hasField() {
        return lineStart >= 0 && hasField;
    }

    public static long nanos(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
    }

    /** Why a measurement name cannot be written, or null when it can. */
    public static String measurementProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "the measurement name is empty";
        }
        if (name.charAt(0) == '#') {
            return "a measurement name must not start with # (the line would be a comment)";
        }
        return null;
    }

    private static void checkMeasurement(String name) {
        String problem = measurementProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException(problem + ": '" + name + "'");
        }
    }

    private void fieldKey(String key) {
        requireOpen();
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty field key");
        }
        out.append(hasField ? ',' : ' ');
        hasField = true;
        escapeName(key, true);
        out.append('=');
    }

    private void requireOpen() {
        if (lineStart < 0) {
            throw new IllegalStateException("no point started (call measurement first)");
        }
    }

    /** Measurement ({@code withEquals} false) or key/tag value ({@code withEquals} true). */
    private void escapeName(String s, boolean withEquals) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty tag key");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case ',':
                case ' ':
                    out.append('\\').append(c);
                    break;
                case '=':
                    if (withEquals) {
                        out.append('\\');
                    }
                    out.append(c);
                    break;
                case '\n':
                case '\r':
                    out.append("\\ ");
                    break;
                default:
                    out.append(c);
            }
        }
        if (s.charAt(s.length() - 1) == '\\') {
            out.append("\\ ");
        }
    }
}
