package org.meter2mqtt.core;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs one device's driver calls one after another on the shared worker pool, so a device never sees two
 * calls at once, and a slow device holds one pool thread, not a lane of its own. A lane whose task hangs is
 * abandoned by the device (it gets a new lane); the hung thread is interrupted and left to the driver.
 */
final class Lane {

    private final Executor pool;
    private final Queue<Task> queue = new ArrayDeque<>();
    private boolean running;
    private volatile Task current;
    private volatile Thread currentThread;
    private volatile boolean abandoned;

    private static final class Task {
        final String what;
        final Runnable body;
        final long deadlineMillis;
        volatile long startedNanos;

        Task(String what, Runnable body, long deadlineMillis) {
            this.what = what;
            this.body = body;
            this.deadlineMillis = deadlineMillis;
        }
    }

    Lane(Executor pool) {
        this.pool = pool;
    }

    /** Queues a task that may run at most {@code deadlineMillis} before the watchdog calls it hung. */
    void submit(String what, long deadlineMillis, Runnable body) {
        synchronized (queue) {
            if (abandoned) {
                return;
            }
            queue.add(new Task(what, body, deadlineMillis));
            if (!running) {
                running = true;
                try {
                    pool.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    // the manager is closing: nothing runs any more
                    running = false;
                    abandoned = true;
                    queue.clear();
                }
            }
        }
    }

    private void drain() {
        while (true) {
            Task next;
            synchronized (queue) {
                next = abandoned ? null : queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.startedNanos = System.nanoTime();
            currentThread = Thread.currentThread();
            current = next;
            try {
                next.body.run();
            } finally {
                current = null;
                currentThread = null;
                // a task that was interrupted by the watchdog must not leave the flag set for the next one
                Thread.interrupted();
            }
        }
    }

    /** The description of the task running past its deadline, or null. */
    String overdue() {
        Task t = current;
        if (t == null || t.deadlineMillis <= 0) {
            return null;
        }
        long ranMillis = (System.nanoTime() - t.startedNanos) / 1_000_000;
        return ranMillis > t.deadlineMillis ? t.what + " did not return within " + (t.deadlineMillis / 1000) + " s"
                : null;
    }

    /** Drops queued tasks and interrupts the running one; the lane accepts nothing more. */
    void abandon() {
        synchronized (queue) {
            abandoned = true;
            queue.clear();
        }
        Thread t = currentThread;
        if (t != null) {
            t.interrupt();
        }
    }

    boolean busy() {
        synchronized (queue) {
            return running;
        }
    }
}
