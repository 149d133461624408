package org.meter2mqtt.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentQueueTest {

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

    private SegmentQueue open(long maxBytes) throws IOException {
        return new SegmentQueue(dir, maxBytes, Duration.ofHours(1), Duration.ZERO, now::get);
    }

    private static byte[] rec(int i) {
        return ("record-" + i + "-" + "x".repeat(80)).getBytes(StandardCharsets.UTF_8);
    }

    private static int id(SegmentQueue.Record r) {
        String s = new String(r.payload(), StandardCharsets.UTF_8);
        return Integer.parseInt(s.substring(7, s.indexOf('-', 7)));
    }

    /** Reads everything available, committing each record. */
    private static List<Integer> drain(SegmentQueue q) throws IOException {
        List<Integer> out = new ArrayList<>();
        SegmentQueue.Record r;
        while ((r = q.next()) != null) {
            if (!r.expired()) {
                out.add(id(r));
            }
            q.commit(r);
        }
        return out;
    }

    @Test
    void recordsAppendedFromOneReusedArrayAreWrittenInTheFormatEarlierVersionsRead() throws IOException {
        byte[] scratch = new byte[512];
        try (SegmentQueue q = open(1 << 20)) {
            for (int i = 0; i < 3; i++) {
                java.util.Arrays.fill(scratch, (byte) '#'); // what is past the length must not be written
                byte[] r = rec(i);
                System.arraycopy(r, 0, scratch, 0, r.length);
                if (i == 0) {
                    assertThat(q.appendTaken(scratch, r.length).payload()).isNull(); // the caller has the data
                } else {
                    assertThat(q.append(scratch, r.length)).isTrue();
                }
            }
            q.flush();
        }
        // the file as earlier versions wrote it: [length][CRC32 of the append time's 8 bytes, then the payload]
        java.nio.ByteBuffer file;
        try (Stream<Path> files = Files.list(dir)) {
            Path seg = files.filter(f -> f.toString().endsWith(".seg")).findFirst().orElseThrow();
            file = java.nio.ByteBuffer.wrap(Files.readAllBytes(seg));
        }
        for (int i = 0; i < 3; i++) {
            int len = file.getInt();
            int crc = file.getInt();
            long appended = file.getLong();
            byte[] payload = new byte[len];
            file.get(payload);
            assertThat(payload).isEqualTo(rec(i));
            java.util.zip.CRC32 c = new java.util.zip.CRC32();
            c.update(java.nio.ByteBuffer.allocate(8).putLong(appended).array());
            c.update(payload);
            assertThat(crc).isEqualTo((int) c.getValue());
        }
        assertThat(file.hasRemaining()).isFalse();
        try (SegmentQueue q = open(1 << 20)) {
            assertThat(drain(q)).containsExactly(0, 1, 2); // nothing was committed: the taken record comes back too
        }
    }

    @Test
    void fifoAcrossSegmentsAndRestarts() throws IOException {
        try (SegmentQueue q = open(1 << 20)) {
            for (int i = 0; i < 5000; i++) {
                assertThat(q.append(rec(i))).isTrue();
            }
            q.flush();
            assertThat(q.pending()).isEqualTo(5000);
            for (int i = 0; i < 1000; i++) {
                q.commit(q.next());
            }
            assertThat(q.pending()).isEqualTo(4000);
        }
        try (SegmentQueue q = open(1 << 20)) {
            assertThat(q.pending()).isEqualTo(4000);
            List<Integer> got = drain(q);
            assertThat(got).hasSize(4000).first().isEqualTo(1000);
            assertThat(got).isSorted().last().isEqualTo(4999);
            assertThat(q.pending()).isZero();
            assertThat(q.dropped()).isZero();
        }
        try (Stream<Path> files = Files.list(dir)) {
            // Acknowledged segments are deleted; only the cursor is left.
            assertThat(files.filter(p -> p.toString().endsWith(".seg")).count()).isZero();
        }
    }

    @Test
    void rewindHandsOutUnacknowledgedRecordsAgain() throws IOException {
        try (SegmentQueue q = open(1 << 20)) {
            for (int i = 0; i < 10; i++) {
                q.append(rec(i));
            }
            q.flush();
            SegmentQueue.Record first = q.next();
            q.next();
            q.next();
            q.commit(first);
            q.rewind();
            assertThat(drain(q)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    @Test
    void logLinesNameTheOutputWhoseQueueItIs() throws IOException {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try (SegmentQueue q = new SegmentQueue("InfluxDB buffer", "InfluxDB server", dir, 128 * 1024,
                Duration.ofHours(1), Duration.ZERO, now::get)) {
            for (int i = 0; i < 5000; i++) {
                q.append(rec(i));
            }
            q.flush();
            assertThat(q.dropped()).isPositive();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("InfluxDB buffer full (0 MiB)").contains("The InfluxDB server has been unreachable")
                .doesNotContain("MQTT");
    }

    @Test
    void sizeBoundDropsTheOldestAndCountsThem() throws IOException {
        long bound = 128 * 1024;
        try (SegmentQueue q = open(bound)) {
            for (int i = 0; i < 5000; i++) {
                q.append(rec(i));
            }
            q.flush();
            assertThat(q.bytes()).isLessThanOrEqualTo(bound);
            assertThat(q.dropped()).isPositive();
            List<Integer> got = drain(q);
            assertThat(got.size() + q.dropped()).isEqualTo(5000);
            // What is left is the newest, in order, without gaps.
            assertThat(got.get(got.size() - 1)).isEqualTo(4999);
            assertThat(got.get(got.size() - 1) - got.get(0) + 1).isEqualTo(got.size());
        }
    }

    @Test
    void ageBoundDropsOldRecordsOnceEvenAfterRewind() throws IOException {
        try (SegmentQueue q = open(1 << 20)) {
            q.append(rec(0));
            q.append(rec(1));
            now.addAndGet(Duration.ofHours(2).toMillis());
            q.append(rec(2));
            q.flush();
            SegmentQueue.Record a = q.next();
            assertThat(a.expired()).isTrue();
            q.rewind();
            List<SegmentQueue.Record> all = new ArrayList<>();
            SegmentQueue.Record r;
            while ((r = q.next()) != null) {
                all.add(r);
            }
            assertThat(all).extracting(SegmentQueue.Record::expired).containsExactly(true, true, false);
            assertThat(q.dropped()).isEqualTo(2);
        }
    }

    @Test
    void aTornTailFromAPowerCutIsSkipped() throws IOException {
        try (SegmentQueue q = open(1 << 20)) {
            for (int i = 0; i < 3; i++) {
                q.append(rec(i));
            }
        }
        Path seg;
        try (Stream<Path> files = Files.list(dir)) {
            seg = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        // Half a record header and some garbage, as a power cut mid-write leaves.
        Files.write(seg, new byte[] { 0, 0, 0, 90, 1, 2, 3 }, StandardOpenOption.APPEND);
        try (SegmentQueue q = open(1 << 20)) {
            assertThat(q.pending()).isEqualTo(3);
            q.append(rec(3));
            q.flush();
            assertThat(drain(q)).containsExactly(0, 1, 2, 3);
        }
    }

    /**
     * Records taken at append (sent from memory) are not read back, are committed on acknowledgement, and what was
     * not acknowledged is read again after a rewind or a restart, in order, followed by records appended later.
     */
    @Test
    void takenRecordsSurviveUntilCommittedAndKeepTheOrder() throws IOException {
        List<SegmentQueue.Record> taken = new ArrayList<>();
        try (SegmentQueue q = open(64 * 1024)) {
            // across several segments (64 KiB / 8 = the minimum of 16 KiB each)
            for (int i = 0; i < 300; i++) {
                assertThat(q.caughtUp()).isTrue();
                SegmentQueue.Record r = q.appendTaken(rec(i));
                assertThat(r).isNotNull();
                taken.add(r);
            }
            q.flush();
            assertThat(q.next()).as("taken records are not read back").isNull();
            assertThat(q.pending()).isEqualTo(300);
            for (int i = 0; i < 100; i++) {
                q.commit(taken.get(i));
            }
            assertThat(q.pending()).isEqualTo(200);
            // the broker fell behind: newer records go to the queue the ordinary way, and are read after
            q.append(rec(300));
            assertThat(q.caughtUp()).isFalse();
            q.flush();
            assertThat(id(q.next())).isEqualTo(300);
            q.rewind();
            List<Integer> again = new ArrayList<>();
            SegmentQueue.Record r;
            while ((r = q.next()) != null && again.size() < 50) {
                again.add(id(r));
            }
            assertThat(again).startsWith(100, 101, 102);
        }
        // kill -9 after the flush: the unacknowledged ones come back, in order
        try (SegmentQueue q = open(64 * 1024)) {
            assertThat(drain(q)).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(100, 300).boxed()
                    .toList());
            assertThat(q.caughtUp()).isTrue();
        }
    }

    @Test
    void takingOutOfOrderIsRefused() throws IOException {
        try (SegmentQueue q = open(1 << 20)) {
            q.append(rec(1));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.appendTaken(rec(2)))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /**
     * A killed process: the queue is never closed and its {@code cursor} (saved once an hour here) never written.
     * What {@link SegmentQueue#saveCursor()} saved in {@code cursor.live} is where the next run resumes; what was
     * acknowledged after it comes again (at least once).
     */
    @Test
    void aKilledProcessResumesAfterTheLastSavedAcknowledgement() throws IOException {
        SegmentQueue killed = new SegmentQueue(dir, 1 << 20, Duration.ofHours(1), Duration.ofHours(1), now::get);
        for (int i = 0; i < 10; i++) {
            killed.append(rec(i));
        }
        killed.flush();
        for (int i = 0; i < 4; i++) {
            killed.commit(killed.next());
        }
        killed.saveCursor();
        killed.commit(killed.next()); // acknowledged, not saved: sent again
        try (SegmentQueue q = new SegmentQueue(dir, 1 << 20, Duration.ofHours(1), Duration.ofHours(1), now::get)) {
            assertThat(q.pending()).isEqualTo(6);
            assertThat(drain(q)).containsExactly(4, 5, 6, 7, 8, 9);
        }
        // the durable cursor alone (what a power cut may leave) is older: everything came again before
        assertThat(Files.exists(dir.resolve("cursor"))).isTrue();
    }

    /**
     * {@link SegmentQueue#write()}, for a thread that must not wait: appended records become readable and the
     * acknowledged position reaches {@code cursor.live}, so a killed process resumes after it, with no sync;
     * {@link SegmentQueue#syncDue()} tells when the next flush would sync.
     */
    @Test
    void writeMakesRecordsReadableAndSavesTheLiveCursorAndSyncDueFollowsThePolicy() throws IOException {
        SegmentQueue killed = new SegmentQueue(dir, 1 << 20, Duration.ofHours(1), Duration.ofHours(1), now::get);
        assertThat(killed.syncDue()).as("an hour's policy, just opened").isFalse();
        for (int i = 0; i < 5; i++) {
            killed.append(rec(i));
        }
        assertThat(killed.next()).as("appended, not yet written").isNull();
        killed.write();
        killed.commit(killed.next());
        killed.commit(killed.next());
        killed.write();
        assertThat(killed.syncDue()).isFalse();
        try (SegmentQueue q = new SegmentQueue(dir, 1 << 20, Duration.ofHours(1), Duration.ZERO, now::get)) {
            assertThat(drain(q)).containsExactly(2, 3, 4);
            assertThat(q.syncDue()).as("fsync on every flush").isTrue();
        }
    }

    @Test
    void aTornLiveCursorFallsBackToTheDurableOne() throws IOException {
        try (SegmentQueue q = open(1 << 20)) {
            for (int i = 0; i < 10; i++) {
                q.append(rec(i));
            }
            q.flush();
            q.commit(q.next());
            q.flush(); // the durable cursor: after record 0
        }
        // the next run acknowledges two more and dies; its cursor (once an hour) stays after record 0
        SegmentQueue killed = new SegmentQueue(dir, 1 << 20, Duration.ofHours(1), Duration.ofHours(1), now::get);
        killed.commit(killed.next());
        killed.commit(killed.next());
        killed.saveCursor();
        // a power cut tore the in-place write: its CRC no longer matches
        byte[] live = Files.readAllBytes(dir.resolve("cursor.live"));
        live[3] ^= 0x5a;
        Files.write(dir.resolve("cursor.live"), live);
        try (SegmentQueue q = open(1 << 20)) {
            assertThat(drain(q)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
        // and a data folder of an earlier version has no cursor.live at all
        Files.delete(dir.resolve("cursor.live"));
        try (SegmentQueue q = open(1 << 20)) {
            assertThat(q.pending()).isZero();
        }
    }
}
