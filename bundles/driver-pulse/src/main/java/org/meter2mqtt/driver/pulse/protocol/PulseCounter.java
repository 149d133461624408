package org.meter2mqtt.driver.pulse.protocol;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * The counter that matters: energy counted so far per kind (in Wh, so a later change of the pulse weight
 * does not revalue old pulses), and per source and kind the edge time of the last counted pulse. A pulse whose
 * time is not newer than that is a redelivery and is not counted again (the edge never emits two pulses of
 * one channel within 800 ms). Not thread-safe: one writer thread owns it.
 *
 * <p>State keys (what {@link #toState()} writes): {@code active.wh}, {@code reactive.wh}, {@code active.ts},
 * {@code reactive.ts} (last counted pulse of any source), {@code last.<kind>.<source>}.
 */
public final class PulseCounter {

    private static final String LAST = "last.";
    private final BigDecimal whPerPulse;
    private final BigDecimal[] wh = { BigDecimal.ZERO, BigDecimal.ZERO };
    private final long[] lastTs = { 0, 0 };
    private final Map<String, Long> lastBySource = new HashMap<>();
    private final long[] pending = { 0, 0 };
    private final java.util.Set<String> touched = new java.util.HashSet<>();

    public PulseCounter(BigDecimal whPerPulse) {
        if (whPerPulse.signum() <= 0) {
            throw new IllegalArgumentException("the energy of a pulse must be positive");
        }
        this.whPerPulse = whPerPulse;
    }

    /** Loads a saved state; unreadable values are an error, never a silent 0. */
    public static PulseCounter fromState(BigDecimal whPerPulse, Map<String, String> state) {
        PulseCounter c = new PulseCounter(whPerPulse);
        for (Kind k : Kind.values()) {
            String w = state.get(k.key() + ".wh");
            if (w != null) {
                c.wh[k.ordinal()] = new BigDecimal(w);
            }
            String t = state.get(k.key() + ".ts");
            if (t != null) {
                c.lastTs[k.ordinal()] = Long.parseLong(t);
            }
        }
        state.forEach((key, value) -> {
            if (key.startsWith(LAST)) {
                c.lastBySource.put(key.substring(LAST.length()), Long.parseLong(value));
            }
        });
        return c;
    }

    /** Counts the pulse unless it is a redelivery. @return true when it was counted */
    public boolean count(Pulse p) {
        String key = p.kind().key() + "." + p.source();
        Long last = lastBySource.get(key);
        if (last != null && p.tsMillis() <= last) {
            return false;
        }
        lastBySource.put(key, p.tsMillis());
        touched.add(key);
        pending[p.kind().ordinal()]++;
        lastTs[p.kind().ordinal()] = Math.max(lastTs[p.kind().ordinal()], p.tsMillis());
        return true;
    }

    /** The energy counted so far, Wh (active) or varh (reactive). */
    public BigDecimal wh(Kind k) {
        settle();
        return wh[k.ordinal()];
    }

    /** Edge time of the last counted pulse of this kind, 0 when none. */
    public long lastTs(Kind k) {
        return lastTs[k.ordinal()];
    }

    /** Everything to save: the state keys described above. */
    public Map<String, String> toState() {
        settle();
        Map<String, String> m = new HashMap<>();
        for (Kind k : Kind.values()) {
            m.put(k.key() + ".wh", wh[k.ordinal()].toPlainString());
            m.put(k.key() + ".ts", Long.toString(lastTs[k.ordinal()]));
        }
        lastBySource.forEach((key, ts) -> m.put(LAST + key, Long.toString(ts)));
        return m;
    }

    /**
     * What changed since the last call: the totals and the sources counted since. With a thousand sources on
     * one device, copying every key for every batch cost more than the write.
     */
    public Map<String, String> changes() {
        settle();
        Map<String, String> m = new HashMap<>();
        for (Kind k : Kind.values()) {
            m.put(k.key() + ".wh", wh[k.ordinal()].toPlainString());
            m.put(k.key() + ".ts", Long.toString(lastTs[k.ordinal()]));
        }
        for (String key : touched) {
            m.put(LAST + key, Long.toString(lastBySource.get(key)));
        }
        touched.clear();
        return m;
    }

    // BigDecimal sums once per batch instead of once per pulse
    private void settle() {
        for (int i = 0; i < 2; i++) {
            if (pending[i] > 0) {
                wh[i] = wh[i].add(whPerPulse.multiply(BigDecimal.valueOf(pending[i])));
                pending[i] = 0;
            }
        }
    }
}
