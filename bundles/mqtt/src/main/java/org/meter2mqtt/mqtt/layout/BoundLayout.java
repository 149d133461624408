package org.meter2mqtt.mqtt.layout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.mqtt.Batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

/** One layout with one device's settings resolved: turns the device's batches into the layout's messages. */
public final class BoundLayout {

    private static final JsonFactory JSON = new JsonFactory();

    /** A message of a layout. */
    public static final class Message {
        public final String topic;
        public final byte[] payload;
        public final int qos;
        public final boolean retain;

        Message(String topic, byte[] payload, int qos, boolean retain) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
        }

        @Override
        public String toString() {
            return topic + " " + new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Layout layout;
    private final Map<String, String> settings;
    private final String topic;
    private final int qos;
    private final boolean retain;
    private final ZoneId zone;
    private final Set<String> options;

    BoundLayout(Layout layout, Map<String, String> settings) {
        this.layout = layout;
        this.settings = Map.copyOf(settings);
        this.topic = settings.get("topic");
        this.qos = Integer.parseInt(settings.get("qos").trim());
        this.retain = Boolean.parseBoolean(settings.get("retain").trim());
        String z = settings.getOrDefault("zone", "");
        this.zone = z.isBlank() ? ZoneId.systemDefault() : ZoneId.of(z.trim());
        this.options = Set.copyOf(Layouts.list(settings.getOrDefault("phases", "")));
    }

    public String name() {
        return layout.name;
    }

    /** The resolved settings (for meter:show and logs; layouts hold no secrets). */
    public Map<String, String> settings() {
        return settings;
    }

    /** {@code <topic>/status} for layouts that announce online/offline, else null. */
    public String statusTopic() {
        return layout.status ? topic + "/status" : null;
    }

    /**
     * The layout's messages for one batch, in a stable order. {@code channels} gives the units of the device's
     * channels (a channel the device did not announce is published as it is).
     */
    public List<Message> render(Batch b, Map<String, Channel> channels) {
        List<Message> out = new ArrayList<>(2);
        if (!layout.json.isEmpty()) {
            Map<String, Batch.Value> values = new HashMap<>();
            for (Batch.Value v : b.values()) {
                values.put(v.channel(), v);
            }
            for (Layout.JsonMessage m : layout.json) {
                if (values.keySet().stream().anyMatch(m.when::contains)) {
                    out.add(new Message(m.topic.replace("{topic}", topic).replace("{id}", settings.get("id")),
                            json(m, b, values), qos, retain));
                }
            }
        }
        Layout.PerChannel pc = layout.perChannel;
        if (pc != null) {
            for (Batch.Value v : b.values()) {
                String name = pc.names == null ? v.channel() : pc.names.get(v.channel());
                if (name == null) {
                    continue;
                }
                String text;
                if (v.number() == null) {
                    text = v.text();
                } else {
                    Channel ch = channels.get(v.channel());
                    BigDecimal n = Units.convert(v.number(), ch == null ? null : ch.unit(),
                            pc.units.get(v.channel()));
                    text = number(n);
                }
                out.add(new Message(topic + "/" + name, text.getBytes(StandardCharsets.UTF_8), qos, retain));
            }
        }
        return out;
    }

    private String number(BigDecimal n) {
        return layout.numbers == Layout.Numbers.PYTHON_FLOAT ? PyFloat.format(n) : n.toPlainString();
    }

    private byte[] json(Layout.JsonMessage m, Batch b, Map<String, Batch.Value> values) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(128); JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            for (Layout.Field f : m.fields) {
                if (f.option != null && !options.contains(f.option)) {
                    continue;
                }
                switch (f.source) {
                    case ID:
                        g.writeStringField(f.name, settings.get("id"));
                        break;
                    case METER_TIME:
                        g.writeStringField(f.name, meterTime(b));
                        break;
                    default:
                        Batch.Value v = values.get(f.channel);
                        g.writeFieldName(f.name);
                        if (v == null) {
                            g.writeNull();
                        } else if (v.number() != null) {
                            g.writeNumber(number(v.number()));
                        } else {
                            g.writeString(v.text());
                        }
                }
            }
            g.writeEndObject();
            g.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
    }

    /** The meter's clock as KPM33B meters print it; the driver read it in the same zone. */
    private String meterTime(Batch b) {
        LocalDateTime l = LocalDateTime.ofInstant(b.timestamp(), zone);
        return String.format("%04d%02d%02d%02d%02d%02d", l.getYear(), l.getMonthValue(), l.getDayOfMonth(),
                l.getHour(), l.getMinute(), l.getSecond());
    }
}
