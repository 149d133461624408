package org.meter2mqtt.driver.dsmr.p1;

/** P1 prints equipment ids and text messages as hex-encoded ASCII ({@code 4B38...} is "K8..."). */
public final class HexText {

    private HexText() {
    }

    /**
     * Decodes hex ASCII; returns the text unchanged when it is not hex of printable characters (some meters
     * print ids in plain text, e.g. {@code 09610} or {@code 1ESY1336001560}).
     */
    public static String decode(String text) {
        int n = text.length();
        if (n == 0 || (n & 1) != 0) {
            return text;
        }
        char[] out = new char[n / 2];
        for (int i = 0; i < n; i += 2) {
            int hi = Character.digit(text.charAt(i), 16);
            int lo = Character.digit(text.charAt(i + 1), 16);
            if (hi < 0 || lo < 0) {
                return text;
            }
            int c = hi << 4 | lo;
            if (c < 0x20 || c > 0x7E) {
                return text;
            }
            out[i / 2] = (char) c;
        }
        return new String(out);
    }
}
