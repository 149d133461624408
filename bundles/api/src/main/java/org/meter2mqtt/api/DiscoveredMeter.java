package org.meter2mqtt.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** A meter a driver has seen but no {@code .cfg} names (e.g. a KPM33B publishing on the internal broker). */
public final class DiscoveredMeter {

    private final String driverId;
    private final String suggestedId;
    private final Map<String, String> config;
    private final Instant lastSeen;

    public DiscoveredMeter(String driverId, String suggestedId, Map<String, String> config, Instant lastSeen) {
        this.driverId = Objects.requireNonNull(driverId);
        this.suggestedId = Objects.requireNonNull(suggestedId);
        this.config = Map.copyOf(config);
        this.lastSeen = lastSeen;
    }

    public String driverId() {
        return driverId;
    }

    /** A device id usable as the {@code .cfg} name. */
    public String suggestedId() {
        return suggestedId;
    }

    /** Keys that would make a {@code .cfg} for it (without {@code driver}), e.g. {@code meter.id}. */
    public Map<String, String> config() {
        return config;
    }

    public Instant lastSeen() {
        return lastSeen;
    }
}
