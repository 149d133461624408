package org.meter2mqtt.broker;

import java.lang.reflect.Method;
import java.time.Clock;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.moquette.broker.ISessionsRepository;
import io.moquette.broker.Server;
import io.moquette.interception.AbstractInterceptHandler;
import io.moquette.interception.messages.InterceptConnectionLostMessage;
import io.moquette.interception.messages.InterceptDisconnectMessage;
import io.netty.handler.codec.mqtt.MqttVersion;

/**
 * Deletes the stored session record of a clean-session client once it has gone.
 *
 * <p>Why: Moquette 0.17 drops a clean session from its pool when the client disconnects, but never deletes the
 * session's record from its session store (0.18 does). The records are never read again (after a restart only
 * sessions with a persistent queue are brought back), yet the H2 store keeps them on disk and loads them at every
 * start: one per client id the broker ever saw. Meters reconnect with fixed ids, but every {@code mosquitto_sub}
 * without {@code -i} gets a new id from the broker, so a gateway that is looked at often grew without end (4 008
 * records in one bench data folder).
 *
 * <p>How: when a client disconnects or loses its connection, and the broker has no session for its id any more
 * (a persistent session stays in the pool until it expires), its record goes. The check and the delete run as a
 * command on the client's session thread, where Moquette also handles that id's CONNECT, so a client that comes
 * back at that moment keeps its new record. Records that earlier runs left are removed before the broker opens its
 * store ({@link SessionStoreRepair}).
 *
 * <p>Moquette has no hook for this: the session registry, its store and its thread group are reached by reflection
 * right after the server starts. Another Moquette version without those members keeps its records ({@link #install}
 * says so in one INFO line).
 */
final class CleanSessionRecords extends AbstractInterceptHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CleanSessionRecords.class);
    private static final Clock CLOCK = Clock.systemUTC();

    private final ISessionsRepository store;
    private final Object registry;
    private final Method retrieve;
    private final SessionThreads threads;

    private CleanSessionRecords(ISessionsRepository store, Object registry, Method retrieve, SessionThreads threads) {
        this.store = store;
        this.registry = registry;
        this.retrieve = retrieve;
        this.threads = threads;
    }

    /**
     * Adds the handler to {@code server}. Returns null, with one INFO line, when this Moquette does not have the
     * members used.
     */
    static CleanSessionRecords install(Server server) {
        CleanSessionRecords records;
        try {
            Object registry = SessionThreads.registry(server);
            Class<?> registryClass = registry.getClass();
            ISessionsRepository store = (ISessionsRepository) SessionThreads.field(registryClass, "sessionsRepository")
                    .get(registry);
            Method retrieve = registryClass.getDeclaredMethod("retrieve", String.class);
            retrieve.setAccessible(true);
            records = new CleanSessionRecords(store, registry, retrieve, SessionThreads.of(server));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("Embedded MQTT broker: stored records of clean sessions stay after their clients have gone ({})",
                    e.toString());
            return null;
        }
        server.addInterceptHandler(records);
        return records;
    }

    @Override
    public String getID() {
        return "meter2mqtt-clean-session-records";
    }

    @Override
    public Class<?>[] getInterceptedMessageTypes() {
        return new Class<?>[] { InterceptDisconnectMessage.class, InterceptConnectionLostMessage.class };
    }

    @Override
    public void onDisconnect(InterceptDisconnectMessage msg) {
        forgetWhenGone(msg.getClientID());
    }

    @Override
    public void onConnectionLost(InterceptConnectionLostMessage msg) {
        forgetWhenGone(msg.getClientID());
    }

    @Override
    public void onSessionLoopError(Throwable error) {
        // not asked for (see getInterceptedMessageTypes)
    }

    /** The client ids of the records the broker holds now, sorted; for tests. */
    List<String> stored() {
        return store.list().stream().map(ISessionsRepository.SessionData::clientId).sorted().toList();
    }

    /** Runs on the id's session thread: right there when called from it, else queued to it. */
    private void forgetWhenGone(String clientId) {
        if (clientId == null || clientId.isEmpty()) {
            return;
        }
        Runnable check = () -> {
            // never throws: an exception here would end the session thread (Moquette's executeTask rethrows)
            try {
                if (retrieve.invoke(registry, clientId) == null) {
                    // the store deletes by id; the other fields are not read
                    store.delete(new ISessionsRepository.SessionData(clientId, MqttVersion.MQTT_3_1_1, 0, CLOCK));
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("Embedded MQTT broker: could not remove the stored record of client '{}': {}", clientId,
                        e.toString());
            }
        };
        if (!threads.run(clientId, "forget clean session record", check)) {
            // a full command queue or a stopping broker: the next start removes the record
            LOG.debug("Embedded MQTT broker: record of {} kept for now", clientId);
        }
    }
}
