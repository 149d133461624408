package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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

    private final Path file;
    private final Map<String, Set<String>> announced = new TreeMap<>();
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

    void forget(String device) {
        if (announced.remove(device) != null) {
            dirty = true;
        }
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
        ArrayNode r = root.putArray("removals");
        removals.forEach(r::add);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.write(tmp, Payloads.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            dirty = false;
        } catch (IOException e) {
            LOG.warn("Cannot write {} ({}); will retry", file, e.getMessage());
        }
    }
}
