package org.meter2mqtt.bench.mqtt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.meter2mqtt.store.SegmentQueue;

/**
 * What {@link SegmentQueue#saveCursor()} adds to an acknowledgement: rounds of commits without and with it, one
 * after the other, on the disk of {@code args[0]}. The publisher calls it at most twice per loop turn that took
 * acknowledgements.
 */
public final class LiveCursorBench {

    private LiveCursorBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : "target"), "live-cursor");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        byte[] record = new byte[300];
        try (SegmentQueue q = new SegmentQueue(dir, 64L << 20, Duration.ofDays(1), Duration.ofSeconds(1),
                System::currentTimeMillis)) {
            for (int round = 1; round <= 5; round++) {
                long plain = time(q, record, n, false);
                long saved = time(q, record, n, true);
                System.out.printf("RESULT round %d: commit %.0f ns, commit + saveCursor %.0f ns: saveCursor %.0f ns%n",
                        round, plain / (double) n, saved / (double) n, (saved - plain) / (double) n);
            }
        }
    }

    private static long time(SegmentQueue q, byte[] record, int n, boolean save) throws Exception {
        for (int i = 0; i < n; i++) {
            q.append(record);
        }
        q.flush();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            q.commit(q.next());
            if (save) {
                q.saveCursor();
            }
        }
        return System.nanoTime() - t0;
    }
}
