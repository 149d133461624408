package org.meter2mqtt.mqtt.discovery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The retained messages the output owes the broker (gateway and device statuses, discovery configs, infos, layout
 * statuses, removals), one per topic: a newer payload for a topic replaces the queued one and keeps its place, so
 * the broker ends with the latest and nothing stale is sent. Retained messages are never buffered on disk: after
 * every connect {@link #fullSync} rebuilds them from memory (the broker may be a new one), and they go out before
 * any reading. Pure: no Paho, no files; the publisher thread sends what {@link #poll} gives and tells the discovery
 * store about acknowledged removals. Table tests in {@code RetainedOutboxTest}.
 */
public final class RetainedOutbox {

    public static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] EMPTY = new byte[0];

    /**
     * One message to send.
     *
     * @param removal an owed removal (empty, retained): the discovery store forgets it once acknowledged
     */
    public record Message(String topic, byte[] payload, int qos, boolean retain, boolean removal) {
    }

    /**
     * What a full sync needs of one device.
     *
     * @param configs its discovery configs (topic to payload), empty while discovery is off
     * @param info its info payload, or null while none was made
     * @param online its availability, or null while unknown
     * @param layoutStatusTopics status topics of its compatibility layouts (kamstrup2mqtt), told the same
     */
    public record Device(Map<String, byte[]> configs, String infoTopic, byte[] info, String statusTopic,
            Boolean online, List<String> layoutStatusTopics) {
    }

    private final LinkedHashMap<String, Message> out = new LinkedHashMap<>();

    /** A retained QoS 1 message (a config, an info). */
    public void put(String topic, byte[] payload) {
        put(topic, payload, 1, true);
    }

    /** A message rebuilt from memory, e.g. a device's last state after Home Assistant came back. */
    public void put(String topic, byte[] payload, int qos, boolean retain) {
        out.put(topic, new Message(topic, payload, qos, retain, false));
    }

    /** online/offline, retained. */
    public void status(String topic, boolean online) {
        put(topic, online ? ONLINE : OFFLINE);
    }

    /** Empties a retained topic (no record kept: e.g. a removed device's status). */
    public void clear(String topic) {
        put(topic, EMPTY);
    }

    /** An empty retained payload that must reach the broker even across a restart (the store records it). */
    public void owe(String topic) {
        out.put(topic, new Message(topic, EMPTY, 1, true, true));
    }

    /**
     * Everything retained, rebuilt from memory, after every connect: the gateway's status, its config and every
     * device's configs (when {@code gatewayConfig} is given: discovery on), then per device its info, status and
     * layout statuses; last the owed removals (owed even with discovery off: turning it off is one reason they are
     * owed), except where the topic is in use again (moved away and back before the removal went out).
     *
     * @param gatewayConfig the gateway's discovery config, or null when discovery is off
     * @param owedRemovals what the store says is owed
     * @return the owed removals that are moot (the topic is in use again): the store can forget them
     */
    public Set<String> fullSync(String gatewayStatus, String gatewayConfigTopic, byte[] gatewayConfig,
            Collection<Device> devices, Collection<String> owedRemovals) {
        out.clear();
        status(gatewayStatus, true);
        if (gatewayConfig != null) {
            put(gatewayConfigTopic, gatewayConfig);
            for (Device d : devices) {
                d.configs().forEach(this::put);
            }
        }
        for (Device d : devices) {
            if (d.info() != null) {
                put(d.infoTopic(), d.info());
            }
            if (d.online() != null) {
                status(d.statusTopic(), d.online());
                for (String t : d.layoutStatusTopics()) {
                    status(t, d.online());
                }
            }
        }
        Set<String> moot = new LinkedHashSet<>();
        for (String t : List.copyOf(owedRemovals)) {
            if (out.containsKey(t)) {
                moot.add(t);
            } else {
                owe(t);
            }
        }
        return moot;
    }

    public boolean isEmpty() {
        return out.isEmpty();
    }

    /** The next message to send, removed from the outbox; null when empty. */
    public Message poll() {
        Iterator<Message> it = out.values().iterator();
        if (!it.hasNext()) {
            return null;
        }
        Message m = it.next();
        it.remove();
        return m;
    }

    /** Forgets everything queued (the connection is gone: the next connect syncs anew). */
    public void clear() {
        out.clear();
    }

    /** What is queued, in order; for tests and logs. */
    public List<Message> queued() {
        return new ArrayList<>(out.values());
    }
}
