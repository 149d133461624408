package org.meter2mqtt.simulators.kmp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Register tables of simulated MULTICAL meters. Values are chosen so that answers contain bytes that must be
 * stuffed (0x40 0x06 in the hour counter, 0x80 in the yearly max flow, 0x0D in the monthly min power,
 * 0x1B in T2 x m³) and a negative number (T3 on the 60x/801, an outdoor sensor in winter).
 */
final class MeterModel {

    // KMP unit codes
    static final int KWH = 0x02;
    static final int GJ = 0x08;
    static final int KW = 0x16;
    static final int CELSIUS = 0x25;
    static final int KELVIN = 0x26;
    static final int M3 = 0x28;
    static final int LITRE_PER_HOUR = 0x29;
    static final int M3_CELSIUS = 0x2B;
    static final int HOURS = 0x2E;
    static final int YYMMDD = 0x30;
    static final int NONE = 0x00;
    static final int WH = 0x01;

    private MeterModel() {
    }

    /** A fresh register set for a model ("402", "403", "601", "603", "801"); counters tick when asked. */
    static Map<Integer, MeterRegister> registers(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        boolean sixty = m.equals("601") || m.equals("603") || m.equals("801");
        if (!sixty && !m.equals("402") && !m.equals("403")) {
            throw new IllegalArgumentException("unknown model " + model + " (402, 403, 601, 603, 801)");
        }
        Map<Integer, MeterRegister> r = new LinkedHashMap<>();
        if (sixty) {
            put(r, 0x003C, KWH, 345_678, 0, 1);
        } else {
            put(r, 0x003C, GJ, 1_234_567, -3, 1);
        }
        put(r, 0x0044, M3, 831_403, -3, 7);
        put(r, 0x004A, LITRE_PER_HOUR, 523, 0, 0);
        put(r, 0x0050, KW, 123, -1, 0);
        put(r, 0x0056, CELSIUS, 6_543, -2, 0);
        put(r, 0x0057, CELSIUS, 4_012, -2, 0);
        if (sixty) {
            put(r, 0x0058, CELSIUS, -525, -2, 0);
        }
        put(r, 0x0059, KELVIN, 2_531, -2, 0);
        put(r, 0x0061, M3_CELSIUS, 54_321, 0, 0);
        put(r, 0x006E, M3_CELSIUS, 0x1B1B, 0, 0);
        put(r, 0x0071, NONE, 0, 0, 0);
        put(r, 0x007B, YYMMDD, 240_115, 0, 0);
        put(r, 0x007C, LITRE_PER_HOUR, 0x0780, 0, 0);
        put(r, 0x007D, YYMMDD, 240_703, 0, 0);
        put(r, 0x007E, LITRE_PER_HOUR, 0, 0, 0);
        put(r, 0x007F, YYMMDD, 240_122, 0, 0);
        put(r, 0x0080, KW, 187, -1, 0);
        put(r, 0x0081, YYMMDD, 240_801, 0, 0);
        put(r, 0x0082, KW, 0, -1, 0);
        put(r, 0x008A, YYMMDD, 250_103, 0, 0);
        put(r, 0x008B, LITRE_PER_HOUR, 1_210, 0, 0);
        put(r, 0x008C, YYMMDD, 250_102, 0, 0);
        put(r, 0x008D, LITRE_PER_HOUR, 0, 0, 0);
        put(r, 0x008E, YYMMDD, 250_104, 0, 0);
        put(r, 0x008F, KW, 210, -1, 0);
        put(r, 0x0090, YYMMDD, 250_101, 0, 0);
        put(r, 0x0091, KW, 0x0D, -1, 0);
        put(r, 0x0092, CELSIUS, 6_480, -2, 0);
        put(r, 0x0093, CELSIUS, 4_102, -2, 0);
        put(r, 0x0095, CELSIUS, 6_612, -2, 0);
        put(r, 0x0096, CELSIUS, 3_987, -2, 0);
        if (!m.equals("402")) {
            // High-resolution heat energy in Wh (403 and later).
            put(r, 0x010A, WH, 342_935_000, 0, 1_000);
        }
        put(r, 0x03EC, HOURS, 0x4006, 0, 1);
        return r;
    }

    private static void put(Map<Integer, MeterRegister> r, int id, int unit, long mantissa, int exponent, long step) {
        r.put(id, new MeterRegister(id, unit, mantissa, exponent, step));
    }
}
