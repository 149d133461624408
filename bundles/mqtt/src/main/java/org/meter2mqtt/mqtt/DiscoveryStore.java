package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.meter2mqtt.store.AtomicFiles;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Which discovery config topics were announced per device, and which removals (empty retained payloads)
 * are still owed to the broker. Kept in {@code discovery.json} so a channel that disappears across a restart
 * is still removed from Home Assistant. Written atomically (temp file, fsync, rename).
 */
final class DiscoveryStore {

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryStore.class);
    /** A failing write is retried every loop turn: said once a minute, DEBUG in between. */
    private static final RateLimitedLog WRITE_FAILED = new RateLimitedLog(LOG, java.time.Duration.ofMinutes(1));

    private final Path file;
    private final Map<String, Set<String>> announced = new TreeMap<>();
    // The retained status topic per device, so a device gone while the gateway was stopped can be cleared too.
    private final Map<String, String> statuses = new TreeMap<>();
    private final Set<String> removals = new LinkedHashSet<>();
    private boolean dirty;

    DiscoveryStore(Path file) {
        this.file = file;
        load();
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            JsonNode root = Payloads.mapper().readTree(file.toFile());
            root.path("devices").fields().forEachRemaining(e -> {
                Set<String> topics = new LinkedHashSet<>();
                e.getValue().forEach(t -> topics.add(t.asText()));
                announced.put(e.getKey(), topics);
            });
            root.path("statuses").fields().forEachRemaining(e -> statuses.put(e.getKey(), e.getValue().asText()));
            root.path("removals").forEach(t -> removals.add(t.asText()));
        } catch (IOException e) {
            // Losing this file only means a stale HA entity may stay; readings are unaffected.
            LOG.warn("Cannot read {} ({}); channels removed while the gateway was down may stay in Home Assistant",
                    file, e.getMessage());
        }
    }

    Set<String> announced(String device) {
        return announced.getOrDefault(device, Set.of());
    }

    Map<String, Set<String>> allAnnounced() {
        return announced;
    }

    void announce(String device, Set<String> topics) {
        Set<String> copy = new LinkedHashSet<>(topics);
        if (!copy.equals(announced.get(device))) {
            announced.put(device, copy);
            dirty = true;
        }
        if (removals.removeAll(copy)) {
            dirty = true;
        }
    }

    /** Every device this store knows of, from this run or an earlier one. */
    Set<String> devices() {
        Set<String> all = new LinkedHashSet<>(announced.keySet());
        all.addAll(statuses.keySet());
        return all;
    }

    String status(String device) {
        return statuses.get(device);
    }

    /** Records the device's status topic; a removal owed to it from an earlier life of the device is void. */
    void status(String device, String topic) {
        dirty |= !topic.equals(statuses.put(device, topic));
        dirty |= removals.remove(topic);
    }

    void forget(String device) {
        dirty |= announced.remove(device) != null;
        dirty |= statuses.remove(device) != null;
    }

    /** Forgets the discovery topics of every device (discovery turned off or moved); statuses stay. */
    void forgetAnnounced() {
        dirty |= !announced.isEmpty();
        announced.clear();
    }

    Set<String> removals() {
        return removals;
    }

    void removalOwed(String topic) {
        dirty |= removals.add(topic);
    }

    void removalDone(String topic) {
        dirty |= removals.remove(topic);
    }

    /** Writes the file if something changed. */
    void save() {
        if (!dirty) {
            return;
        }
        ObjectNode root = Payloads.mapper().createObjectNode();
        ObjectNode devices = root.putObject("devices");
        announced.forEach((d, topics) -> {
            ArrayNode a = devices.putArray(d);
            topics.forEach(a::add);
        });
        ObjectNode st = root.putObject("statuses");
        statuses.forEach(st::put);
        ArrayNode r = root.putArray("removals");
        removals.forEach(r::add);
        try {
            AtomicFiles.write(file, Payloads.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            dirty = false;
        } catch (IOException e) {
            WRITE_FAILED.warn(file.toString(), "Cannot write {} ({}); will retry", file, e.getMessage());
        }
    }
}
