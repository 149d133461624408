package org.meter2mqtt.broker;

import java.lang.reflect.Field;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a Moquette 0.17 session thread serving its clients after one of its commands threw. Moquette rethrows such
 * an exception out of the thread's loop, and the thread ends; its clients then get no answer. Moquette tells
 * interceptors about it on the dying thread itself, from the thread's uncaught-exception handler, so that handler
 * can take the thread's command queue and go on with it, on the same thread (Moquette runs a command inline when it
 * is routed from the session's own thread, so the thread must stay the same one).
 *
 * <p>The queue is a private field of Moquette's {@code SessionEventLoop}: read by reflection, checked at the first
 * use. When it cannot be read (another Moquette version) {@link #queueOf} says so and the broker restarts instead.
 * Seen in CI and reproduced: a client taking over its client id while its old connection still acknowledges a QoS 1
 * flow makes Moquette release a message twice ({@code IllegalReferenceCountException} in {@code pubAckReceived}).
 */
final class SessionThreadRescue {

    private static final Logger LOG = LoggerFactory.getLogger(SessionThreadRescue.class);
    private static final String LOOP_CLASS = "io.moquette.broker.SessionEventLoop";

    private SessionThreadRescue() {
    }

    /** The command queue of {@code t} if it is a Moquette session thread whose queue can be read, else null. */
    @SuppressWarnings("unchecked")
    static BlockingQueue<FutureTask<String>> queueOf(Thread t) {
        if (!t.getClass().getName().equals(LOOP_CLASS)) {
            return null;
        }
        try {
            Field f = t.getClass().getDeclaredField("sessionQueue");
            f.setAccessible(true);
            Object q = f.get(t);
            if (q instanceof BlockingQueue) {
                return (BlockingQueue<FutureTask<String>>) q;
            }
            LOG.warn("Cannot keep Moquette's {} serving (its command queue is a {}); the broker restarts instead",
                    t.getName(), q == null ? "null" : q.getClass().getName());
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("Cannot keep Moquette's {} serving (its command queue is not readable here: {}); the broker "
                    + "restarts instead", t.getName(), e.toString());
            return null;
        }
    }

    /**
     * Runs the queue's commands on this thread until it is interrupted (the broker stops), then the ones left, as
     * Moquette's loop does. A command that throws is reported to {@code failed} and the next one runs.
     */
    static void serve(BlockingQueue<FutureTask<String>> queue, Consumer<Throwable> failed) {
        while (!Thread.currentThread().isInterrupted()) {
            FutureTask<String> task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            run(task, failed);
        }
        FutureTask<String> left;
        while ((left = queue.poll()) != null) {
            run(left, failed);
        }
    }

    private static void run(FutureTask<String> task, Consumer<Throwable> failed) {
        if (task.isCancelled()) {
            return;
        }
        task.run();
        try {
            task.get();
        } catch (ExecutionException e) {
            failed.accept(e.getCause() != null ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed.accept(e);
        }
    }
}
