package org.meter2mqtt.driver.kamstrup.kmp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * KMP framing: {@code start | body CRC_hi CRC_lo | 0x0D}, where the body is destination address, command id
 * and data, the CRC is CRC-16/XMODEM over the body, and everything between start and stop is byte-stuffed.
 */
public final class KmpFrames {

    /** Start byte of a frame to the meter. */
    public static final int START_REQUEST = 0x80;
    /** Start byte of a frame from the meter. */
    public static final int START_RESPONSE = 0x40;
    public static final int STOP = 0x0D;
    public static final int ACK = 0x06;
    public static final int ESCAPE = 0x1B;
    /** Destination address of the heat meter itself (0x7F/0xBF are logger modules). */
    public static final int ADDRESS_HEAT_METER = 0x3F;

    private KmpFrames() {
    }

    /** True for the bytes that must not appear between start and stop. */
    public static boolean needsStuffing(int b) {
        int v = b & 0xFF;
        return v == START_REQUEST || v == START_RESPONSE || v == STOP || v == ACK || v == ESCAPE;
    }

    /** Each reserved byte becomes 0x1B followed by the byte XOR 0xFF. */
    public static byte[] stuff(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 8);
        for (byte b : raw) {
            if (needsStuffing(b)) {
                out.write(ESCAPE);
                out.write(~b & 0xFF);
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /**
     * Reverses {@link #stuff}.
     *
     * @return the raw bytes, or null when the input ends in a lone escape byte
     */
    public static byte[] unstuff(byte[] stuffed) {
        byte[] out = new byte[stuffed.length];
        int n = 0;
        for (int i = 0; i < stuffed.length; i++) {
            if ((stuffed[i] & 0xFF) == ESCAPE) {
                if (++i == stuffed.length) {
                    return null;
                }
                out[n++] = (byte) ~stuffed[i];
            } else {
                out[n++] = stuffed[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** A complete frame: start byte, stuffed body with its CRC appended, stop byte. */
    public static byte[] frame(int startByte, byte[] body) {
        int crc = Crc16Xmodem.compute(body);
        byte[] withCrc = Arrays.copyOf(body, body.length + 2);
        withCrc[body.length] = (byte) (crc >>> 8);
        withCrc[body.length + 1] = (byte) crc;
        byte[] stuffed = stuff(withCrc);
        byte[] frame = new byte[stuffed.length + 2];
        frame[0] = (byte) startByte;
        System.arraycopy(stuffed, 0, frame, 1, stuffed.length);
        frame[frame.length - 1] = STOP;
        return frame;
    }
}
