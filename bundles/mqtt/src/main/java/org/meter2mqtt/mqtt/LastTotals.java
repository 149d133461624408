package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.meter2mqtt.store.AtomicFiles;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The last published value of every total (monotonic channel), kept in {@code totals.json} so that a meter glitch
 * right after a gateway restart is still caught: Home Assistant would take a lower total for a meter reset. Written
 * at most every {@link #SAVE_INTERVAL_NANOS} and at stop; a crash loses at most that much, which only weakens the
 * check for the values published meanwhile.
 */
final class LastTotals {

    private static final Logger LOG = LoggerFactory.getLogger(LastTotals.class);
    /** A failing write is retried every loop turn: said once a minute, DEBUG in between. */
    private static final RateLimitedLog WRITE_FAILED = new RateLimitedLog(LOG, java.time.Duration.ofMinutes(1));
    static final long SAVE_INTERVAL_NANOS = 30_000_000_000L;

    private final Path file;
    private final Map<String, Map<String, BigDecimal>> byDevice = new TreeMap<>();
    private boolean dirty;
    private long savedAt = System.nanoTime();

    LastTotals(Path file) {
        this.file = file;
        if (!Files.exists(file)) {
            return;
        }
        try {
            JsonNode root = Payloads.mapper().readTree(file.toFile());
            root.fields().forEachRemaining(d -> {
                Map<String, BigDecimal> totals = of(d.getKey());
                d.getValue().fields().forEachRemaining(c -> totals.put(c.getKey(), new BigDecimal(c.getValue().asText())));
            });
        } catch (IOException | NumberFormatException e) {
            LOG.warn("Cannot read {} ({}); totals are checked against the values published from now on", file,
                    e.getMessage());
        }
    }

    /** The device's totals by channel, live: the caller updates it and then calls {@link #changed()}. */
    Map<String, BigDecimal> of(String device) {
        return byDevice.computeIfAbsent(device, k -> new HashMap<>());
    }

    void changed() {
        dirty = true;
    }

    void forget(String device) {
        dirty |= byDevice.remove(device) != null;
    }

    /** Writes the file if something changed and the interval passed, or now with {@code force}. */
    void save(boolean force) {
        long now = System.nanoTime();
        if (!dirty || !force && now - savedAt < SAVE_INTERVAL_NANOS) {
            return;
        }
        ObjectNode root = Payloads.mapper().createObjectNode();
        byDevice.forEach((d, totals) -> {
            if (!totals.isEmpty()) {
                ObjectNode o = root.putObject(d);
                totals.forEach((c, v) -> o.put(c, v.toPlainString()));
            }
        });
        savedAt = now;
        try {
            AtomicFiles.write(file, Payloads.mapper().writeValueAsBytes(root));
            dirty = false;
        } catch (IOException e) {
            WRITE_FAILED.warn(file.toString(), "Cannot write {} ({}); will retry", file, e.getMessage());
        }
    }
}
