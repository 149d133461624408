package org.meter2mqtt.driver.kpm33b.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets a session that opens wait until the hub's link to the internal broker is connected, instead of sleeping
 * in a loop: whoever changes the link (started, replaced, closed) calls {@link #changed()}, which wakes the
 * waiters to look again. Deadlines are monotonic, so a wall-clock step (NTP at boot) neither stretches nor cuts
 * the wait.
 */
final class LinkGate {

    /** How often a waiter looks again at a link that cannot announce its connection (see InternalLink). */
    static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long generation;

    /** The link was started, replaced, connected or closed. */
    void changed() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a session is waiting for the link (for tests). */
    boolean hasWaiters() {
        lock.lock();
        try {
            return lock.hasWaiters(changed);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code link} gives a connected link, the gate is {@code closed}, or {@code timeoutMillis} pass.
     *
     * @return the link as it was last seen (may be null or unconnected after the timeout)
     */
    InternalLink await(Supplier<InternalLink> link, Supplier<Boolean> closed, long timeoutMillis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (true) {
                InternalLink l = link.get();
                if (closed.get() || (l != null && l.connected())) {
                    return l;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return l;
                }
                // a link that announces its connection wakes us; one that cannot is looked at again now and then
                changed.awaitNanos(l != null && l.announcesConnection() ? left : Math.min(left, RECHECK_NANOS));
            }
        } finally {
            lock.unlock();
        }
    }
}
