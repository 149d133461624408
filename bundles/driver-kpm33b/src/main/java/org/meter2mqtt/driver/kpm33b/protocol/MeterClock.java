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
    private final long toleranceSeconds;
    private final int toleranceNanos;
    /**
     * The last time read: a thousand meters that send at the same second print the same time, so most messages find
     * their instant here instead of building a date, a time and a zoned date for it.
     */
    private volatile Known last;

    private static final class Known {
        final String time;
        final Instant instant;

        Known(String time, Instant instant) {
            this.time = time;
            this.instant = instant;
        }
    }

    /**
     * @param zone the time zone the meters' clocks are set to
     * @param tolerance how far the meter's clock may be from the gateway's
     */
    public MeterClock(ZoneId zone, Duration tolerance) {
        this.zone = zone;
        this.tolerance = tolerance;
        this.toleranceSeconds = tolerance.getSeconds();
        this.toleranceNanos = tolerance.getNano();
    }

    public Duration tolerance() {
        return tolerance;
    }

    /** The instant of a meter time, or null when it is not 14 digits of a valid date and time. */
    public Instant instant(String time) {
        if (time == null || time.length() != 14) {
            return null;
        }
        Known k = last;
        if (k != null && k.time.equals(time)) {
            return k.instant;
        }
        for (int i = 0; i < 14; i++) {
            char c = time.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        try {
            Instant t = LocalDateTime.of(num(time, 0, 4), num(time, 4, 6), num(time, 6, 8), num(time, 8, 10),
                    num(time, 10, 12), num(time, 12, 14)).atZone(zone).toInstant();
            last = new Known(time, t);
            return t;
        } catch (DateTimeException e) {
            return null; // month 13, hour 25...: not a time; the caller reports it
        }
    }

    /** True when the meter's instant is within the tolerance of the gateway's clock. */
    public boolean plausible(Instant meter, Instant now) {
        if (meter == null) {
            return false;
        }
        // |meter - now| as seconds and nanoseconds, without a Duration per message
        long seconds = meter.getEpochSecond() - now.getEpochSecond();
        int nanos = meter.getNano() - now.getNano();
        if (nanos < 0) {
            seconds--;
            nanos += 1_000_000_000;
        }
        if (seconds < 0) {
            seconds = nanos == 0 ? -seconds : -seconds - 1;
            nanos = nanos == 0 ? 0 : 1_000_000_000 - nanos;
        }
        return seconds < toleranceSeconds || seconds == toleranceSeconds && nanos <= toleranceNanos;
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
