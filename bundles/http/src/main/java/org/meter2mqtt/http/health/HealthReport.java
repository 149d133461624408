package org.meter2mqtt.http.health;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code GET /health}. The top-level keys the users' smart-meter service returns ({@code status},
 * {@code service}, {@code uptime_seconds}, {@code last_successful_fetch}, {@code total_fetches},
 * {@code failed_fetches}, {@code success_rate}) summed over all devices, then per device, output and driver.
 * A fetch is one reading (a channel value) received; a failed fetch is one device error (bad frame, timeout,
 * lost link): the core counts these two.
 */
public final class HealthReport {

    public static final String SERVICE = "meter2mqtt";

    private final ObjectMapper mapper;
    private final HealthRules rules;

    public HealthReport(ObjectMapper mapper, HealthRules rules) {
        this.mapper = mapper;
        this.rules = rules;
    }

    /** The report and the verdict it carries (the HTTP status comes from the verdict). */
    public record Result(HealthStatus status, ObjectNode json) {
    }

    public Result build(List<DeviceInfo> devices, List<OutputView> outputs, List<DriverDescription> drivers,
            String version, Duration uptime, Instant now) {
        Map<String, DeviceState> states = new LinkedHashMap<>();
        devices.forEach(d -> states.put(d.id(), d.state()));
        HealthRules.Verdict verdict = rules.evaluate(states, outputs, now);

        long total = 0;
        long failed = 0;
        Instant last = null;
        ArrayNode deviceArray = mapper.createArrayNode();
        for (DeviceInfo d : devices) {
            total += d.readingCount() + d.errorCount();
            failed += d.errorCount();
            if (d.lastReading() != null && (last == null || d.lastReading().isAfter(last))) {
                last = d.lastReading();
            }
            ObjectNode n = deviceArray.addObject();
            n.put("id", d.id());
            n.put("name", d.name());
            n.put("driver", d.driverId());
            n.put("driver_version", d.driverVersion());
            n.put("state", d.state().name());
            n.put("reason", d.reason());
            fetches(n, d.lastReading(), d.readingCount() + d.errorCount(), d.errorCount());
        }
        ObjectNode root = mapper.createObjectNode();
        root.put("status", verdict.status().json());
        root.put("service", SERVICE);
        root.put("version", version);
        root.put("uptime_seconds", uptime.toSeconds());
        fetches(root, last, total, failed);
        ArrayNode reasons = root.putArray("reasons");
        verdict.reasons().forEach(reasons::add);
        root.set("devices", deviceArray);
        ArrayNode outputArray = root.putArray("outputs");
        for (OutputView o : outputs) {
            ObjectNode n = outputArray.addObject();
            n.put("name", o.name());
            n.put("healthy", o.healthy());
            n.put("summary", o.summary());
            count(n, "published", o.published());
            count(n, "buffered", o.buffered());
            count(n, "dropped", o.dropped());
        }
        ArrayNode driverArray = root.putArray("drivers");
        for (DriverDescription dd : drivers) {
            driverArray.addObject().put("id", dd.id()).put("name", dd.name()).put("version", dd.version());
        }
        return new Result(verdict.status(), root);
    }

    private static void fetches(ObjectNode n, Instant last, long total, long failed) {
        n.put("last_successful_fetch", last == null ? null : last.toString());
        n.put("total_fetches", total);
        n.put("failed_fetches", failed);
        if (total == 0) {
            n.putNull("success_rate");
        } else {
            n.put("success_rate", Math.round((total - failed) * 10000.0 / total) / 10000.0);
        }
    }

    private static void count(ObjectNode n, String key, long value) {
        if (value < 0) {
            n.putNull(key); // the output does not count it
        } else {
            n.put(key, value);
        }
    }
}
