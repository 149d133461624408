package org.meter2mqtt.driver.kpm33b.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Drops repeated messages: real meters send the same message twice (same topic, id and time). Remembers the
 * last few times per topic and meter, which catches repeats that arrive out of order behind a newer message.
 * Not thread-safe: one instance per subscription callback thread.
 */
public final class Deduplicator {

    private static final int REMEMBERED = 4;
    /** More distinct (topic, meter) pairs than this is not a real installation: start over rather than grow. */
    private static final int MAX_KEYS = 200_000;

    private final Map<String, String[]> seen = new HashMap<>();
    private final Map<String, Integer> next = new HashMap<>();

    /** True the first time a (topic, id, time) is offered; a message without time is never a duplicate. */
    public boolean first(MeterMessage m) {
        if (m.time() == null) {
            return true;
        }
        String key = m.topic() + '\u0000' + m.id();
        String[] times = seen.get(key);
        if (times == null) {
            if (seen.size() >= MAX_KEYS) {
                seen.clear();
                next.clear();
            }
            times = new String[REMEMBERED];
            seen.put(key, times);
        }
        for (String t : times) {
            if (m.time().equals(t)) {
                return false;
            }
        }
        int i = next.getOrDefault(key, 0);
        times[i] = m.time();
        next.put(key, (i + 1) % REMEMBERED);
        return true;
    }
}
