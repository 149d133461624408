package org.meter2mqtt.driver.kamstrup.kmp;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * KMP numbers: an unsigned big-endian mantissa of L bytes and a SIEX byte (bit 7 = mantissa negative,
 * bit 6 = exponent negative, bits 0-5 = exponent magnitude). Decoded exactly as {@link BigDecimal}.
 */
public final class KmpNumber {

    private static final int SIGN_MANTISSA = 0x80;
    private static final int SIGN_EXPONENT = 0x40;
    private static final int EXPONENT_MASK = 0x3F;

    private KmpNumber() {
    }

    public static BigDecimal decode(int siex, byte[] mantissa, int offset, int length) {
        BigInteger m = new BigInteger(1, java.util.Arrays.copyOfRange(mantissa, offset, offset + length));
        if ((siex & SIGN_MANTISSA) != 0) {
            m = m.negate();
        }
        int exponent = siex & EXPONENT_MASK;
        // BigDecimal's scale is the negated exponent: 12345 * 10^-2 has unscaled value 12345 and scale 2.
        int scale = (siex & SIGN_EXPONENT) != 0 ? exponent : -exponent;
        BigDecimal value = new BigDecimal(m, scale);
        // A positive exponent would print as 8.7654321E+10; keep such values as plain integers.
        return scale < 0 ? value.setScale(0) : value;
    }

    /**
     * Encodes a value as {@code L SIEX mantissa...} with the smallest mantissa that holds it exactly.
     *
     * @throws IllegalArgumentException when the value needs an exponent beyond +-63 or more than 255 bytes
     */
    public static byte[] encode(BigDecimal value) {
        BigDecimal v = value;
        int exponent = -v.scale();
        BigInteger unscaled = v.unscaledValue().abs();
        if (exponent > EXPONENT_MASK || -exponent > EXPONENT_MASK) {
            throw new IllegalArgumentException("exponent out of KMP range: " + value);
        }
        byte[] mag = unscaled.toByteArray();
        int skip = mag.length > 1 && mag[0] == 0 ? 1 : 0;
        int length = mag.length - skip;
        if (length > 255) {
            throw new IllegalArgumentException("mantissa too long: " + value);
        }
        byte[] out = new byte[2 + length];
        out[0] = (byte) length;
        int siex = Math.abs(exponent);
        if (v.signum() < 0) {
            siex |= SIGN_MANTISSA;
        }
        if (exponent < 0) {
            siex |= SIGN_EXPONENT;
        }
        out[1] = (byte) siex;
        System.arraycopy(mag, skip, out, 2, length);
        return out;
    }
}
