package org.meter2mqtt.driver.kpm33b.protocol;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One KPM33B data message (or several split packets merged): the meter id, the meter's clock, the
 * {@code isend} flag and the numeric tags in the order the meter sent them. A message that could not be read
 * carries {@link #error()} (and the id, if it was found) instead of values.
 *
 * <p>The tags are kept in three parallel arrays (tag, its {@link Field} or null, number) rather than a map: a
 * gateway with a thousand meters parses thousands of messages a second, and a map's entries, table and iterators
 * were a tenth of what each message allocated. {@link #values()} still gives the map, built on first use.
 */
public final class MeterMessage {

    private static final int FIELDS = Field.values().length;
    private static final String[] NO_TAGS = new String[0];
    private static final Field[] NO_FIELDS = new Field[0];
    private static final BigDecimal[] NO_NUMBERS = new BigDecimal[0];

    private final String topic;
    private final String id;
    private final String time;
    private final String isend;
    private final String[] tags;
    private final Field[] fields;
    private final BigDecimal[] numbers;
    private final int size;
    private final String error;
    private Map<String, BigDecimal> map;

    MeterMessage(String topic, String id, String time, String isend, String[] tags, Field[] fields,
            BigDecimal[] numbers, int size, String error) {
        this.topic = topic;
        this.id = id;
        this.time = time;
        this.isend = isend;
        this.tags = tags;
        this.fields = fields;
        this.numbers = numbers;
        this.size = size;
        this.error = error;
    }

    static MeterMessage failed(String topic, String id, String error) {
        return new MeterMessage(topic, id, null, null, NO_TAGS, NO_FIELDS, NO_NUMBERS, 0, error);
    }

    /** A message with more tags, same topic/id; used when split packets are merged (a later value wins). */
    MeterMessage merged(MeterMessage later) {
        Values all = new Values(size + later.size);
        for (int i = 0; i < size; i++) {
            all.put(tags[i], fields[i], numbers[i]);
        }
        for (int i = 0; i < later.size; i++) {
            all.put(later.tags[i], later.fields[i], later.numbers[i]);
        }
        return all.message(topic, id, later.time != null ? later.time : time, later.isend);
    }

    public String topic() {
        return topic;
    }

    /** The 13-character meter id ({@code 33B1225950027}), or null when the message had none. */
    public String id() {
        return id;
    }

    /** The meter's clock, {@code yyyyMMddHHmmss} in the meter's local time, or null. */
    public String time() {
        return time;
    }

    /** {@code "1"} on the last (or only) packet; null when the meter sent no flag. */
    public String isend() {
        return isend;
    }

    /** True when this packet completes the data (isend "1", or no flag at all). */
    public boolean last() {
        return isend == null || "1".equals(isend.trim());
    }

    /** How many numeric tags; {@link #tag}, {@link #field} and {@link #number} read them by index. */
    public int size() {
        return size;
    }

    public String tag(int i) {
        return tags[i];
    }

    /** The known measurement of tag {@code i}, or null for a tag the driver does not know. */
    public Field field(int i) {
        return fields[i];
    }

    public BigDecimal number(int i) {
        return numbers[i];
    }

    /** Numeric tags in the meter's order, values exactly as printed (0.000 keeps its three decimals). */
    public synchronized Map<String, BigDecimal> values() {
        if (map == null) {
            Map<String, BigDecimal> m = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                m.put(tags[i], numbers[i]);
            }
            map = Collections.unmodifiableMap(m);
        }
        return map;
    }

    public BigDecimal value(Field f) {
        for (int i = 0; i < size; i++) {
            if (fields[i] == f) {
                return numbers[i];
            }
        }
        return null;
    }

    /** Why the message could not be read, or null when it was. */
    public String error() {
        return error;
    }

    /** True when every number is zero: what a meter sends before it has measured anything. */
    public boolean allZero() {
        if (size == 0) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (numbers[i].signum() != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return topic + " " + id + " @" + time + (error != null ? " error: " + error : " " + size + " values");
    }

    /**
     * Collects the tags of one message in order. A tag that comes again replaces its value in place, as a map
     * would; the known fields are tracked by ordinal so that check costs nothing for them.
     */
    static final class Values {
        private String[] tags;
        private Field[] fields;
        private BigDecimal[] numbers;
        private int size;
        /** Position + 1 of each known field, by ordinal; 0 = not seen. */
        private final short[] positionOf = new short[FIELDS];

        Values(int capacity) {
            int c = Math.max(4, capacity);
            tags = new String[c];
            fields = new Field[c];
            numbers = new BigDecimal[c];
        }

        void put(String tag, Field f, BigDecimal n) {
            int at = -1;
            if (f != null && positionOf[f.ordinal()] != 0) {
                at = positionOf[f.ordinal()] - 1;
            } else if (f == null || size >= Short.MAX_VALUE) {
                for (int i = 0; i < size; i++) {
                    if (tags[i].equals(tag)) {
                        at = i;
                        break;
                    }
                }
            }
            if (at >= 0) {
                numbers[at] = n;
                return;
            }
            if (size == tags.length) {
                int c = size * 2;
                tags = Arrays.copyOf(tags, c);
                fields = Arrays.copyOf(fields, c);
                numbers = Arrays.copyOf(numbers, c);
            }
            tags[size] = tag;
            fields[size] = f;
            numbers[size] = n;
            size++;
            if (f != null && size <= Short.MAX_VALUE) {
                positionOf[f.ordinal()] = (short) size;
            }
        }

        MeterMessage message(String topic, String id, String time, String isend) {
            return new MeterMessage(topic, id, time, isend, tags, fields, numbers, size, null);
        }
    }
}
