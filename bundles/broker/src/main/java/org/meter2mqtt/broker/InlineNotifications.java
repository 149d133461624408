package org.meter2mqtt.broker;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.moquette.broker.Server;
import io.moquette.interception.BrokerInterceptor;

/**
 * Has Moquette 0.17 call its interceptors (this broker's in-process listeners among them) on the thread that raises
 * the event, a session thread for a client's PUBLISH, instead of handing every event to its own interceptor thread.
 *
 * <p>Why: that hand-off was one queue, one wake-up and one sleep per meter message on top of Moquette's own hand-off
 * from Netty to the session thread (issue 17: at 2000 messages/s the wake-ups were a large part of the gateway's
 * CPU). What it changes: a client's messages still reach listeners in the order it sent them (Moquette runs all of
 * one client's commands on one session thread), and {@link EmbeddedBroker} still hands listeners one message at a
 * time; a listener now holds up that session thread's other clients while it runs, where before it held up only
 * the interceptor queue, which grew without bound.
 *
 * <p>Moquette has no setting for this: its interceptor keeps the executor in a private field, set here by reflection
 * right after the server started and before any interceptor is added. Another Moquette version without that field
 * keeps its interceptor thread ({@link #install} says so in one INFO line).
 */
final class InlineNotifications extends AbstractExecutorService {

    private static final Logger LOG = LoggerFactory.getLogger(InlineNotifications.class);

    private volatile boolean shutdown;

    private InlineNotifications() {
    }

    /** Replaces {@code server}'s interceptor thread; one INFO line when this Moquette has none to replace. */
    static void install(Server server) {
        try {
            Field interceptorField = Server.class.getDeclaredField("interceptor");
            interceptorField.setAccessible(true);
            Object interceptor = interceptorField.get(server);
            if (!(interceptor instanceof BrokerInterceptor)) {
                throw new IllegalStateException("no interceptor after start");
            }
            Field executorField = BrokerInterceptor.class.getDeclaredField("executor");
            executorField.setAccessible(true);
            Object before = executorField.get(interceptor);
            executorField.set(interceptor, new InlineNotifications());
            if (before instanceof ExecutorService) {
                // idle: no interceptor was added yet, so it has nothing queued
                ((ExecutorService) before).shutdown();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("Embedded MQTT broker: Moquette's interceptor thread stays ({}); in-process listeners get "
                    + "messages one hand-off later", e.toString());
        }
    }

    /**
     * Runs the notification now. A throwing interceptor is logged here, so that it cannot end a session thread
     * (Moquette's own executor would only have lost its worker).
     */
    @Override
    public void execute(Runnable notification) {
        try {
            notification.run();
        } catch (RuntimeException e) {
            LOG.error("Embedded MQTT broker: an interceptor failed", e);
        }
    }

    /** Notifications raised while the broker stops still run: each holds a message buffer that it releases. */
    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
