package org.meter2mqtt.driver.dsmr.p1;

/**
 * CRC-16/ARC as DSMR 4/5 uses it: polynomial 0x8005 processed LSB first (reflected 0xA001), initial value 0,
 * no final XOR. Check value for "123456789" is 0xBB3D.
 */
public final class Crc16 {

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0xA001 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc16() {
    }

    /** Adds one byte to a running CRC (start with 0). */
    public static int update(int crc, int b) {
        return (crc >>> 8) ^ TABLE[(crc ^ b) & 0xFF];
    }

    public static int of(byte[] data, int off, int len) {
        int crc = 0;
        for (int i = off; i < off + len; i++) {
            crc = update(crc, data[i]);
        }
        return crc;
    }
}
