package org.meter2mqtt.core.upgrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The driver history shown by {@code meter:driver-history}: one line per step (time, driver, from, to, result,
 * reason), appended to a file under the data folder and read back after a restart. A torn last line (power cut
 * while appending) is skipped, never fatal.
 */
public final class DriverHistory {

    /** What a step did. */
    public enum Result {
        INSTALLED("installed"), UPGRADED("upgraded"), ROLLED_BACK("rolled back"), REFUSED("refused"),
        REMOVED("removed");

        private final String text;

        Result(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }

        static Result parse(String s) {
            for (Result r : values()) {
                if (r.text.equals(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException(s);
        }
    }

    /** One step. {@code from} is empty for a first install, {@code to} empty for a removal. */
    public static final class Entry {
        public final Instant time;
        public final String driver;
        public final String from;
        public final String to;
        public final Result result;
        public final String reason;

        public Entry(Instant time, String driver, String from, String to, Result result, String reason) {
            this.time = Objects.requireNonNull(time);
            this.driver = Objects.requireNonNull(driver);
            this.from = from == null ? "" : from;
            this.to = to == null ? "" : to;
            this.result = Objects.requireNonNull(result);
            this.reason = reason == null ? "" : reason;
        }

        String line() {
            return String.join("\t", time.toString(), clean(driver), clean(from), clean(to), result.toString(),
                    clean(reason));
        }

        private static String clean(String s) {
            return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
        }

        @Override
        public String toString() {
            return time + "  " + driver + "  " + (from.isEmpty() ? "-" : from) + " -> " + (to.isEmpty() ? "-" : to)
                    + "  " + result + (reason.isEmpty() ? "" : "  " + reason);
        }
    }

    private final Path file;
    private final List<Entry> entries = new ArrayList<>();

    /** Opens the history kept in {@code file}, reading what earlier runs wrote. */
    public DriverHistory(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                if (f.length != 6) {
                    continue; // torn or foreign line
                }
                try {
                    entries.add(new Entry(Instant.parse(f[0]), f[1], f[2], f[3], Result.parse(f[4]), f[5]));
                } catch (RuntimeException e) {
                    // a damaged line loses only itself
                }
            }
        }
    }

    /** Appends one step and forces it to disk before returning. */
    public synchronized void record(Entry e) throws IOException {
        Files.createDirectories(file.getParent());
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap((e.line() + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        entries.add(e);
    }

    /**
     * Every step, oldest first; only those of {@code driver} when it is not null (a step of a jar providing
     * several drivers names them all, comma-separated).
     */
    public synchronized List<Entry> entries(String driver) {
        return entries.stream().filter(e -> driver == null || List.of(e.driver.split(",")).contains(driver))
                .collect(Collectors.toList());
    }
}
