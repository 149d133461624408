package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** JSON payloads: the state object and Home Assistant discovery configs. */
public final class Payloads {

    /** Shown in HA's logs as the publishing software. */
    static final String ORIGIN_NAME = "meter2mqtt";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

    private final Topics topics;
    private final String gatewayVersion;
    private final boolean jsonState;

    public Payloads(Topics topics, String gatewayVersion) {
        this(topics, gatewayVersion, false);
    }

    /** @param jsonState entities read the device's state JSON with a value_template (state.layout = json) */
    public Payloads(Topics topics, String gatewayVersion, boolean jsonState) {
        this.topics = topics;
        this.gatewayVersion = gatewayVersion;
        this.jsonState = jsonState;
    }

    static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code {"timestamp":"<ISO-8601 UTC>","<channel>":value,...}}, numbers as plain decimals. */
    public static byte[] state(Batch b) {
        return state(b, b.timestamp().toString());
    }

    /** As {@link #state(Batch)}, with the timestamp already formatted (many batches share one). */
    static byte[] state(Batch b, String timestamp) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(128);
                JsonGenerator g = FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("timestamp", timestamp);
            for (int vi = 0; vi < b.size(); vi++) {
                if (b.number(vi) != null) {
                    // The plain decimal the value topic carries (same text as WRITE_BIGDECIMAL_AS_PLAIN).
                    g.writeFieldName(b.channel(vi));
                    g.writeNumber(b.formatted(vi));
                } else {
                    g.writeStringField(b.channel(vi), b.text(vi));
                }
            }
            g.writeEndObject();
            g.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
    }

    /** Discovery config of one sensor; ordered maps so the JSON is stable and readable. */
    public byte[] sensorConfig(DeviceInfo d, Channel c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("unique_id", topics.uniqueId(d.id(), c.id()));
        // Home Assistant 2025.10 deprecated object_id for this; it sets the entity id a new entity gets
        m.put("default_entity_id", defaultEntityId(topics.uniqueId(d.id(), c.id())));
        if (jsonState) {
            m.put("state_topic", topics.state(d.driverId(), d.id()));
            m.put("value_template", valueTemplate(c.id()));
        } else {
            m.put("state_topic", topics.value(d.driverId(), d.id(), c.id()));
        }
        if (!c.text()) {
            putIfSet(m, "unit_of_measurement", c.unit());
            putIfSet(m, "device_class", c.deviceClass());
            putIfSet(m, "state_class", c.stateClass().haName());
            putIfSet(m, "suggested_display_precision", c.precision());
        }
        putIfSet(m, "icon", c.icon());
        if (c.diagnostic()) {
            m.put("entity_category", "diagnostic");
        }
        List<Map<String, Object>> availability = new ArrayList<>();
        availability.add(Map.of("topic", topics.gatewayStatus()));
        availability.add(Map.of("topic", topics.deviceStatus(d.driverId(), d.id())));
        m.put("availability", availability);
        m.put("availability_mode", "all");
        m.put("payload_available", "online");
        m.put("payload_not_available", "offline");
        m.put("device", device(d));
        m.put("origin", origin());
        return write(m);
    }

    /**
     * The retained info of a device: {@code {"state","reason","driver_version","last_reading"}} (names fixed; null
     * when unknown), so Home Assistant (and anyone) sees why a meter is not reading, not only that it is offline.
     */
    public static byte[] info(DeviceInfo d, java.time.Instant lastReading) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", d.state().name());
        m.put("reason", d.reason());
        m.put("driver_version", d.driverVersion());
        m.put("last_reading", lastReading == null ? null : lastReading.toString());
        return write(m);
    }

    /**
     * A diagnostic sensor on the info topic: the state as its value, the rest as attributes. Available with the
     * gateway alone (not with the device's status), since it must be readable when the device is not.
     */
    public byte[] infoConfig(DeviceInfo d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "Status");
        String uid = topics.nodeId(d.id()) + "_info";
        m.put("unique_id", uid);
        m.put("default_entity_id", defaultEntityId(uid));
        String topic = topics.deviceInfo(d.driverId(), d.id());
        m.put("state_topic", topic);
        m.put("value_template", "{{ value_json.state }}");
        m.put("json_attributes_topic", topic);
        m.put("entity_category", "diagnostic");
        m.put("icon", "mdi:information-outline");
        m.put("availability", List.of(Map.of("topic", topics.gatewayStatus())));
        m.put("payload_available", "online");
        m.put("payload_not_available", "offline");
        m.put("device", device(d));
        m.put("origin", origin());
        return write(m);
    }

    private Map<String, Object> device(DeviceInfo d) {
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("identifiers", List.of(topics.nodeId(d.id())));
        dev.put("name", d.name());
        putIfSet(dev, "manufacturer", d.manufacturer());
        putIfSet(dev, "model", d.model());
        putIfSet(dev, "sw_version", d.driverVersion());
        dev.put("via_device", topics.gatewayId());
        return dev;
    }

    /** {@code {{ value_json.power }}}; the bracket form for ids that are not plain names. */
    static String valueTemplate(String channel) {
        return channel.matches("[a-z_][a-z0-9_]*") ? "{{ value_json." + channel + " }}"
                : "{{ value_json['" + channel.replace("'", "\\'") + "'] }}";
    }

    /** {@code sensor.<gateway id>_<device>_<channel>}, in the characters an entity id allows. */
    static String defaultEntityId(String uniqueId) {
        return "sensor." + uniqueId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /** The gateway as an HA device with a connectivity sensor; meters point at it with via_device. */
    public byte[] gatewayConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "Status");
        m.put("unique_id", topics.gatewayId() + "_gateway_status");
        m.put("state_topic", topics.gatewayStatus());
        m.put("payload_on", "online");
        m.put("payload_off", "offline");
        m.put("device_class", "connectivity");
        m.put("entity_category", "diagnostic");
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("identifiers", List.of(topics.gatewayId()));
        dev.put("name", "meter2mqtt " + topics.gatewayId());
        dev.put("manufacturer", "meter2mqtt");
        dev.put("model", "gateway");
        putIfSet(dev, "sw_version", gatewayVersion);
        m.put("device", dev);
        m.put("origin", origin());
        return write(m);
    }

    private Map<String, Object> origin() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", ORIGIN_NAME);
        putIfSet(o, "sw_version", gatewayVersion);
        return o;
    }

    private static void putIfSet(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static byte[] write(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException("maps of strings always serialise", e);
        }
    }
}
