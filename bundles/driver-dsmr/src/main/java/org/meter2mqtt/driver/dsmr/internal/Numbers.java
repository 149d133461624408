package org.meter2mqtt.driver.dsmr.internal;

import java.math.BigDecimal;

/** Fixed-point P1 numbers ({@code 001234.567}) to BigDecimal without exceptions or intermediate strings. */
final class Numbers {

    private Numbers() {
    }

    /**
     * Parses {@code [-]digits[.digits]} from the first {@code end} characters of text; null when it is not
     * such a number. Keeps the printed decimals (scale), drops leading zeros.
     */
    static BigDecimal parse(String text, int end) {
        if (end == 0) {
            return null;
        }
        int i = 0;
        boolean negative = text.charAt(0) == '-';
        if (negative) {
            i++;
        }
        long unscaled = 0;
        int digits = 0;
        int scale = -1;
        for (; i < end; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (unscaled >= 100_000_000_000_000_000L) {
                    return slow(text, end);
                }
                unscaled = unscaled * 10 + (c - '0');
                digits++;
                if (scale >= 0) {
                    scale++;
                }
            } else if (c == '.' && scale < 0) {
                scale = 0;
            } else {
                return null;
            }
        }
        if (digits == 0 || scale == 0) {
            return null;
        }
        return BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
    }

    private static BigDecimal slow(String text, int end) {
        try {
            return new BigDecimal(text.substring(0, end));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A small non-negative integer such as a device type ({@code 003}), or -1. */
    static int smallInt(String text) {
        if (text.isEmpty() || text.length() > 6) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static boolean isZero(String text) {
        BigDecimal v = parse(text, text.length());
        return v != null && v.signum() == 0;
    }
}
