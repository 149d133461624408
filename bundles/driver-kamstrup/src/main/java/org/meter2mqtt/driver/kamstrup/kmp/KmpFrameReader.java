package org.meter2mqtt.driver.kamstrup.kmp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Finds KMP frames in a byte stream that arrives in chunks. Bytes outside a frame (line noise, a lone ACK)
 * are skipped; a start byte inside a frame starts over, because start bytes never occur stuffed. Both
 * directions are recognised, so the caller can tell an optical head's echo (start 0x80) from the answer.
 */
public final class KmpFrameReader {

    /** Longer than any GetRegister answer (8 records of at most 9 bytes, all stuffed), shorter than noise. */
    static final int MAX_FRAME = 512;

    private enum State {
        HUNT, IN_FRAME
    }

    private final Consumer<KmpFrame> listener;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
    private State state = State.HUNT;
    private int start;
    private long skipped;

    public KmpFrameReader(Consumer<KmpFrame> listener) {
        this.listener = listener;
    }

    public void parse(byte[] data, int length) {
        for (int i = 0; i < length; i++) {
            int b = data[i] & 0xFF;
            if (b == KmpFrames.START_RESPONSE || b == KmpFrames.START_REQUEST) {
                if (state == State.IN_FRAME) {
                    skipped += buffer.size() + 1;
                }
                start = b;
                buffer.reset();
                state = State.IN_FRAME;
            } else if (state == State.HUNT) {
                skipped++;
            } else if (b == KmpFrames.STOP) {
                state = State.HUNT;
                listener.accept(finish());
            } else if (buffer.size() >= MAX_FRAME) {
                state = State.HUNT;
                skipped += buffer.size();
                listener.accept(new KmpFrame(start, new byte[0], KmpFrame.Status.MALFORMED));
            } else {
                buffer.write(b);
            }
        }
    }

    /** Forgets a half-received frame (before a new request). */
    public void reset() {
        state = State.HUNT;
        buffer.reset();
    }

    /** Bytes thrown away so far outside complete frames (for diagnostics). */
    public long skippedBytes() {
        return skipped;
    }

    private KmpFrame finish() {
        byte[] raw = KmpFrames.unstuff(buffer.toByteArray());
        if (raw == null || raw.length < 4) {
            return new KmpFrame(start, new byte[0], KmpFrame.Status.MALFORMED);
        }
        // A CRC run over the body and its own (big-endian) CRC leaves zero.
        KmpFrame.Status status = Crc16Xmodem.compute(raw) == 0 ? KmpFrame.Status.OK : KmpFrame.Status.CRC_ERROR;
        return new KmpFrame(start, Arrays.copyOf(raw, raw.length - 2), status);
    }
}
