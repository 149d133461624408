package org.meter2mqtt.simulators.kpm33b;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Random;

/**
 * One simulated KPM33B: its id, its measurements (a three-phase load near the values of a real capture,
 * varied per meter) and its growing energy registers, written as the meter writes them: fixed decimals, tags
 * in the meter's order, {@code time} as its local clock {@code yyyyMMddHHmmss}, {@code "isend":"1"}.
 * Written from the COMPERE protocol description, independently of the gateway's driver.
 */
public final class SimulatedMeter {

    /** The real-time tags in the meter's order, with decimals; angles and demand only in the full shape. */
    private static final String[][] RT_TAGS = {
        { "ia", "3" }, { "ib", "3" }, { "ic", "3" }, { "ua", "3" }, { "ub", "3" }, { "uc", "3" },
        { "uab", "3" }, { "ubc", "3" }, { "uca", "3" }, { "pa", "4" }, { "pb", "4" }, { "pc", "4" },
        { "zyggl", "4" }, { "qa", "4" }, { "qb", "4" }, { "qc", "4" }, { "zwggl", "4" }, { "sa", "4" },
        { "sb", "4" }, { "sc", "4" }, { "zszgl", "4" }, { "pfa", "3" }, { "pfb", "3" }, { "pfc", "3" },
        { "zglys", "3" }, { "f", "3" } };
    private static final String[][] RT_FULL_TAGS = {
        { "uxja", "3" }, { "uxjb", "3" }, { "uxjc", "3" }, { "ixja", "3" }, { "ixjb", "3" }, { "ixjc", "3" },
        { "unb", "3" }, { "inb", "3" }, { "pdm", "4" }, { "qdm", "4" }, { "sdm", "4" }, { "iadm", "4" },
        { "ibdm", "4" }, { "icdm", "4" } };
    private static final String[] ENY_TAGS = { "zygsz", "fygsz", "zwgsz", "fwgsz", "zszsz", "zyjsz", "fyjsz",
        "zyfsz", "fyfsz", "zypsz", "fypsz", "zyvsz", "fyvsz", "zydvsz", "fydvsz" };

    private final String id;
    private final Random random;
    private final double load;
    private double energy;
    private long lastSecond;
    private final ZoneId zone;

    public SimulatedMeter(String id, long seed, ZoneId zone) {
        this.id = id;
        this.random = new Random(seed);
        this.load = 0.5 + random.nextDouble() * 1.5;
        this.energy = 100 + random.nextInt(10_000) / 10.0;
        this.zone = zone;
    }

    /** The id of meter number {@code n} of a simulation: 33B12259 followed by 50027 + n. */
    public static String idOf(int n) {
        return String.format("33B1225%06d", 950027 + n);
    }

    public String id() {
        return id;
    }

    /** The last 8 characters of the id, which name the meter's command topics. */
    public String last8() {
        return id.substring(id.length() - 8);
    }

    /**
     * The meter's clock for its next message: the current local time, but never a second it already used, so
     * that a simulation faster than real meters still gives every message its own time.
     */
    public synchronized String nextTime(long epochSecond) {
        long s = Math.max(epochSecond, lastSecond + 1);
        lastSecond = s;
        return timeAt(s);
    }

    /** The meter's clock showing this second, as it prints it. */
    public String timeAt(long s) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(s, 0, zone.getRules().getOffset(
                java.time.Instant.ofEpochSecond(s)));
        StringBuilder sb = new StringBuilder(14);
        pad(sb, t.getYear(), 4);
        pad(sb, t.getMonthValue(), 2);
        pad(sb, t.getDayOfMonth(), 2);
        pad(sb, t.getHour(), 2);
        pad(sb, t.getMinute(), 2);
        pad(sb, t.getSecond(), 2);
        return sb.toString();
    }

    /** A {@code MQTT_RT_DATA} message; {@code full} adds angles, unbalance and demand (about 585 bytes). */
    public byte[] realTime(String time, boolean full, boolean zeros) {
        double[] v = realTimeValues(zeros);
        StringBuilder sb = new StringBuilder(full ? 640 : 460);
        sb.append("{\"id\":\"").append(id).append('"');
        for (int i = 0; i < RT_TAGS.length; i++) {
            field(sb, RT_TAGS[i][0], v[i], RT_TAGS[i][1].charAt(0) - '0');
        }
        if (full) {
            for (int i = 0; i < RT_FULL_TAGS.length; i++) {
                field(sb, RT_FULL_TAGS[i][0], v[RT_TAGS.length + i], RT_FULL_TAGS[i][1].charAt(0) - '0');
            }
        }
        return end(sb, time, "1");
    }

    /** The real-time message as two packets, the first with {@code "isend":"0"}. */
    public byte[][] realTimeSplit(String time) {
        double[] v = realTimeValues(false);
        StringBuilder a = new StringBuilder(300).append("{\"id\":\"").append(id).append('"');
        StringBuilder b = new StringBuilder(300).append("{\"id\":\"").append(id).append('"');
        for (int i = 0; i < RT_TAGS.length; i++) {
            field(i < 13 ? a : b, RT_TAGS[i][0], v[i], RT_TAGS[i][1].charAt(0) - '0');
        }
        return new byte[][] { end(a, time, "0"), end(b, time, "1") };
    }

    /** A {@code MQTT_ENY_NOW} message; the import register grows with every call. */
    public byte[] energy(String time, boolean zeros) {
        synchronized (this) {
            energy += load / 60;
        }
        double[] v = new double[ENY_TAGS.length];
        if (!zeros) {
            v[0] = energy;
            v[2] = energy * 0.01;
            v[3] = energy * 0.07;
            v[4] = energy * 1.005;
            v[5] = energy * 0.05;
            v[7] = energy * 0.15;
            v[9] = energy * 0.37;
            v[11] = energy * 0.43;
        }
        StringBuilder sb = new StringBuilder(300).append("{\"id\":\"").append(id).append('"');
        for (int i = 0; i < ENY_TAGS.length; i++) {
            field(sb, ENY_TAGS[i], v[i], 3);
        }
        return end(sb, time, "1");
    }

    /** The import energy register as the last {@link #energy} call printed it. */
    public synchronized double importEnergy() {
        return energy;
    }

    private double[] realTimeValues(boolean zeros) {
        double[] v = new double[RT_TAGS.length + RT_FULL_TAGS.length];
        if (zeros) {
            return v;
        }
        double wobble;
        synchronized (this) {
            wobble = 1 + (random.nextDouble() - 0.5) * 0.02;
        }
        double p = 2.2 * load * wobble;
        double[] u = { 229.097, 231.567, 232.529 };
        for (int ph = 0; ph < 3; ph++) {
            v[ph] = p / u[ph] * 1000 / 0.996; // current
            v[3 + ph] = u[ph];
            v[9 + ph] = p; // active power per phase, kW
            v[13 + ph] = -0.074 * p;
            v[17 + ph] = p * 1.0034;
            v[21 + ph] = 0.996;
        }
        v[6] = 398.949;
        v[7] = 401.920;
        v[8] = 399.784;
        v[12] = 3 * p;
        v[16] = -0.222 * p;
        v[20] = 3 * p * 1.0034;
        v[24] = 0.996;
        v[25] = 49.959;
        int o = RT_TAGS.length;
        v[o + 1] = 239.774;
        v[o + 2] = 119.874;
        v[o + 3] = 355.691;
        v[o + 4] = 235.434;
        v[o + 5] = 115.615;
        v[o + 6] = 1.485;
        v[o + 7] = 0.823;
        v[o + 8] = 3 * p;
        v[o + 9] = -0.222 * p;
        v[o + 10] = 3 * p * 1.0034;
        v[o + 11] = v[0];
        v[o + 12] = v[1];
        v[o + 13] = v[2];
        return v;
    }

    private static void field(StringBuilder sb, String tag, double value, int decimals) {
        sb.append(",\"").append(tag).append("\":");
        fixed(sb, value, decimals);
    }

    private static byte[] end(StringBuilder sb, String time, String isend) {
        sb.append(",\"time\":\"").append(time).append("\",\"isend\":\"").append(isend).append("\"}");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A number with exactly {@code decimals} decimals, as the meter prints it (0.000, -0.1648). */
    static void fixed(StringBuilder sb, double value, int decimals) {
        long scale = 1;
        for (int i = 0; i < decimals; i++) {
            scale *= 10;
        }
        long n = Math.round(Math.abs(value) * scale);
        if (value < 0 && n != 0) {
            sb.append('-');
        }
        sb.append(n / scale).append('.');
        String frac = Long.toString(n % scale);
        for (int i = frac.length(); i < decimals; i++) {
            sb.append('0');
        }
        sb.append(frac);
    }

    private static void pad(StringBuilder sb, int n, int width) {
        String s = Integer.toString(n);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(s);
    }
}
