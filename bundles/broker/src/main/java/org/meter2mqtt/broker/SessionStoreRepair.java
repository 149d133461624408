package org.meter2mqtt.broker;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.StringDataType;

/**
 * Puts right, before the broker opens it, what Moquette 0.17 leaves in its session store: records an unclean stop
 * left unreadable, and records of clean sessions (see {@link CleanSessionRecords}).
 *
 * <p>Why: Moquette writes a persistent session's record at CONNECT without an expiry instant, and adds the instant
 * only when the broker stops normally. At start it refuses any record of a session with a queue that has none
 * ("Can't track for expiration a session without expiry instant") and the broker does not start at all. So a power
 * cut or kill -9 while any client with a persistent session was connected (Home Assistant, a Node-RED flow, the
 * pulse driver's MQTT input) left an embedded broker that never started again until its data folder was deleted.
 *
 * <p>What: every such record gets the instant a normal stop would have given it (now plus its expiry interval;
 * Moquette's default interval is practically infinite). Records are read and written in the layout of Moquette
 * 0.17's H2 session store (format byte 1, client id, expiry instant or -1, MQTT level, expiry interval); a record
 * in any other layout stops the repair and leaves the store as it is. Records of clean sessions (expiry interval 0)
 * are removed in the same pass: Moquette never reads them again.
 */
final class SessionStoreRepair {

    /** Moquette 0.17's store file in its data path, and its map of session records. */
    private static final String STORE_FILE = "moquette_store.h2";
    private static final String SESSIONS_MAP = "sessions_store";
    private static final byte FORMAT = 1;
    private static final long NO_INSTANT = -1;

    private SessionStoreRepair() {
    }

    /** One session record as Moquette 0.17 stores it. */
    record Stored(String clientId, long expiresAtMillis, byte mqttLevel, int expiryIntervalSeconds) {
    }

    /**
     * What a repair changed.
     *
     * @param expiryGiven client ids of the persistent sessions given an expiry instant
     * @param cleanRemoved how many records of clean sessions were removed
     */
    record Result(List<String> expiryGiven, int cleanRemoved) {
    }

    /**
     * Gives every persistent session's record without an expiry instant the one a normal stop would have given it,
     * and removes the records of clean sessions.
     *
     * @throws IllegalStateException when a record is in a layout other than Moquette 0.17's
     */
    static Result repair(Path dataDir, Clock clock) {
        Path file = dataDir.resolve(STORE_FILE);
        List<String> fixed = new ArrayList<>();
        int removed = 0;
        if (!Files.isRegularFile(file)) {
            return new Result(fixed, removed);
        }
        MVStore store = new MVStore.Builder().fileName(file.toAbsolutePath().toString()).autoCommitDisabled().open();
        try {
            if (!store.hasMap(SESSIONS_MAP)) {
                return new Result(fixed, removed);
            }
            MVMap<String, Stored> sessions = store.openMap(SESSIONS_MAP,
                    new MVMap.Builder<String, Stored>().valueType(new StoredType()));
            long now = clock.millis();
            for (Map.Entry<String, Stored> e : List.copyOf(sessions.entrySet())) {
                Stored s = e.getValue();
                if (s.expiryIntervalSeconds() == 0) {
                    sessions.remove(e.getKey());
                    removed++;
                } else if (s.expiresAtMillis() == NO_INSTANT) {
                    long at = now + s.expiryIntervalSeconds() * 1000L;
                    sessions.put(e.getKey(), new Stored(s.clientId(), at, s.mqttLevel(), s.expiryIntervalSeconds()));
                    fixed.add(s.clientId());
                }
            }
            if (!fixed.isEmpty() || removed > 0) {
                store.commit();
            }
            return new Result(fixed, removed);
        } finally {
            store.close();
        }
    }

    /** The value layout of Moquette 0.17's H2 session store. */
    private static final class StoredType extends BasicDataType<Stored> {

        @Override
        public int getMemory(Stored s) {
            return StringDataType.INSTANCE.getMemory(s.clientId()) + 8 + 1 + 4;
        }

        @Override
        public void write(WriteBuffer buff, Stored s) {
            buff.put(FORMAT);
            StringDataType.INSTANCE.write(buff, s.clientId());
            buff.putLong(s.expiresAtMillis());
            buff.put(s.mqttLevel());
            buff.putInt(s.expiryIntervalSeconds());
        }

        @Override
        public Stored read(ByteBuffer buff) {
            byte format = buff.get();
            if (format != FORMAT) {
                throw new IllegalStateException("session record in an unknown layout (" + format
                        + "): not Moquette 0.17's store");
            }
            return new Stored(StringDataType.INSTANCE.read(buff), buff.getLong(), buff.get(), buff.getInt());
        }

        @Override
        public Stored[] createStorage(int size) {
            return new Stored[size];
        }
    }
}
