package org.meter2mqtt.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.Reading;

/**
 * The batches of the first minutes after the gateway started, kept for outputs that register late. Boot order is
 * not fixed: a device can take its first reading before the MQTT output's component is active, and without this
 * that reading reached no output at all. Each kind of output (by class) gets the replay once, at its first
 * registration; a component that is re-created later (a changed .cfg) does not get old readings again.
 *
 * <p>Bounded: past {@code max} batches the oldest are dropped (and counted). Not thread-safe: the device manager
 * holds its lock around every call, so no batch goes out between a replay and the live stream.
 */
final class BootReplay {

    record Batch(DeviceInfo info, List<Reading> readings) {
    }

    private final long windowNanos;
    private final int max;
    private final LongSupplier nanos;
    private final long start;
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    private final Set<String> replayedTo = new HashSet<>();
    private volatile boolean open = true;
    private long dropped;

    BootReplay(long windowNanos, int max, LongSupplier nanos) {
        this.windowNanos = windowNanos;
        this.max = max;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
    }

    /**
     * Cheap check for the hot path, without the lock: false once the window has closed for good. It stays true
     * after the window's time is up until a call under the lock ({@link #record}) has closed it, so that the kept
     * batches are let go: a check that turned false by the clock alone left up to {@code max} batches (about 8 MiB
     * of readings with 1000 meters) in the heap for the gateway's lifetime.
     */
    boolean open() {
        return open;
    }

    /** Under the lock: closes the window for good when its time is up, and lets the kept batches go. */
    private boolean stillOpen() {
        if (open && nanos.getAsLong() - start < windowNanos) {
            return true;
        }
        open = false;
        batches.clear();
        return false;
    }

    void record(DeviceInfo info, List<Reading> readings) {
        if (!stillOpen()) {
            return;
        }
        if (batches.size() >= max) {
            batches.pollFirst();
            dropped++;
        }
        batches.addLast(new Batch(info, readings));
    }

    /**
     * What an output registering now should be given: everything kept, if the window is open and no output of this
     * kind had it before; else nothing.
     */
    List<Batch> forNewOutput(String kind) {
        if (!stillOpen() || !replayedTo.add(kind)) {
            return List.of();
        }
        return new ArrayList<>(batches);
    }

    /** Batches kept for a late output now. */
    int kept() {
        return batches.size();
    }

    /** Batches that were dropped because the window held more than {@code max}. */
    long dropped() {
        return dropped;
    }
}
