package org.meter2mqtt.driver.dsmr.p1;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneRules;

/**
 * P1 timestamps ({@code YYMMDDhhmmssX}) to UTC. X = {@code S} means summer time (standard offset + 1 h),
 * {@code W} winter time (the standard offset): for the Dutch/Belgian meters that is UTC+2 and UTC+1. The flag
 * makes the repeated hour of the autumn switch unambiguous. Timestamps without a flag (DSMR 2.2/3 gas) are
 * read with the zone's rules. Immutable.
 */
public final class P1Time {

    private final ZoneId zone;
    private final ZoneRules rules;

    public P1Time(ZoneId zone) {
        this.zone = zone;
        this.rules = zone.getRules();
    }

    public ZoneId zone() {
        return zone;
    }

    /** The instant, or null when the text is not a valid timestamp. */
    public Instant parse(String text) {
        int n = text.length();
        if (n != 12 && n != 13) {
            return null;
        }
        for (int i = 0; i < 12; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.of(2000 + two(text, 0), two(text, 2), two(text, 4), two(text, 6), two(text, 8),
                    two(text, 10));
        } catch (DateTimeException e) {
            return null;
        }
        if (n == 12) {
            return ZonedDateTime.ofLocal(local, zone, null).toInstant();
        }
        char flag = text.charAt(12);
        if (flag != 'S' && flag != 'W' && flag != 's' && flag != 'w') {
            return null;
        }
        // the standard offset near that moment: zones change it rarely, a day's error cannot matter
        ZoneOffset standard = rules.getStandardOffset(local.toInstant(ZoneOffset.UTC));
        int seconds = standard.getTotalSeconds() + (flag == 'S' || flag == 's' ? 3600 : 0);
        return Instant.ofEpochSecond(local.toEpochSecond(ZoneOffset.UTC) - seconds);
    }

    private static int two(String s, int i) {
        return (s.charAt(i) - '0') * 10 + (s.charAt(i + 1) - '0');
    }
}
