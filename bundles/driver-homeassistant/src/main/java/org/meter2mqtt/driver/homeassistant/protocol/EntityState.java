package org.meter2mqtt.driver.homeassistant.protocol;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One Home Assistant state object as {@code GET /api/states} and the WebSocket API return it:
 * {@code {entity_id, state, last_changed, last_updated, attributes}}. {@code state} is always a string.
 */
public final class EntityState {

    /** State words that mean "no value": never turned into a number, never replaced by an old one. */
    public static final String UNAVAILABLE = "unavailable";
    public static final String UNKNOWN = "unknown";

    private final String entityId;
    private final String state;
    private final Instant lastUpdated;
    private final String unit;
    private final String deviceClass;
    private final String stateClass;
    private final String friendlyName;

    public EntityState(String entityId, String state, Instant lastUpdated, String unit, String deviceClass,
            String stateClass, String friendlyName) {
        this.entityId = Objects.requireNonNull(entityId, "entity_id");
        this.state = state == null ? "" : state;
        this.lastUpdated = lastUpdated;
        this.unit = blankToNull(unit);
        this.deviceClass = blankToNull(deviceClass);
        this.stateClass = blankToNull(stateClass);
        this.friendlyName = blankToNull(friendlyName);
    }

    /** Reads one state object; throws {@link IllegalArgumentException} when it has no entity_id. */
    public static EntityState fromJson(JsonNode n) {
        String id = text(n, "entity_id");
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("state object without entity_id: " + abbreviate(n.toString()));
        }
        JsonNode a = n.path("attributes");
        return new EntityState(id, text(n, "state"), time(text(n, "last_updated")), text(a, "unit_of_measurement"),
                text(a, "device_class"), text(a, "state_class"), text(a, "friendly_name"));
    }

    public String entityId() {
        return entityId;
    }

    /** {@code sensor} of {@code sensor.kitchen_power}. */
    public String domain() {
        int dot = entityId.indexOf('.');
        return dot < 0 ? "" : entityId.substring(0, dot);
    }

    /** {@code kitchen_power} of {@code sensor.kitchen_power}. */
    public String objectId() {
        int dot = entityId.indexOf('.');
        return dot < 0 ? entityId : entityId.substring(dot + 1);
    }

    public String state() {
        return state;
    }

    /** When HA last wrote the state or its attributes; null when missing or unreadable. */
    public Instant lastUpdated() {
        return lastUpdated;
    }

    public String unit() {
        return unit;
    }

    public String deviceClass() {
        return deviceClass;
    }

    public String stateClass() {
        return stateClass;
    }

    public String friendlyName() {
        return friendlyName;
    }

    /** The state as a number, or empty for {@code unavailable}, {@code unknown} and anything not numeric. */
    public Optional<BigDecimal> number() {
        try {
            return Optional.of(new BigDecimal(state.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return entityId + "=" + state + (unit == null ? "" : " " + unit) + " @" + lastUpdated;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant time(String iso) {
        if (iso == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
