package org.meter2mqtt.driver.kamstrup.kmp;

/**
 * CRC-16/XMODEM (CCITT polynomial 0x1021, initial value 0, MSB first, no final XOR), the checksum of KMP
 * frames. Check value for ASCII "123456789" is 0x31C3.
 */
public final class Crc16Xmodem {

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xFFFF;
        }
    }

    private Crc16Xmodem() {
    }

    public static int compute(byte[] data) {
        return compute(data, 0, data.length);
    }

    public static int compute(byte[] data, int offset, int length) {
        int crc = 0;
        for (int i = offset; i < offset + length; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ data[i]) & 0xFF]) & 0xFFFF;
        }
        return crc;
    }
}
