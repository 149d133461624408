package org.meter2mqtt.simulators.homeassistant;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulated Home Assistant's state machine: entity id to state object
 * ({@code entity_id, state, attributes, last_changed, last_reported, last_updated, context}), as the REST and
 * WebSocket APIs document it. Entries of the loaded file may carry two extras that never reach clients:
 * {@code sim} (how the value moves over time) and {@code registry} ({@code platform}, {@code unique_id}: what
 * {@code config/entity_registry/list} lists).
 */
public final class EntityTable {

    /** Receives every change, with the old state (null for a new entity) and the new one (null when removed). */
    public interface Listener {
        void changed(String entityId, ObjectNode oldState, ObjectNode newState);
    }

    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter HA_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private final Map<String, ObjectNode> states = new LinkedHashMap<>();
    private final Map<String, JsonNode> motion = new LinkedHashMap<>();
    private final Map<String, JsonNode> registry = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long contextCounter;

    /** Loads an array of state objects (extras {@code sim} and {@code registry} allowed). */
    public synchronized void load(JsonNode array) {
        if (!array.isArray()) {
            throw new IllegalArgumentException("the entities file must hold a JSON array of state objects");
        }
        for (JsonNode n : array) {
            String id = n.path("entity_id").asText("");
            if (!id.contains(".")) {
                throw new IllegalArgumentException("entity without a valid entity_id: " + n);
            }
            if (n.has("sim")) {
                motion.put(id, n.get("sim"));
            }
            if (n.has("registry")) {
                registry.put(id, n.get("registry"));
            }
            set(id, n.path("state").asText("unknown"), (ObjectNode) n.path("attributes").deepCopy());
        }
    }

    /** A table with the built-in house loaded (the simulator's default entities). */
    EntityTable load0() {
        try (java.io.InputStream in = EntityTable.class.getResourceAsStream("entities.json")) {
            load(JSON.readTree(in));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /**
     * Sets a state as {@code POST /api/states/<entity_id>} does: {@code last_changed} moves only when the state
     * string changes, {@code last_updated} on every write. Null attributes keep the current ones.
     */
    public void set(String entityId, String state, ObjectNode attributes) {
        ObjectNode old;
        ObjectNode next;
        synchronized (this) {
            old = states.get(entityId);
            String now = OffsetDateTime.now(ZoneOffset.UTC).format(HA_TIME);
            next = JSON.createObjectNode();
            next.put("entity_id", entityId);
            next.put("state", state);
            next.set("attributes", attributes != null ? attributes
                    : old != null ? old.get("attributes").deepCopy() : JSON.createObjectNode());
            boolean sameState = old != null && old.path("state").asText().equals(state);
            next.put("last_changed", sameState ? old.path("last_changed").asText() : now);
            next.put("last_reported", now);
            next.put("last_updated", now);
            ObjectNode ctx = next.putObject("context");
            ctx.put("id", String.format("01SIM%021d", ++contextCounter));
            ctx.putNull("parent_id");
            ctx.putNull("user_id");
            states.put(entityId, next);
        }
        for (Listener l : listeners) {
            l.changed(entityId, old, next);
        }
    }

    public void remove(String entityId) {
        ObjectNode old;
        synchronized (this) {
            old = states.remove(entityId);
        }
        if (old != null) {
            for (Listener l : listeners) {
                l.changed(entityId, old, null);
            }
        }
    }

    public synchronized ObjectNode get(String entityId) {
        ObjectNode s = states.get(entityId);
        return s == null ? null : s.deepCopy();
    }

    public synchronized ArrayNode all() {
        ArrayNode a = JSON.createArrayNode();
        states.values().forEach(s -> a.add(s.deepCopy()));
        return a;
    }

    /** Entity registry entries, the fields {@code config/entity_registry/list} returns that clients use. */
    public synchronized ArrayNode registryEntries() {
        ArrayNode a = JSON.createArrayNode();
        for (String id : states.keySet()) {
            JsonNode r = registry.get(id);
            ObjectNode e = a.addObject();
            e.put("entity_id", id);
            e.put("platform", r == null ? id.substring(0, id.indexOf('.')) : r.path("platform").asText());
            if (r != null && r.has("unique_id")) {
                e.put("unique_id", r.path("unique_id").asText());
            } else {
                e.putNull("unique_id");
            }
            e.putNull("device_id");
            e.putNull("disabled_by");
            e.putNull("name");
        }
        return a;
    }

    /**
     * Moves every entity with a {@code sim} entry to its value at {@code seconds} since start:
     * {@code {"base": 500, "swing": 200, "period": 60}} is a sine around base,
     * {@code {"start": 3.2, "per_hour": 0.5}} a counter; {@code decimals} rounds. Entities whose state is
     * unavailable or unknown stay so.
     */
    public void tick(double seconds) {
        List<Object[]> updates = new ArrayList<>();
        synchronized (this) {
            Iterator<Map.Entry<String, JsonNode>> it = motion.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                ObjectNode cur = states.get(e.getKey());
                if (cur == null) {
                    continue;
                }
                String st = cur.path("state").asText();
                if (st.equals("unavailable") || st.equals("unknown")) {
                    continue;
                }
                JsonNode m = e.getValue();
                double v;
                if (m.has("per_hour")) {
                    v = m.path("start").asDouble() + m.path("per_hour").asDouble() * seconds / 3600.0;
                } else {
                    v = m.path("base").asDouble() + m.path("swing").asDouble()
                            * Math.sin(2 * Math.PI * seconds / Math.max(1, m.path("period").asDouble(60)));
                }
                int decimals = m.path("decimals").asInt(1);
                updates.add(new Object[] {e.getKey(), java.math.BigDecimal.valueOf(v)
                        .setScale(decimals, java.math.RoundingMode.HALF_UP).toPlainString()});
            }
        }
        for (Object[] u : updates) {
            set((String) u[0], (String) u[1], null);
        }
    }
}
