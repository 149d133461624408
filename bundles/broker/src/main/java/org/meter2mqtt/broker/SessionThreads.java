package org.meter2mqtt.broker;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;

import io.moquette.broker.Server;

/**
 * Moquette 0.17's session threads, where it handles each client's packets one after the other. A task run here for a
 * client is ordered with that client's CONNECT, DISCONNECT and connection loss.
 */
interface SessionThreads {

    /**
     * Runs {@code task} on the session thread of {@code clientId}: after what is queued there, or at once when called
     * from that thread. False when it could not be queued (a full queue, a stopping broker).
     */
    boolean run(String clientId, String name, Runnable task);

    /** The session registry of {@code server}, reached by reflection (Moquette has no API for it). */
    static Object registry(Server server) throws ReflectiveOperationException {
        return field(Server.class, "sessions").get(server);
    }

    /** The session threads of {@code server}, reached by reflection. */
    static SessionThreads of(Server server) throws ReflectiveOperationException {
        Object registry = registry(server);
        Object loops = field(registry.getClass(), "loopsGroup").get(registry);
        Method routeCommand = loops.getClass().getDeclaredMethod("routeCommand", String.class, String.class,
                Callable.class);
        routeCommand.setAccessible(true);
        Method isSuccess = routeCommand.getReturnType().getDeclaredMethod("isSuccess");
        isSuccess.setAccessible(true);
        return (clientId, name, task) -> {
            Callable<String> command = () -> {
                task.run();
                return clientId;
            };
            try {
                return (Boolean) isSuccess.invoke(routeCommand.invoke(loops, clientId, name, command));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // the callers go on without the session thread; say why for whoever looks at DEBUG
                org.slf4j.LoggerFactory.getLogger(SessionThreads.class)
                        .debug("Embedded MQTT broker: '{}' for client {} not queued: {}", name, clientId, e.toString());
                return false;
            }
        };
    }

    static Field field(Class<?> owner, String name) throws NoSuchFieldException {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
