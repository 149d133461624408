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

    /** Per topic (a handful), per meter id: no key string to build for every message. */
    private final Map<String, Map<String, Times>> seen = new HashMap<>();
    private int keys;

    /** True the first time a (topic, id, time) is offered; a message without time is never a duplicate. */
    public boolean first(MeterMessage m) {
        if (m.time() == null) {
            return true;
        }
        Map<String, Times> byId = seen.computeIfAbsent(m.topic(), k -> new HashMap<>());
        Times t = byId.get(m.id());
        if (t == null) {
            if (keys >= MAX_KEYS) {
                seen.clear();
                keys = 0;
                byId = seen.computeIfAbsent(m.topic(), k -> new HashMap<>());
            }
            t = new Times();
            byId.put(m.id(), t);
            keys++;
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
