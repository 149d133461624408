package org.meter2mqtt.mqtt.client;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.LongSupplier;

/**
 * A socket's output under Paho that writes several queued PUBLISH packets with one system call. Paho's sender
 * thread flushes after every packet, so each message costs a {@code write} (with TCP_NODELAY, a segment, and a
 * wake-up of the broker); under load that was most of the sender thread's CPU and much of the broker's
 * (bench/mqtt). Here a flush after a PUBLISH is held back while the publisher has handed Paho more PUBLISHes than
 * this stream has seen: Paho's sender has them queued and comes back at once with the next, whose flush then
 * writes both. Any other packet (CONNECT, PINGREQ, SUBSCRIBE, PUBACK, DISCONNECT...), a full buffer, a count
 * that has caught up, or {@link #flushHeld(long)} (the publisher's idle loop, a safety net) write everything.
 *
 * <p>The count must never run ahead of what Paho will really write on this connection, or a message could sit
 * here: the publisher adds to it only after {@code publish} returned, and each connection gets a new count.
 */
public final class CoalescingOutputStream extends OutputStream {

    private static final int PUBLISH = 3;

    private final OutputStream out;
    private final LongSupplier handed;
    private final byte[] buf;
    private int len;

    // MQTT fixed-header parser: which packet is being written, and how much of it is still to come.
    private int type = -1;
    private long remaining = -1;
    private int lengthShift;
    private boolean inLength;
    private long publishes;
    private int lastType = -1;
    /** When a flush was first held back (System.nanoTime), 0 when nothing is held. */
    private long heldSince;
    /** The thread that held it back: Paho's sender. */
    private Thread holder;

    /**
     * @param out the socket's stream
     * @param handed PUBLISH packets the publisher has handed Paho on this connection so far
     * @param size the buffer; a packet larger than that is written through
     */
    CoalescingOutputStream(OutputStream out, LongSupplier handed, int size) {
        this.out = out;
        this.handed = handed;
        this.buf = new byte[size];
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int n) throws IOException {
        parse(b, off, n);
        if (n > buf.length - len) {
            drain();
            if (n > buf.length) {
                out.write(b, off, n);
                return;
            }
        }
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    @Override
    public synchronized void flush() throws IOException {
        if (remaining == 0 && !inLength && lastType == PUBLISH && publishes < handed.getAsLong()) {
            if (heldSince == 0) {
                heldSince = System.nanoTime() | 1;
                holder = Thread.currentThread();
            }
            return; // Paho's sender has the next PUBLISH queued; its flush writes this one too
        }
        drain();
        out.flush();
    }

    /**
     * Writes what a flush held back at least {@code ageNanos} ago while Paho's sender is parked (it waits for work
     * only when its queue is empty, so nothing will come to write it); for the publisher's idle loop, in case a
     * count ever ran ahead. A sender that is merely slow (not scheduled, or busy) is left alone: its next write
     * takes the held bytes along. True if it wrote something.
     */
    public synchronized boolean flushHeld(long ageNanos) throws IOException {
        if (heldSince == 0 || System.nanoTime() - heldSince < ageNanos) {
            return false;
        }
        Thread.State sender = holder.getState();
        if (sender == Thread.State.RUNNABLE || sender == Thread.State.BLOCKED) {
            return false;
        }
        drain();
        out.flush();
        return true;
    }

    /** PUBLISH packets written to this stream (complete ones), for tests. */
    public synchronized long publishes() {
        return publishes;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            drain();
        } finally {
            out.close();
        }
    }

    private void drain() throws IOException {
        heldSince = 0;
        holder = null;
        if (len > 0) {
            out.write(buf, 0, len);
            len = 0;
        }
    }

    /** Follows packet boundaries: first byte (type), remaining length (1-4 bytes of 7 bits), body. */
    private void parse(byte[] b, int off, int n) {
        int i = off;
        int end = off + n;
        while (i < end) {
            if (inLength) {
                int v = b[i++] & 0xFF;
                remaining += (long) (v & 0x7F) << lengthShift;
                lengthShift += 7;
                if ((v & 0x80) == 0) {
                    inLength = false;
                    if (remaining == 0) {
                        packetDone();
                    }
                }
            } else if (remaining > 0) {
                int skip = (int) Math.min(remaining, end - i);
                i += skip;
                remaining -= skip;
                if (remaining == 0) {
                    packetDone();
                }
            } else {
                type = (b[i++] & 0xFF) >>> 4;
                lastType = type;
                inLength = true;
                remaining = 0;
                lengthShift = 0;
            }
        }
    }

    private void packetDone() {
        if (type == PUBLISH) {
            publishes++;
        }
        remaining = 0;
    }
}
