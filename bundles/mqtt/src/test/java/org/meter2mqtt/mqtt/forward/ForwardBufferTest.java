package org.meter2mqtt.mqtt.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.meter2mqtt.mqtt.Batch;
import org.meter2mqtt.store.SegmentQueue;

/** The store-and-forward rules on a real on-disk queue, without a broker: the publisher's part that never sends. */
class ForwardBufferTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private SegmentQueue queue(String name) throws Exception {
        return new SegmentQueue(tmp.resolve(name), 8L << 20, Duration.ofDays(1), Duration.ZERO, () -> 0L);
    }

    /** A batch of {@code values} channels whose first value is {@code seq}. */
    private static Batch batch(int seq, int values) {
        List<Batch.Value> v = new ArrayList<>();
        for (int i = 0; i < values; i++) {
            v.add(new Batch.Value("c" + i, BigDecimal.valueOf(seq), null));
        }
        return new Batch("demo", "e1", T0.plusSeconds(seq), v);
    }

    private static int seq(ForwardBuffer.Outbound o) {
        return o.batch.values().get(0).number().intValue();
    }

    @ParameterizedTest(name = "connected={0} olderOnDisk={1} stopping={2} inMemory={3} window={4} values={5} -> direct={6}")
    @CsvSource({
            // the common case: connected, nothing waits on disk
            "true, false, false, 0, 10, 3, true",
            // not connected: disk
            "false, false, false, 0, 10, 3, false",
            // an older record still to be read: disk, so that the order holds
            "true, true, false, 0, 10, 3, false",
            // the window: 2 batches of 4 messages in memory, 4 more would make 12 > 10
            "true, false, false, 2, 10, 3, false",
            "true, false, false, 1, 10, 3, true",
            // stopping: memory goes to disk at the spill anyway, no need to wait for the window
            "true, false, true, 2, 10, 3, true",
            // a batch larger than the whole window still goes when memory is empty (else it never would)
            "true, false, false, 0, 2, 5, true" })
    void directOrDisk(boolean connected, boolean olderOnDisk, boolean stopping, int inMemory, int window, int values,
            boolean direct) throws Exception {
        try (SegmentQueue q = queue("q")) {
            ForwardBuffer f = new ForwardBuffer(q, "test");
            if (olderOnDisk) {
                assertThat(f.add(batch(0, 3), false, false, window)).isFalse();
                q.flush();
            }
            for (int i = 0; i < inMemory; i++) {
                assertThat(f.add(batch(i + 1, 3), true, false, 100)).isTrue();
            }
            assertThat(f.add(batch(9, values), connected, stopping, window)).isEqualTo(direct);
            // on disk either way
            assertThat(q.pending()).isEqualTo((olderOnDisk ? 1 : 0) + inMemory + 1);
        }
    }

    @Test
    void memoryFirstThenDiskAckCommitsAndSpillRereadsInOrder() throws Exception {
        try (SegmentQueue q = queue("order")) {
            ForwardBuffer f = new ForwardBuffer(q, "test");
            f.add(batch(1, 1), false, false, 100);
            f.add(batch(2, 1), false, false, 100);
            q.flush();
            List<ForwardBuffer.Outbound> first = f.take(100, () -> true);
            assertThat(first).extracting(ForwardBufferTest::seq).containsExactly(1, 2);
            assertThat(first).noneMatch(o -> o.fromMemory);
            // caught up: the next ones go direct
            assertThat(f.add(batch(3, 1), true, false, 100)).isTrue();
            assertThat(f.add(batch(4, 1), true, false, 100)).isTrue();
            assertThat(f.memoryMessages()).isEqualTo(4);
            List<ForwardBuffer.Outbound> second = f.take(100, () -> true);
            assertThat(second).extracting(ForwardBufferTest::seq).containsExactly(3, 4);
            assertThat(second).allMatch(o -> o.fromMemory);
            // 1 and 2 acknowledged: committed
            for (ForwardBuffer.Outbound o : first) {
                f.acked(o.record, o.fromMemory);
            }
            f.acked(second.get(0).record, true);
            assertThat(q.pending()).isEqualTo(1);
            assertThat(f.memoryMessages()).isEqualTo(2);
            // the connection is lost before 4 is acknowledged: read again from disk after the rewind
            assertThat(f.spill()).isEqualTo(1);
            assertThat(f.memoryMessages()).isZero();
            // the publisher's loop flushes every turn: appended records become readable
            q.flush();
            q.rewind();
            List<ForwardBuffer.Outbound> again = f.take(100, () -> true);
            assertThat(again).extracting(ForwardBufferTest::seq).containsExactly(4);
            assertThat(again.get(0).fromMemory).isFalse();
        }
    }

    @Test
    void roomAndRefusalStopTaking() throws Exception {
        try (SegmentQueue q = queue("room")) {
            ForwardBuffer f = new ForwardBuffer(q, "test");
            for (int i = 1; i <= 5; i++) {
                f.add(batch(i, 1), false, false, 100);
            }
            q.flush();
            // 2 messages per batch: room for 3 messages takes 2 batches (the second one overshoots, as the window may)
            assertThat(f.take(3, () -> true)).extracting(ForwardBufferTest::seq).containsExactly(1, 2);
            assertThat(f.take(100, () -> false)).isEmpty();
            assertThat(f.take(100, () -> true)).extracting(ForwardBufferTest::seq).containsExactly(3, 4, 5);
        }
    }

    /** What went direct and was not acknowledged is on disk: a stop and start (a new queue) sends it, in order. */
    @Test
    void directBatchesSurviveAStopAndStart() throws Exception {
        try (SegmentQueue q = queue("restart")) {
            ForwardBuffer f = new ForwardBuffer(q, "test");
            for (int i = 1; i <= 3; i++) {
                assertThat(f.add(batch(i, 2), true, false, 100)).isTrue();
            }
            List<ForwardBuffer.Outbound> sent = f.take(100, () -> true);
            f.acked(sent.get(0).record, true);
            q.flush();
        }
        try (SegmentQueue q = queue("restart")) {
            ForwardBuffer f = new ForwardBuffer(q, "test");
            assertThat(f.take(100, () -> true)).extracting(ForwardBufferTest::seq).containsExactly(2, 3);
        }
    }
}
