package org.meter2mqtt.simulators.kmp;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * One register of the simulated meter as the meter itself keeps it: an integer mantissa, a decimal exponent
 * and a KMP unit code. Mutable only through {@link #tick()} (counters that grow while water flows).
 */
final class MeterRegister {

    final int id;
    final int unitCode;
    final int exponent;
    private final long step;
    private long mantissa;

    MeterRegister(int id, int unitCode, long mantissa, int exponent, long step) {
        this.id = id;
        this.unitCode = unitCode;
        this.mantissa = mantissa;
        this.exponent = exponent;
        this.step = step;
    }

    synchronized long mantissa() {
        return mantissa;
    }

    synchronized void tick() {
        mantissa += step;
    }

    synchronized BigDecimal value() {
        return new BigDecimal(BigInteger.valueOf(mantissa), -exponent);
    }

    /**
     * The record as sent: id (2), unit, length, SIEX, mantissa. The mantissa always takes four bytes, as the
     * MULTICAL 40x/60x send it.
     */
    synchronized byte[] record() {
        long magnitude = Math.abs(mantissa);
        int siex = Math.abs(exponent) & 0x3F;
        if (mantissa < 0) {
            siex |= 0x80;
        }
        if (exponent < 0) {
            siex |= 0x40;
        }
        return new byte[] {(byte) (id >> 8), (byte) id, (byte) unitCode, 4, (byte) siex,
            (byte) (magnitude >> 24), (byte) (magnitude >> 16), (byte) (magnitude >> 8), (byte) magnitude};
    }
}
