package org.meter2mqtt.driver.dsmr.p1;

/**
 * OBIS codes {@code A-B:C.D.E} packed into a long (8 bits per group), so lookups need no strings. The optional
 * {@code *F} group some meters print ({@code 1-0:1.8.0*255}) is not part of the key.
 */
public final class Obis {

    private Obis() {
    }

    public static long of(int a, int b, int c, int d, int e) {
        return ((long) a << 32) | ((long) b << 24) | ((long) c << 16) | ((long) d << 8) | e;
    }

    /** Parses {@code A-B:C.D.E}; throws IllegalArgumentException for anything else. Meant for constants. */
    public static long parse(String text) {
        String[] p = text.split("[-:.]");
        if (p.length != 5) {
            throw new IllegalArgumentException("not an OBIS code: " + text);
        }
        int[] v = new int[5];
        for (int i = 0; i < 5; i++) {
            v[i] = Integer.parseInt(p[i]);
            if (v[i] < 0 || v[i] > 255) {
                throw new IllegalArgumentException("not an OBIS code: " + text);
            }
        }
        return of(v[0], v[1], v[2], v[3], v[4]);
    }

    public static int a(long obis) {
        return (int) (obis >>> 32) & 0xFF;
    }

    /** The B group: the M-Bus channel for {@code 0-n:24.x.x} objects. */
    public static int b(long obis) {
        return (int) (obis >>> 24) & 0xFF;
    }

    public static int c(long obis) {
        return (int) (obis >>> 16) & 0xFF;
    }

    public static int d(long obis) {
        return (int) (obis >>> 8) & 0xFF;
    }

    public static int e(long obis) {
        return (int) obis & 0xFF;
    }

    /** The same code with B set to 0: {@code 0-2:24.2.1} becomes {@code 0-0:24.2.1}. */
    public static long withoutChannel(long obis) {
        return obis & ~(0xFFL << 24);
    }

    public static String format(long obis) {
        return a(obis) + "-" + b(obis) + ":" + c(obis) + "." + d(obis) + "." + e(obis);
    }
}
