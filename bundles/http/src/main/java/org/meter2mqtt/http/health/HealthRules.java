package org.meter2mqtt.http.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.DeviceState;

/**
 * The rules behind {@code status} in {@code /health} (documented in the module README):
 * <ul>
 * <li>{@code unhealthy} (HTTP 503): devices are configured (not counting DISABLED ones) and none delivers
 * readings (ONLINE or DEGRADED); or an output dropped readings within the last {@link #DROP_WINDOW}.</li>
 * <li>{@code degraded} (200): a device that is not disabled is not ONLINE; an output is not healthy
 * (reconnecting, misconfigured) or has readings buffered; or no device is configured at all.</li>
 * <li>{@code healthy} (200): otherwise.</li>
 * </ul>
 * Keeps the last dropped count per output, so "dropping" means "dropped recently", not "ever since start".
 * Thread-safe.
 */
public final class HealthRules {

    /** How long an output counts as dropping after its dropped count last grew. */
    public static final Duration DROP_WINDOW = Duration.ofMinutes(10);

    private final Map<String, long[]> drops = new HashMap<>(); // output -> {last count, epoch millis of growth}

    /** The verdict and, for anything but healthy, the reasons in words. */
    public record Verdict(HealthStatus status, List<String> reasons) {
    }

    public synchronized Verdict evaluate(Map<String, DeviceState> devices, List<OutputView> outputs, Instant now) {
        List<String> unhealthy = new ArrayList<>();
        List<String> degraded = new ArrayList<>();
        long considered = devices.values().stream().filter(s -> s != DeviceState.DISABLED).count();
        long delivering = devices.values().stream().filter(DeviceState::available).count();
        if (considered == 0) {
            degraded.add("no device is configured");
        } else if (delivering == 0) {
            unhealthy.add("no device delivers readings");
        }
        devices.forEach((id, state) -> {
            if (state != DeviceState.ONLINE && state != DeviceState.DISABLED) {
                degraded.add("device " + id + " is " + state);
            }
        });
        for (OutputView o : outputs) {
            if (droppingRecently(o, now)) {
                unhealthy.add("output " + o.name() + " dropped readings within the last " + DROP_WINDOW.toMinutes()
                        + " minutes (" + o.dropped() + " in total)");
            }
            if (!o.healthy()) {
                degraded.add("output " + o.name() + " is not delivering: " + o.summary());
            } else if (o.buffered() > 0) {
                degraded.add("output " + o.name() + " has " + o.buffered() + " batches buffered");
            }
        }
        if (!unhealthy.isEmpty()) {
            unhealthy.addAll(degraded);
            return new Verdict(HealthStatus.UNHEALTHY, unhealthy);
        }
        return degraded.isEmpty() ? new Verdict(HealthStatus.HEALTHY, List.of())
                : new Verdict(HealthStatus.DEGRADED, degraded);
    }

    private boolean droppingRecently(OutputView o, Instant now) {
        if (o.dropped() < 0) {
            return false;
        }
        long[] seen = drops.get(o.name());
        if (seen == null) {
            // the first look: drops before it count as recent, so a gateway that lost readings at start says so
            seen = new long[] {o.dropped(), o.dropped() > 0 ? now.toEpochMilli() : Long.MIN_VALUE};
            drops.put(o.name(), seen);
        } else if (o.dropped() > seen[0]) {
            seen[0] = o.dropped();
            seen[1] = now.toEpochMilli();
        } else {
            seen[0] = o.dropped(); // an output that restarted counts from 0 again
        }
        return seen[1] != Long.MIN_VALUE && now.toEpochMilli() - seen[1] < DROP_WINDOW.toMillis();
    }
}
