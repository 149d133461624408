package org.meter2mqtt.driver.kpm33b.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Merges split packets: COMPERE meters may send one reading as several packets with {@code "isend":"0"}; the
 * data counts only once the packet with {@code "isend":"1"} arrived. The KPM33B sends single packets, which
 * pass straight through. Not thread-safe: one instance per subscription callback thread.
 */
public final class PacketAssembler {

    /** A meter that never finishes its packets must not grow memory without bound. */
    private static final int MAX_TAGS = 512;

    private final Map<String, MeterMessage> pending = new HashMap<>();
    private long discarded;

    /**
     * @return the complete message, or null while more packets are expected
     */
    public MeterMessage offer(MeterMessage packet) {
        if (pending.isEmpty() && packet.last()) {
            return packet; // the usual single packet: nothing to merge, no key to build
        }
        String key = packet.topic() + '\u0000' + packet.id();
        MeterMessage earlier = pending.remove(key);
        if (earlier != null && packet.time() != null && earlier.time() != null
                && !packet.time().equals(earlier.time())) {
            // a new reading started before the last one finished: the unfinished one is incomplete, drop it
            discarded++;
            earlier = null;
        }
        MeterMessage m = earlier == null ? packet : earlier.merged(packet);
        if (m.last()) {
            return m;
        }
        if (m.size() > MAX_TAGS) {
            discarded++;
            return null;
        }
        pending.put(key, m.kept());
        return null;
    }

    /** Unfinished readings dropped because a newer one started (or they grew too large). */
    public long discarded() {
        return discarded;
    }

    public int pendingCount() {
        return pending.size();
    }
}
