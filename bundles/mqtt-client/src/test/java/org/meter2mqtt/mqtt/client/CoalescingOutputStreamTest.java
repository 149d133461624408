package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Generated MQTT 3.1.1 packets, written the way Paho's sender writes them: whole packet, then flush. */
class CoalescingOutputStreamTest {

    /** Records each write reaching the socket, as the system calls Paho would cause. */
    private static final class Socket extends OutputStream {
        final List<byte[]> writes = new ArrayList<>();
        final ByteArrayOutputStream all = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
            writes.add(copy);
            all.write(copy, 0, len);
        }
    }

    private final Socket socket = new Socket();
    private final AtomicLong handed = new AtomicLong();

    /** A QoS 0 PUBLISH: fixed header, remaining length (variable-byte), topic, payload. */
    static byte[] publish(String topic, int payloadBytes) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        int remaining = 2 + t.length + payloadBytes;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x30);
        do {
            int digit = remaining % 128;
            remaining /= 128;
            b.write(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
        b.write(t.length >> 8);
        b.write(t.length & 0xFF);
        b.write(t, 0, t.length);
        for (int i = 0; i < payloadBytes; i++) {
            b.write('0' + i % 10);
        }
        return b.toByteArray();
    }

    private static final byte[] PINGREQ = { (byte) 0xC0, 0 };

    @Test
    void queuedPublishesGoOutInOneWrite() throws IOException {
        CoalescingOutputStream out = new CoalescingOutputStream(socket, handed::get, 4096);
        byte[] a = publish("meters/kpm33b/m1/power", 3);
        byte[] b = publish("meters/kpm33b/m1/state", 88);
        handed.set(2); // both queued in Paho before its sender wrote the first
        out.write(a);
        out.flush();
        assertThat(socket.writes).isEmpty(); // held: the second is on its way
        out.write(b);
        out.flush();
        assertThat(socket.writes).hasSize(1);
        assertThat(socket.all.toByteArray()).isEqualTo(concat(a, b));
        assertThat(out.publishes()).isEqualTo(2);
    }

    @Test
    void theLastPublishHandedOverIsWrittenAtOnce() throws IOException {
        CoalescingOutputStream out = new CoalescingOutputStream(socket, handed::get, 4096);
        byte[] a = publish("t", 5);
        handed.set(1);
        out.write(a);
        out.flush();
        assertThat(socket.writes).hasSize(1);
        // A publish handed over after the sender wrote it (the publisher counts after publish() returns): the count
        // is behind, which only means an earlier write.
        out.write(a);
        out.flush();
        assertThat(socket.writes).hasSize(2);
    }

    @Test
    void otherPacketsAreNeverHeld() throws IOException {
        CoalescingOutputStream out = new CoalescingOutputStream(socket, handed::get, 4096);
        handed.set(100); // even with a count that ran ahead
        byte[] a = publish("t", 5);
        out.write(a);
        out.flush();
        assertThat(socket.writes).isEmpty();
        out.write(PINGREQ);
        out.flush();
        assertThat(socket.writes).hasSize(1);
        assertThat(socket.all.toByteArray()).isEqualTo(concat(a, PINGREQ));
    }

    @Test
    void boundariesAreFollowedAcrossSplitWritesAndLongLengths() throws IOException {
        CoalescingOutputStream out = new CoalescingOutputStream(socket, handed::get, 1 << 20);
        byte[] big = publish("meters/x/state", 20_000); // three length bytes
        byte[] small = publish("meters/x/v", 1);
        handed.set(3);
        for (byte[] p : new byte[][] { big, small }) {
            for (int i = 0; i < p.length; i += 7) { // in odd pieces, a byte of the length at a time
                out.write(p, i, Math.min(7, p.length - i));
            }
            out.flush();
        }
        assertThat(out.publishes()).isEqualTo(2);
        assertThat(socket.writes).isEmpty(); // a third is counted as handed, so both are held
        handed.set(2);
        out.write(small, 0, 0);
        out.flush();
        assertThat(socket.all.toByteArray()).isEqualTo(concat(big, small));
    }

    @Test
    void aFullBufferIsWrittenAndALargerPacketGoesStraightThrough() throws IOException {
        CoalescingOutputStream out = new CoalescingOutputStream(socket, handed::get, 64);
        byte[] a = publish("t", 40);
        byte[] huge = publish("t", 200);
        handed.set(10);
        out.write(a);
        out.flush();
        out.write(a); // does not fit behind the first: the first is written
        out.flush();
        assertThat(socket.writes).hasSize(1);
        out.write(huge);
        out.flush();
        assertThat(socket.all.toByteArray()).isEqualTo(concat(a, a, huge));
    }

    @Test
    void theSafetyNetWritesWhatWasHeldTooLongOnlyOnceTheSenderIsParked() throws Exception {
        CoalescingOutputStream out = new CoalescingOutputStream(socket, handed::get, 4096);
        handed.set(2); // one more than the sender will ever write: a count that ran ahead
        java.util.concurrent.CountDownLatch park = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sender = new Thread(() -> {
            try {
                out.write(publish("t", 5));
                out.flush();
                while (busy.get()) {
                    Thread.onSpinWait(); // running: its next write would take the held bytes along
                }
                park.await(); // waiting for work, as Paho's sender with an empty queue
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "MQTT Snd: test");
        sender.start();
        await(() -> out.publishes() == 1 && sender.getState() == Thread.State.RUNNABLE);
        Thread.sleep(2);
        assertThat(out.flushHeld(java.util.concurrent.TimeUnit.SECONDS.toNanos(60))).isFalse(); // too young
        assertThat(out.flushHeld(1_000_000)).isFalse(); // old enough, but the sender is running
        assertThat(socket.writes).isEmpty();
        busy.set(false);
        await(() -> sender.getState() == Thread.State.WAITING);
        assertThat(out.flushHeld(1_000_000)).isTrue();
        assertThat(socket.writes).hasSize(1);
        assertThat(out.flushHeld(0)).isFalse(); // nothing held any more
        park.countDown();
        sender.join();
        out.close();
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.write(p, 0, p.length);
        }
        return b.toByteArray();
    }
}
