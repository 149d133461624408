package org.meter2mqtt.core;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Not a test: bench/state-flush/run.sh. The cost of one pulse-counter flush with {@code sources} pulse sources
 * (two keys each, as the pulse driver keeps them) when a batch changed a few of them: the whole state rewritten
 * (temp file, fsync, rename, fsync of the folder: what FileStateStore did before the journal) against the journal
 * append (one record, one fsync). The two alternate in rounds so that both see the same machine load.
 */
public final class StateFlushBench {

    private StateFlushBench() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int sources = Integer.parseInt(args[1]);
        int flushes = Integer.parseInt(args[2]);
        int changedPerFlush = 4; // a batch at 1000 pulses/s: a few pulses, each of another source
        Files.createDirectories(dir);
        TreeMap<String, String> state = new TreeMap<>();
        FileStateStore store = new FileStateStore(dir.resolve("journal.properties"));
        for (int i = 0; i < sources; i++) {
            state.put("last.active.device-001/" + i, Long.toString(1_765_000_000_000L + i));
            state.put("last.reactive.device-001/" + i, Long.toString(1_765_000_000_000L + i));
        }
        state.forEach(store::put);
        store.flush();
        long[] rewrite = new long[flushes];
        long[] journal = new long[flushes];
        long n = 0;
        int rounds = 10;
        for (int r = 0; r < rounds; r++) {
            for (int i = r * flushes / rounds; i < (r + 1) * flushes / rounds; i++) {
                n++;
                Map<String, String> changed = changes(n, sources, changedPerFlush);
                state.putAll(changed);
                long t0 = System.nanoTime();
                Properties p = new Properties();
                p.putAll(state);
                StringWriter w = new StringWriter();
                p.store(w, null);
                FileStateStore.writeAtomically(dir.resolve("rewrite.properties"),
                        w.toString().getBytes(StandardCharsets.UTF_8));
                rewrite[i] = System.nanoTime() - t0;
            }
            for (int i = r * flushes / rounds; i < (r + 1) * flushes / rounds; i++) {
                n++;
                Map<String, String> changed = changes(n, sources, changedPerFlush);
                long t0 = System.nanoTime();
                changed.forEach(store::put);
                store.flush();
                journal[i] = System.nanoTime() - t0;
            }
        }
        System.out.println("RESULT " + sources + " sources, " + flushes + " flushes each, " + changedPerFlush
                + " sources changed per flush");
        System.out.println("RESULT whole state rewritten: " + stats(rewrite) + ", file "
                + Files.size(dir.resolve("rewrite.properties")) + " bytes");
        System.out.println("RESULT journal append:       " + stats(journal) + ", journal now "
                + Files.size(dir.resolve("journal.journal")) + " bytes");
    }

    private static Map<String, String> changes(long n, int sources, int count) {
        Map<String, String> m = new TreeMap<>();
        m.put("active.wh", Long.toString(n * count));
        m.put("active.ts", Long.toString(1_765_000_000_000L + n));
        for (int k = 0; k < count; k++) {
            m.put("last.active.device-001/" + ((n * count + k) % sources), Long.toString(1_765_000_000_000L + n));
        }
        return m;
    }

    private static String stats(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", s[s.length / 2] / 1e6,
                s[(int) (s.length * 0.99)] / 1e6, s[s.length - 1] / 1e6);
    }
}
