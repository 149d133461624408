package org.meter2mqtt.driver.kpm33b.protocol;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

/**
 * The meter's {@code time} field ({@code yyyyMMddHHmmss}, the meter's local clock) as an instant, and whether
 * it is believable: meter clocks are sometimes wrong by years ({@code 20050113170000} was seen), and such a
 * time must not become a reading's timestamp.
 */
public final class MeterClock {

    private final ZoneId zone;
    private final Duration tolerance;

    /**
     * @param zone the time zone the meters' clocks are set to
     * @param tolerance how far the meter's clock may be from the gateway's
     */
    public MeterClock(ZoneId zone, Duration tolerance) {
        this.zone = zone;
        this.tolerance = tolerance;
    }

    public Duration tolerance() {
        return tolerance;
    }

    /** The instant of a meter time, or null when it is not 14 digits of a valid date and time. */
    public Instant instant(String time) {
        if (time == null || time.length() != 14) {
            return null;
        }
        for (int i = 0; i < 14; i++) {
            char c = time.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        try {
            return LocalDateTime.of(num(time, 0, 4), num(time, 4, 6), num(time, 6, 8), num(time, 8, 10),
                    num(time, 10, 12), num(time, 12, 14)).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            return null; // month 13, hour 25...: not a time; the caller reports it
        }
    }

    /** True when the meter's instant is within the tolerance of the gateway's clock. */
    public boolean plausible(Instant meter, Instant now) {
        return meter != null && Duration.between(meter, now).abs().compareTo(tolerance) <= 0;
    }

    /** The meter time for a gateway instant, as meters print it (used by simulators and tests). */
    public String format(Instant t) {
        LocalDateTime l = LocalDateTime.ofInstant(t, zone);
        return String.format("%04d%02d%02d%02d%02d%02d", l.getYear(), l.getMonthValue(), l.getDayOfMonth(),
                l.getHour(), l.getMinute(), l.getSecond());
    }

    private static int num(String s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n = n * 10 + (s.charAt(i) - '0');
        }
        return n;
    }
}
