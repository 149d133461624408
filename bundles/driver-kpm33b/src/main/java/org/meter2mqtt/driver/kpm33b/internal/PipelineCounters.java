package org.meter2mqtt.driver.kpm33b.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the shared subscription did with the messages it received: one counter per outcome, so that a meter
 * whose data never shows up can be explained (dropped as a duplicate, a bad clock, no device...).
 */
final class PipelineCounters {

    final AtomicLong received = new AtomicLong();
    final AtomicLong dispatched = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong zeros = new AtomicLong();
    final AtomicLong excluded = new AtomicLong();
    final AtomicLong badClock = new AtomicLong();
    final AtomicLong withoutDevice = new AtomicLong();

    /** One line for logs, meter:show and the benchmark harness; {@code extra} is appended when not null. */
    String summary(String extra) {
        return "received " + received + ", dispatched " + dispatched + ", malformed " + malformed + ", duplicates "
                + duplicates + ", zeros " + zeros + ", excluded " + excluded + ", bad clock " + badClock
                + ", without device " + withoutDevice + (extra == null ? "" : ", " + extra);
    }
}
