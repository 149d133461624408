package org.meter2mqtt.mqtt;

/**
 * Whether the publisher waits a moment before its next turn. At a high rate of batches a turn then takes several
 * at once: one wake-up of the publisher, one write to the disk buffer and one burst for Paho's sender, instead of
 * one of each per batch (on a 2-core machine every wake-up is a context switch the rest of the gateway waits for).
 * Below the rate it never waits, so the latency of ordinary loads stays as it was.
 *
 * <p>The rate is that of the batches the turns took, counted over fixed windows; since every turn takes all that
 * arrived, it is the arrival rate, also while waiting. Pure logic on the caller's nanosecond clock, so it is
 * tested without timing. Publisher thread only.
 */
final class Linger {

    private final long waitNanos;
    private final long windowNanos;
    private final long abovePerSecond;
    private boolean started;
    private long windowStart;
    private long taken;
    private boolean on;

    /**
     * @param waitNanos how long to wait before a turn while the rate is high
     * @param abovePerSecond the rate of batches from which on the publisher waits
     * @param windowNanos how long the rate is counted over before it is judged again
     */
    Linger(long waitNanos, long abovePerSecond, long windowNanos) {
        if (waitNanos < 0 || abovePerSecond <= 0 || windowNanos <= 0) {
            throw new IllegalArgumentException("wait >= 0, rate > 0 and window > 0 required");
        }
        this.waitNanos = waitNanos;
        this.windowNanos = windowNanos;
        this.abovePerSecond = abovePerSecond;
    }

    /**
     * After a turn that took {@code batches} at {@code now} (System.nanoTime()): how long to wait before the next
     * turn, 0 for not at all. A turn that took nothing never waits: there is nothing to gather.
     */
    long after(int batches, long now) {
        if (!started) {
            started = true;
            windowStart = now;
        } else if (now - windowStart >= windowNanos) {
            // a window that ended long ago (an idle gap) counts over its whole length, so it reads as the low rate
            // it was; capped so the product stays in range (such a window had no turn but its first)
            long elapsed = Math.min(now - windowStart, 1000 * windowNanos);
            on = taken > 0 && taken * 1_000_000_000L >= abovePerSecond * elapsed;
            windowStart = now;
            taken = 0;
        }
        taken += batches;
        return on && batches > 0 ? waitNanos : 0;
    }

    /** Whether the last window's rate was high enough to wait; for tests. */
    boolean on() {
        return on;
    }
}
