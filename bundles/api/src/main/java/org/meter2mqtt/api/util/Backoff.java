package org.meter2mqtt.api.util;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, the one retry rule of the gateway (MQTT reconnects, device reopening, driver
 * links). The n-th consecutive failure waits {@code initial × 2^(n-1)}, capped at {@code max}; with jitter the
 * wait is drawn from {@code [delay × (1 - jitter), delay]}, so that many devices that failed together (a broker
 * restart) do not all retry in the same millisecond.
 *
 * <p>One instance per retry loop; not thread-safe (a retry loop runs on one thread at a time).
 */
public final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private final double jitter;
    private int failures;

    /** Backoff without jitter. */
    public Backoff(Duration initial, Duration max) {
        this(initial, max, 0);
    }

    /**
     * @param jitter share of the delay that may be taken off at random, 0 (none) to 1 (anything down to 0)
     */
    public Backoff(Duration initial, Duration max, double jitter) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + ", " + max);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within 0..1, got " + jitter);
        }
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.jitter = jitter;
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public Duration fail() {
        if (failures < Integer.MAX_VALUE) {
            failures++;
        }
        long delay = delayMillis(initialMillis, maxMillis, failures);
        if (jitter > 0) {
            long spread = (long) (delay * jitter);
            delay -= ThreadLocalRandom.current().nextLong(spread + 1);
        }
        return Duration.ofMillis(delay);
    }

    /** A success: the next failure waits {@code initial} again. */
    public void reset() {
        failures = 0;
    }

    /** Consecutive failures since the last {@link #reset()}. */
    public int failures() {
        return failures;
    }

    /** The delay without jitter after {@code failures} consecutive failures (0 for none). */
    public static long delayMillis(long initialMillis, long maxMillis, int failures) {
        if (failures <= 0) {
            return 0;
        }
        // never shift into the sign bit: the cap applies long before on any real setting
        int shift = Math.min(failures - 1, Long.numberOfLeadingZeros(Math.max(1, initialMillis)) - 2);
        long delay = initialMillis << Math.max(0, shift);
        return Math.min(maxMillis, delay);
    }
}
