package org.meter2mqtt.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@link Linger} on a made-up clock: turns at given rates, one batch each unless said. */
class LingerTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long WAIT = MS;
    private static final long WINDOW = 50 * MS;

    private final Linger linger = new Linger(WAIT, 4000, WINDOW);
    private long now = 123_456_789L;

    /** Turns of {@code batches} each, {@code every} nanoseconds apart, for {@code span}; the last turn's answer. */
    private long turns(int batches, long every, long span) {
        long answer = -1;
        for (long end = now + span; now < end; now += every) {
            answer = linger.after(batches, now);
        }
        return answer;
    }

    @Test
    void anOrdinaryRateNeverWaits() {
        // 2000 batches a second, one per turn: a large site's load
        long every = TimeUnit.SECONDS.toNanos(1) / 2000;
        for (int i = 0; i < 2000; i++) {
            assertEquals(0, linger.after(1, now), "turn " + i);
            now += every;
        }
        assertFalse(linger.on());
    }

    @Test
    void aHighRateWaitsOnceItsFirstWindowIsCounted() {
        // 8000 batches a second, one per turn: the first window is only counted
        long every = TimeUnit.SECONDS.toNanos(1) / 8000;
        assertEquals(0, linger.after(1, now));
        now += every;
        assertEquals(0, turns(1, every, WINDOW - 2 * every));
        assertEquals(WAIT, turns(1, every, 2 * every));
        assertTrue(linger.on());
        // while waiting, each turn takes what gathered: the same rate, in fewer and larger turns
        assertEquals(WAIT, turns(8, MS, 5 * WINDOW));
        // a turn that took nothing has nothing to gather for
        assertEquals(0, linger.after(0, now));
    }

    @Test
    void itStopsWaitingWhenTheRateFalls() {
        turns(8, MS, 2 * WINDOW);
        assertTrue(linger.on(), "8000/s");
        // 500 a second, one batch every 2 ms (each after the 1 ms wait): the next full window judges it low
        assertEquals(0, turns(1, 2 * MS, 2 * WINDOW + 4 * MS));
        assertFalse(linger.on());
    }

    @Test
    void aHighRateJustBeforeAnIdleGapDoesNotCarryOver() {
        turns(8, MS, 2 * WINDOW);
        assertTrue(linger.on());
        // one batch 40 s later: the window that ended with it spans the gap, so its rate is low
        now += TimeUnit.SECONDS.toNanos(40);
        assertEquals(0, linger.after(1, now));
        assertFalse(linger.on());
    }

    @Test
    void theRateIsJudgedAtItsThreshold() {
        // exactly 4000 a second over a window is high enough, a little less is not
        Linger l = new Linger(WAIT, 4000, WINDOW);
        long t = 0;
        l.after(0, t);
        l.after(200, t + WINDOW / 2);
        l.after(0, t + WINDOW);
        assertTrue(l.on(), "200 in 50 ms");
        l.after(199, t + WINDOW + 1);
        l.after(0, t + 2 * WINDOW);
        assertFalse(l.on(), "199 in 50 ms");
    }

    @Test
    void rejectsSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new Linger(-1, 4000, WINDOW));
        assertThrows(IllegalArgumentException.class, () -> new Linger(WAIT, 0, WINDOW));
        assertThrows(IllegalArgumentException.class, () -> new Linger(WAIT, 4000, 0));
    }
}
