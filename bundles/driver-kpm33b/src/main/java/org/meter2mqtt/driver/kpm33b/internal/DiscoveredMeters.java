package org.meter2mqtt.driver.kpm33b.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.meter2mqtt.api.DiscoveredMeter;
import org.meter2mqtt.driver.kpm33b.protocol.MeterMessage;

/**
 * Meters that publish without a .cfg device: when each was last seen, for {@code meter:discovered}, and the
 * last message of one that has no session at all, handed to the session that opens for it so the message that
 * made the meter known is not lost.
 */
final class DiscoveredMeters {

    /** A message kept for the session that will take the meter. */
    static final class Kept {
        final MeterMessage message;
        final Instant time;

        Kept(MeterMessage message, Instant time) {
            this.message = message;
            this.time = time;
        }
    }

    private static final class Seen {
        volatile Instant lastSeen;
        volatile Kept kept;
        volatile boolean announced;
    }

    private final Map<String, Seen> byMeterId = new ConcurrentHashMap<>();

    /**
     * A message of a meter without a .cfg device.
     *
     * @param keep true when no session takes the meter's messages (keep this one for the session to come)
     * @return true the first time a meter without any session is seen: the moment to log it and, with
     *         autodiscover, to start it as a transient device
     */
    boolean seen(MeterMessage m, Instant time, Instant now, boolean keep) {
        Seen seen = byMeterId.computeIfAbsent(m.id(), id -> new Seen());
        seen.lastSeen = now;
        if (!keep) {
            return false;
        }
        seen.kept = new Kept(m.kept(), time);
        if (seen.announced) {
            return false;
        }
        seen.announced = true;
        return true;
    }

    /**
     * A session takes the meter: returns the kept message (once), or null. A .cfg device takes it for good (the
     * meter is no longer listed); an auto-discovered one leaves it listed.
     */
    Kept claim(String meterId, boolean forGood) {
        Seen seen = forGood ? byMeterId.remove(meterId) : byMeterId.get(meterId);
        if (seen == null) {
            return null;
        }
        Kept k = seen.kept;
        seen.kept = null;
        return k;
    }

    /** The meters to list, by suggested device id; {@code listed} decides per meter id (no .cfg device). */
    List<DiscoveredMeter> list(Predicate<String> listed) {
        List<DiscoveredMeter> out = new ArrayList<>();
        byMeterId.forEach((id, seen) -> {
            if (listed.test(id)) {
                out.add(new DiscoveredMeter(Kpm33bDriver.ID, deviceId(id), Map.of(Kpm33bDriver.KEY_METER_ID, id),
                        seen.lastSeen));
            }
        });
        out.sort(Comparator.comparing(DiscoveredMeter::suggestedId));
        return out;
    }

    /** The device id of an auto-discovered meter: its meter id, made safe for topics. */
    static String deviceId(String meterId) {
        return meterId.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
