package org.meter2mqtt.driver.dsmr.internal;

import java.time.ZoneId;
import java.util.Locale;

import org.meter2mqtt.driver.dsmr.p1.P1Parser.CrcPolicy;

/** The {@code dsmr.version} setting: which P1 dialect the meter speaks, or auto-detect. */
enum Variant {
    AUTO("auto", CrcPolicy.AUTO, 115200, "none", 8),
    V2_2("2.2", CrcPolicy.AUTO, 9600, "even", 7),
    V3("3", CrcPolicy.AUTO, 9600, "even", 7),
    V4("4", CrcPolicy.REQUIRED, 115200, "none", 8),
    V5("5", CrcPolicy.REQUIRED, 115200, "none", 8),
    /** Belgium, Fluvius e-MUCS: tariff 1 is day, 2 is night. */
    BE("be", CrcPolicy.REQUIRED, 115200, "none", 8),
    /** Luxembourg, Creos Smarty: AES-128-GCM frames. */
    SMARTY("smarty", CrcPolicy.REQUIRED, 115200, "none", 8),
    /** Sweden: DSMR 5 style, totals only. */
    SE("se", CrcPolicy.REQUIRED, 115200, "none", 8),
    /** Austria (Sagemcom T210-D-r): Wh and W units. */
    AT("at", CrcPolicy.REQUIRED, 115200, "none", 8),
    /** Ireland (Iskra): Irish time for S/W. */
    IE("ie", CrcPolicy.REQUIRED, 115200, "none", 8),
    /** Hungary (E.ON): four tariffs, reactive quadrants. */
    HU("hu", CrcPolicy.REQUIRED, 115200, "none", 8);

    final String key;
    final CrcPolicy crcPolicy;
    final int baud;
    final String parity;
    final int dataBits;

    Variant(String key, CrcPolicy crcPolicy, int baud, String parity, int dataBits) {
        this.key = key;
        this.crcPolicy = crcPolicy;
        this.baud = baud;
        this.parity = parity;
        this.dataBits = dataBits;
    }

    static String[] keys() {
        Variant[] all = values();
        String[] k = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            k[i] = all[i].key;
        }
        return k;
    }

    /** Accepts the keys and the usual spellings (5.0, 4.2, 2.2, 3.0); null when unknown. */
    static Variant of(String text) {
        String t = text == null ? "auto" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "":
                return AUTO;
            case "3.0":
                return V3;
            case "4.0":
            case "4.2":
                return V4;
            case "5.0":
            case "5.0.2":
                return V5;
            default:
                for (Variant v : values()) {
                    if (v.key.equals(t)) {
                        return v;
                    }
                }
                return null;
        }
    }

    ZoneId defaultZone() {
        return ZoneId.of(this == IE ? "Europe/Dublin" : "Europe/Amsterdam");
    }

    /** Whether tariff 1 / 2 mean low / normal (the Dutch meaning). */
    boolean dutchTariffs() {
        return this == V2_2 || this == V3 || this == V4 || this == V5;
    }
}
