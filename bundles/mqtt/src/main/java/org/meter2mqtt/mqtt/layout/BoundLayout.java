package org.meter2mqtt.mqtt.layout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
    /**
     * One output buffer per rendering thread, reset for each message: a fresh one per message (and its growth past
     * 128 bytes) was a tenth of what the publisher allocated per KPM33B message. A buffer that grew past
     * {@link #KEPT_BYTES} (an unusually long layout) is not kept.
     */
    private static final ThreadLocal<JsonWriter> BUFFER = ThreadLocal.withInitial(JsonWriter::new);
    private static final int KEPT_BYTES = 16 * 1024;

    /**
     * A buffer and one generator over it that writes object after object: a generator per message (with its I/O
     * context and write contexts) was about 300 bytes of what the publisher allocated per KPM33B message. No
     * separator between the objects, as each is taken out of the buffer on its own.
     */
    private static final class JsonWriter {
        final ByteArrayBuilder bytes = new ByteArrayBuilder(1024);
        final JsonGenerator g;

        JsonWriter() {
            try {
                g = JSON.createGenerator(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("a generator over memory cannot fail", e);
            }
            g.setRootValueSeparator(null);
        }
    }

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
    /** Per JSON message: its topic with the settings filled in. */
    private final List<String> jsonTopics = new ArrayList<>();
    /** Every channel a JSON message reads, to its slot in {@link #render}'s array (resolved once, not per batch). */
    private final Map<String, Integer> slots = new HashMap<>();

    BoundLayout(Layout layout, Map<String, String> settings) {
        this.layout = layout;
        this.settings = Map.copyOf(settings);
        this.topic = settings.get("topic");
        this.qos = Integer.parseInt(settings.get("qos").trim());
        this.retain = Boolean.parseBoolean(settings.get("retain").trim());
        String z = settings.getOrDefault("zone", "");
        this.zone = z.isBlank() ? ZoneId.systemDefault() : ZoneId.of(z.trim());
        this.options = Set.copyOf(Layouts.list(settings.getOrDefault("phases", "")));
        for (Layout.JsonMessage m : layout.json) {
            jsonTopics.add(m.topic.replace("{topic}", topic).replace("{id}", settings.get("id")));
            for (Layout.Field f : m.fields) {
                if (f.source == Layout.Source.CHANNEL) {
                    slots.putIfAbsent(f.channel, slots.size());
                }
            }
        }
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
            // this runs for every batch of every device in the layout: one array, no map, no stream
            // each slot's value index + 1, 0 = the batch has no value for it
            int[] values = new int[slots.size()];
            for (int vi = 0; vi < b.size(); vi++) {
                Integer slot = slots.get(b.channel(vi));
                if (slot != null) {
                    values[slot] = vi + 1;
                }
            }
            for (int i = 0; i < layout.json.size(); i++) {
                Layout.JsonMessage m = layout.json.get(i);
                if (any(b, m.when)) {
                    out.add(new Message(jsonTopics.get(i), json(m, b, values), qos, retain));
                }
            }
        }
        Layout.PerChannel pc = layout.perChannel;
        if (pc != null) {
            for (int vi = 0; vi < b.size(); vi++) {
                String name = pc.names == null ? b.channel(vi) : pc.names.get(b.channel(vi));
                if (name == null) {
                    continue;
                }
                String text;
                if (b.number(vi) == null) {
                    text = b.text(vi);
                } else {
                    Channel ch = channels.get(b.channel(vi));
                    BigDecimal n = Units.convert(b.number(vi), ch == null ? null : ch.unit(),
                            pc.units.get(b.channel(vi)));
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

    private static boolean any(Batch b, Set<String> channels) {
        for (int vi = 0; vi < b.size(); vi++) {
            if (channels.contains(b.channel(vi))) {
                return true;
            }
        }
        return false;
    }

    private byte[] json(Layout.JsonMessage m, Batch b, int[] values) {
        JsonWriter w = BUFFER.get();
        ByteArrayBuilder bytes = w.bytes;
        JsonGenerator g = w.g;
        bytes.reset();
        boolean done = false;
        try {
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
                        int v = values[slots.get(f.channel)] - 1;
                        g.writeFieldName(f.name);
                        if (v < 0) {
                            g.writeNull();
                        } else if (b.number(v) != null) {
                            g.writeNumber(number(b.number(v)));
                        } else {
                            g.writeString(b.text(v));
                        }
                }
            }
            g.writeEndObject();
            g.flush();
            byte[] out = bytes.toByteArray();
            done = out.length <= KEPT_BYTES;
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        } finally {
            if (!done) {
                // a generator left inside an object, or a buffer grown past what is worth keeping: start afresh
                BUFFER.remove();
            }
        }
    }

    /** The last meter time printed, with its zone: meters that send in the same second share it. */
    private static final class PrintedTime {
        final Instant time;
        final ZoneId zone;
        final String text;

        PrintedTime(Instant time, ZoneId zone, String text) {
            this.time = time;
            this.zone = zone;
            this.text = text;
        }
    }

    private static volatile PrintedTime lastPrinted = new PrintedTime(Instant.MIN, ZoneId.of("UTC"), "");

    /** The meter's clock as KPM33B meters print it; the driver read it in the same zone. */
    private String meterTime(Batch b) {
        PrintedTime last = lastPrinted;
        if (last.time.equals(b.timestamp()) && last.zone.equals(zone)) {
            return last.text;
        }
        String text = printTime(b.timestamp());
        lastPrinted = new PrintedTime(b.timestamp(), zone, text);
        return text;
    }

    private String printTime(Instant t) {
        LocalDateTime l = LocalDateTime.ofInstant(t, zone);
        char[] c = new char[14];
        digits(c, 0, 4, l.getYear());
        digits(c, 4, 2, l.getMonthValue());
        digits(c, 6, 2, l.getDayOfMonth());
        digits(c, 8, 2, l.getHour());
        digits(c, 10, 2, l.getMinute());
        digits(c, 12, 2, l.getSecond());
        return new String(c);
    }

    /** {@code value} as {@code width} digits, zero-padded (String.format's cost was a tenth of the message). */
    private static void digits(char[] c, int at, int width, int value) {
        int v = Math.floorMod(value, width == 4 ? 10_000 : 100);
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + v % 10);
            v /= 10;
        }
    }
}
