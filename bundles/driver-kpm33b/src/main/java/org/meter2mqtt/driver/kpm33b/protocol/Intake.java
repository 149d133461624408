package org.meter2mqtt.driver.kpm33b.protocol;

import java.time.Instant;
import java.util.Set;

/**
 * Decides what happens to each parsed message, in this order: unreadable, excluded id, split packet still
 * incomplete, duplicate (topic, id, time), all zeros, implausible meter clock; what is left is accepted with
 * its meter time as an instant. Thread-safe (one lock; in practice one subscription thread calls it).
 */
public final class Intake {

    public enum Verdict {
        ACCEPTED, MALFORMED, EXCLUDED, INCOMPLETE, DUPLICATE, ZEROS, BAD_CLOCK
    }

    /** The verdict on one message, with the merged message, its instant (when accepted) and the reason. */
    public static final class Result {
        private final Verdict verdict;
        private final MeterMessage message;
        private final Instant time;
        private final String reason;

        Result(Verdict verdict, MeterMessage message, Instant time, String reason) {
            this.verdict = verdict;
            this.message = message;
            this.time = time;
            this.reason = reason;
        }

        public Verdict verdict() {
            return verdict;
        }

        /** The (merged) message; for INCOMPLETE the packet offered. */
        public MeterMessage message() {
            return message;
        }

        /** The meter's time as an instant, for ACCEPTED. */
        public Instant time() {
            return time;
        }

        /** Why it was not accepted (for MALFORMED and BAD_CLOCK a sentence for the log), or null. */
        public String reason() {
            return reason;
        }
    }

    private final PacketAssembler assembler = new PacketAssembler();
    private final Deduplicator dedup = new Deduplicator();
    private volatile Set<String> excluded;
    private volatile MeterClock clock;

    public Intake(Set<String> excluded, MeterClock clock) {
        this.excluded = Set.copyOf(excluded);
        this.clock = clock;
    }

    public void reconfigure(Set<String> newExcluded, MeterClock newClock) {
        this.excluded = Set.copyOf(newExcluded);
        this.clock = newClock;
    }

    public Result offer(MeterMessage packet, Instant now) {
        if (packet.error() != null) {
            return new Result(Verdict.MALFORMED, packet, null, packet.error());
        }
        if (excluded.contains(packet.id())) {
            return new Result(Verdict.EXCLUDED, packet, null, null);
        }
        MeterMessage m;
        synchronized (this) {
            m = assembler.offer(packet);
            if (m == null) {
                return new Result(Verdict.INCOMPLETE, packet, null, null);
            }
            if (!dedup.first(m)) {
                return new Result(Verdict.DUPLICATE, m, null, null);
            }
        }
        if (m.allZero()) {
            return new Result(Verdict.ZEROS, m, null, null);
        }
        MeterClock c = clock;
        Instant t = c.instant(m.time());
        if (!c.plausible(t, now)) {
            String why = "meter clock '" + m.time() + "' is " + (t == null ? "not a valid time"
                    : "implausible (gateway time " + now + ", tolerance " + c.tolerance().toMinutes() + " min)")
                    + "; message on " + m.topic() + " dropped (set the meter's clock)";
            return new Result(Verdict.BAD_CLOCK, m, null, why);
        }
        return new Result(Verdict.ACCEPTED, m, t, null);
    }

    /** Unfinished split readings dropped so far. */
    public long discardedPackets() {
        return assembler.discarded();
    }
}
