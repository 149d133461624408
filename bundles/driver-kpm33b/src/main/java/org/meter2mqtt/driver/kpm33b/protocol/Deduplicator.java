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

    /** The last times of one (topic, meter), a ring. */
    private static final class Times {
        final String[] times = new String[REMEMBERED];
        int next;
    }

    private final Map<String, Times> seen = new HashMap<>();

    /** True the first time a (topic, id, time) is offered; a message without time is never a duplicate. */
    public boolean first(MeterMessage m) {
        if (m.time() == null) {
            return true;
        }
        String key = m.topic() + '\u0000' + m.id();
        Times t = seen.get(key);
        if (t == null) {
            if (seen.size() >= MAX_KEYS) {
                seen.clear();
            }
            t = new Times();
            seen.put(key, t);
        }
        for (String time : t.times) {
            if (m.time().equals(time)) {
                return false;
            }
        }
        t.times[t.next] = m.time();
        t.next = (t.next + 1) % REMEMBERED;
        return true;
    }
}
