package org.meter2mqtt.driver.pulse.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Power from pulse intervals: {@code P[W] = 3600 * whPerPulse / dt_s} with {@code dt} between the edge times
 * of the last two pulses of one source. When no pulse has come for longer than that interval (measured on the
 * gateway's clock from the last arrival), the power can be at most {@code 3600 * whPerPulse / t_since_last},
 * and after {@code timeoutMs} it is 0: a stopped load must not keep its old power. With several sources
 * (every {@code dc_id} of an edge) the device's power is the sum of theirs. Not thread-safe.
 */
public final class PowerTracker {

    private static final class Source {
        boolean seen;
        long lastTs;
        long intervalMs;
        long arrivedMs;
    }

    private final double whPerPulse;
    private final long timeoutMs;
    private final Map<String, Source>[] sources;

    @SuppressWarnings("unchecked")
    public PowerTracker(double whPerPulse, long timeoutMs) {
        this.whPerPulse = whPerPulse;
        this.timeoutMs = timeoutMs;
        this.sources = new Map[] { new HashMap<>(), new HashMap<>() };
    }

    /** A counted pulse that arrived at {@code arrivedMs} (gateway clock). */
    public void pulse(Pulse p, long arrivedMs) {
        Source s = sources[p.kind().ordinal()].computeIfAbsent(p.source(), k -> new Source());
        if (s.seen && p.tsMillis() > s.lastTs) {
            s.intervalMs = p.tsMillis() - s.lastTs;
        }
        if (s.seen && p.tsMillis() <= s.lastTs) {
            return; // an older pulse says nothing about the present load
        }
        s.seen = true;
        s.lastTs = p.tsMillis();
        s.arrivedMs = arrivedMs;
    }

    /** The interval of the last two pulses of any source of this kind, ms; 0 when unknown. */
    public long shortestInterval(Kind k) {
        long min = 0;
        for (Source s : sources[k.ordinal()].values()) {
            if (s.intervalMs > 0 && (min == 0 || s.intervalMs < min)) {
                min = s.intervalMs;
            }
        }
        return min;
    }

    /** W (or var), at the gateway time {@code nowMs}; 0 when no interval is known yet. */
    public double power(Kind k, long nowMs) {
        double sum = 0;
        for (Source s : sources[k.ordinal()].values()) {
            if (s.intervalMs <= 0) {
                continue;
            }
            long since = nowMs - s.arrivedMs;
            if (since > timeoutMs) {
                continue;
            }
            long dt = Math.max(s.intervalMs, since);
            sum += 3_600_000.0 * whPerPulse / dt;
        }
        return sum;
    }
}
