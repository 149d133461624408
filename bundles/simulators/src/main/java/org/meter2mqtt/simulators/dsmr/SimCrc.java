package org.meter2mqtt.simulators.dsmr;

/** CRC-16/ARC, bit by bit (the driver uses a table; two implementations keep each other honest). */
final class SimCrc {

    private SimCrc() {
    }

    static int crc16(byte[] data) {
        int crc = 0x0000;
        for (byte d : data) {
            crc ^= d & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                boolean lsb = (crc & 0x0001) != 0;
                crc >>>= 1;
                if (lsb) {
                    crc ^= 0xA001; // 0x8005 reflected
                }
            }
        }
        return crc & 0xFFFF;
    }
}
