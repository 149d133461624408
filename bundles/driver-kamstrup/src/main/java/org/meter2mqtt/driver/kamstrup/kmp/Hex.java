package org.meter2mqtt.driver.kamstrup.kmp;

/** Hex dumps for trace logs and error messages. */
public final class Hex {

    private Hex() {
    }

    public static String format(byte[] data) {
        return format(data, 0, data.length);
    }

    public static String format(byte[] data, int offset, int length) {
        StringBuilder sb = new StringBuilder(length * 3);
        for (int i = offset; i < offset + length; i++) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(Character.toUpperCase(Character.forDigit((data[i] >> 4) & 0xF, 16)));
            sb.append(Character.toUpperCase(Character.forDigit(data[i] & 0xF, 16)));
        }
        return sb.toString();
    }

    /** Parses "80 3F 10" (spaces optional). */
    public static byte[] parse(String hex) {
        String s = hex.replaceAll("\\s+", "");
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + hex);
        }
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
