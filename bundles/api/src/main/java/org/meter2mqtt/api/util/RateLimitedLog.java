package org.meter2mqtt.api.util;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * Logs a recurring condition (a meter that keeps sending garbage, a broker that stays away) at most once per
 * interval and per key at its level, and at DEBUG in between, so the log stays readable on a gateway with
 * thousands of meters. The next line logged at its level says how many were held back.
 *
 * <p>Thread-safe. Keys are kept until {@link #forget(String)}: use one per device or per cause, not per message.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    /** For tests: a clock in nanoseconds. */
    public RateLimitedLog(Logger log, Duration interval, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    public void warn(String key, String format, Object... args) {
        long held = permit(key);
        if (held < 0) {
            log.debug(format, args);
        } else {
            log.warn(format + note(held), withHeld(held, args));
        }
    }

    public void error(String key, String format, Object... args) {
        long held = permit(key);
        if (held < 0) {
            log.debug(format, args);
        } else {
            log.error(format + note(held), withHeld(held, args));
        }
    }

    public void info(String key, String format, Object... args) {
        long held = permit(key);
        if (held < 0) {
            log.debug(format, args);
        } else {
            log.info(format + note(held), withHeld(held, args));
        }
    }

    /** The condition is over (a device removed, a connection back): the next occurrence is logged at once. */
    public void forget(String key) {
        slots.remove(key);
    }

    /** How many lines of this key were held back since the last one logged at its level. */
    public long held(String key) {
        Slot s = slots.get(key);
        return s == null ? 0 : s.held.get();
    }

    /** -1 when the line is held back, else how many were held back before it. */
    private long permit(String key) {
        long now = nanoClock.getAsLong();
        Slot s = slots.computeIfAbsent(key, k -> new Slot(now - intervalNanos));
        long last = s.lastLogged.get();
        if (now - last >= intervalNanos && s.lastLogged.compareAndSet(last, now)) {
            return s.held.getAndSet(0);
        }
        s.held.incrementAndGet();
        return -1;
    }

    private static String note(long held) {
        return held > 0 ? " ({} similar lines held back since the last one)" : "";
    }

    private static Object[] withHeld(long held, Object[] args) {
        if (held <= 0) {
            return args;
        }
        Object[] out = new Object[args.length + 1];
        // slf4j takes a trailing Throwable as the exception: keep it last
        if (args.length > 0 && args[args.length - 1] instanceof Throwable) {
            System.arraycopy(args, 0, out, 0, args.length - 1);
            out[args.length - 1] = held;
            out[args.length] = args[args.length - 1];
        } else {
            System.arraycopy(args, 0, out, 0, args.length);
            out[args.length] = held;
        }
        return out;
    }

    private static final class Slot {
        final AtomicLong lastLogged;
        final AtomicLong held = new AtomicLong();

        Slot(long lastLogged) {
            this.lastLogged = new AtomicLong(lastLogged);
        }
    }
}
