package org.meter2mqtt.driver.kpm33b.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.meter2mqtt.driver.kpm33b.protocol.ConfigCommand;

/**
 * Configuration commands sent to meters and not answered yet, by oprid: a meter's reply (ack or error) reaches
 * the command that asked, once; a command given up on (its timeout, its session closed) takes no late reply.
 * The session decides what an ack, an error or silence means; this only correlates.
 */
final class PendingCommands {

    private static final class Pending {
        final Object owner;
        final Consumer<ConfigCommand.Reply> onReply;

        Pending(Object owner, Consumer<ConfigCommand.Reply> onReply) {
            this.owner = owner;
            this.onReply = onReply;
        }
    }

    private final Map<String, Pending> byOprid = new ConcurrentHashMap<>();

    /** A command with this oprid is about to be sent; its reply goes to {@code onReply}. */
    void expect(String oprid, Object owner, Consumer<ConfigCommand.Reply> onReply) {
        byOprid.put(oprid, new Pending(owner, onReply));
    }

    /**
     * Hands a reply to the command that asked for it.
     *
     * @return false when no pending command of this gateway has the reply's oprid (another gateway's, a late or
     *         a repeated reply)
     */
    boolean complete(ConfigCommand.Reply reply) {
        Pending p = byOprid.remove(reply.oprid());
        if (p == null) {
            return false;
        }
        p.onReply.accept(reply);
        return true;
    }

    /** The command was not sent, timed out or was replaced: a reply that comes now is ignored. */
    boolean forget(String oprid) {
        return byOprid.remove(oprid) != null;
    }

    /** Forgets every command of {@code owner} (a session that closes). */
    void forgetAll(Object owner) {
        byOprid.values().removeIf(p -> p.owner == owner);
    }

    int size() {
        return byOprid.size();
    }
}
