package org.meter2mqtt.core;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler a session sees. Timing comes from the core's shared timer, but each task runs on the shared
 * worker pool, so a driver task that blocks never delays another device's timers. Periodic tasks skip a run
 * while the previous one is still going. Closing cancels everything the session scheduled.
 */
final class SessionScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private static final Logger LOG = LoggerFactory.getLogger(SessionScheduler.class);

    private final ScheduledExecutorService timer;
    private final Executor workers;
    private final String owner;
    private final Queue<Future<?>> futures = new ConcurrentLinkedQueue<>();
    private volatile boolean shutdown;

    SessionScheduler(ScheduledExecutorService timer, Executor workers, String owner) {
        this.timer = timer;
        this.workers = workers;
        this.owner = owner;
    }

    private void track(Future<?> f) {
        futures.removeIf(Future::isDone);
        futures.add(f);
        if (shutdown) {
            f.cancel(true);
        }
    }

    private Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException | LinkageError e) {
                LOG.error("Task of device {} failed", owner, e);
            }
        };
    }

    private void checkOpen() {
        if (shutdown) {
            throw new RejectedExecutionException("session of " + owner + " is closed");
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        checkOpen();
        FutureTask<Void> task = new FutureTask<>(guarded(command), null);
        ScheduledFuture<?> trigger = timer.schedule(() -> workers.execute(task), delay, unit);
        Handle<Void> h = new Handle<>(trigger, task);
        track(h);
        return h;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        checkOpen();
        FutureTask<V> task = new FutureTask<>(callable);
        ScheduledFuture<?> trigger = timer.schedule(() -> workers.execute(task), delay, unit);
        Handle<V> h = new Handle<>(trigger, task);
        track(h);
        return h;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return periodic(command, initialDelay, period, unit, true);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return periodic(command, initialDelay, delay, unit, false);
    }

    private ScheduledFuture<?> periodic(Runnable command, long initialDelay, long period, TimeUnit unit,
            boolean fixedRate) {
        checkOpen();
        AtomicBoolean running = new AtomicBoolean();
        Runnable body = guarded(command);
        Runnable fire = () -> {
            if (running.compareAndSet(false, true)) {
                workers.execute(() -> {
                    try {
                        body.run();
                    } finally {
                        running.set(false);
                    }
                });
            }
        };
        ScheduledFuture<?> trigger = fixedRate ? timer.scheduleAtFixedRate(fire, initialDelay, period, unit)
                : timer.scheduleWithFixedDelay(fire, initialDelay, period, unit);
        track(trigger);
        return trigger;
    }

    @Override
    public void execute(Runnable command) {
        checkOpen();
        FutureTask<Void> task = new FutureTask<>(guarded(command), null);
        track(task);
        workers.execute(task);
    }

    @Override
    public void shutdown() {
        shutdownNow();
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        Future<?> f;
        while ((f = futures.poll()) != null) {
            f.cancel(true);
        }
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && futures.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    /** A one-shot task: cancelling it cancels the trigger and interrupts the run. */
    private static final class Handle<V> implements ScheduledFuture<V> {
        private final ScheduledFuture<?> trigger;
        private final FutureTask<V> task;

        Handle(ScheduledFuture<?> trigger, FutureTask<V> task) {
            this.trigger = trigger;
            this.task = task;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return trigger.getDelay(unit);
        }

        @Override
        public int compareTo(Delayed o) {
            return trigger.compareTo(o);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            trigger.cancel(false);
            return task.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean isCancelled() {
            return task.isCancelled();
        }

        @Override
        public boolean isDone() {
            return task.isDone();
        }

        @Override
        public V get() throws InterruptedException, ExecutionException {
            return task.get();
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            return task.get(timeout, unit);
        }
    }
}
