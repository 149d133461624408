package org.meter2mqtt.driver.kpm33b.protocol;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One KPM33B data message (or several split packets merged): the meter id, the meter's clock, the
 * {@code isend} flag and the numeric tags in the order the meter sent them. A message that could not be read
 * carries {@link #error()} (and the id, if it was found) instead of values.
 *
 * <p>The tags are kept in parallel arrays (tag, its {@link Field} as a byte, number) rather than a map: a gateway
 * with a thousand meters parses thousands of messages a second, and a map's entries, table and iterators were a
 * tenth of what each message allocated. {@link #values()} still gives the map, built on first use.
 *
 * <p>A number is kept as the unscaled long and the scale the meter printed ({@code 0.000} = 0 with scale 3), and
 * becomes a {@link BigDecimal} only when {@link #number} asks: the gateway publishes about 18 of the 40 tags, and
 * a BigDecimal for every tag was a large part of what each message allocated. A number that does not fit (an
 * exponent, more than 18 digits) is kept as the BigDecimal Jackson made; that array exists only when one does.
 */
public final class MeterMessage {

    /** The largest scale of the compact form, which keeps it in a byte; the meter prints at most 4 decimals. */
    static final int MAX_SCALE = Byte.MAX_VALUE;

    /** By ordinal: a field is kept as ordinal + 1 in a byte (0 = a tag the driver does not know). */
    private static final Field[] FIELDS = Field.values();

    static {
        if (FIELDS.length >= Byte.MAX_VALUE) {
            throw new ExceptionInInitializerError("more fields than a byte numbers: " + FIELDS.length);
        }
    }

    private static final String[] NO_TAGS = new String[0];
    private static final byte[] NO_FIELDS = new byte[0];
    private static final long[] NO_UNSCALED = new long[0];
    private static final byte[] NO_SCALES = new byte[0];

    private final String topic;
    private final String id;
    private final String time;
    private final String isend;
    private final String[] tags;
    private final byte[] fields;
    private final long[] unscaled;
    private final byte[] scales;
    /** Null unless a number did not fit the compact form; where an entry is not null, it is the number. */
    private final BigDecimal[] decimals;
    private final int size;
    private final String error;
    /** True when the arrays are a parser's, reused for its thread's next message (see {@link #kept}). */
    private final boolean borrowed;
    private Map<String, BigDecimal> map;

    MeterMessage(String topic, String id, String time, String isend, String[] tags, byte[] fields,
            long[] unscaled, byte[] scales, BigDecimal[] decimals, int size, String error) {
        this(topic, id, time, isend, tags, fields, unscaled, scales, decimals, size, error, false);
    }

    private MeterMessage(String topic, String id, String time, String isend, String[] tags, byte[] fields,
            long[] unscaled, byte[] scales, BigDecimal[] decimals, int size, String error, boolean borrowed) {
        this.topic = topic;
        this.id = id;
        this.time = time;
        this.isend = isend;
        this.tags = tags;
        this.fields = fields;
        this.unscaled = unscaled;
        this.scales = scales;
        this.decimals = decimals;
        this.size = size;
        this.error = error;
        this.borrowed = borrowed;
    }

    static MeterMessage failed(String topic, String id, String error) {
        return new MeterMessage(topic, id, null, null, NO_TAGS, NO_FIELDS, NO_UNSCALED, NO_SCALES, null, 0,
                error);
    }

    /** A message with more tags, same topic/id; used when split packets are merged (a later value wins). */
    MeterMessage merged(MeterMessage later) {
        Values all = new Values(size + later.size);
        for (int i = 0; i < size; i++) {
            all.putFrom(this, i);
        }
        for (int i = 0; i < later.size; i++) {
            all.putFrom(later, i);
        }
        return all.message(topic, id, later.time != null ? later.time : time, later.isend);
    }

    /**
     * This message with arrays of its own: what to keep beyond the call that got it from
     * {@link MessageParser#parseReusing}. A message that owns its arrays already is returned as it is.
     */
    public MeterMessage kept() {
        if (!borrowed) {
            return this;
        }
        return new MeterMessage(topic, id, time, isend, Arrays.copyOf(tags, size), Arrays.copyOf(fields, size),
                Arrays.copyOf(unscaled, size), Arrays.copyOf(scales, size),
                decimals == null ? null : Arrays.copyOf(decimals, size), size, error, false);
    }

    /** Whether this message's arrays are a parser's (tests). */
    boolean borrowed() {
        return borrowed;
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
        int f = fields[i];
        return f == 0 ? null : FIELDS[f - 1];
    }

    /** The number of tag {@code i}, exactly as printed; made on each call (ask once per tag). */
    public BigDecimal number(int i) {
        Objects.checkIndex(i, size); // the arrays have spare room, where a number would read as 0
        return compact(i) ? BigDecimal.valueOf(unscaled[i], scales[i]) : decimals[i];
    }

    /** Whether tag {@code i} is kept as unscaled + scale rather than a BigDecimal (tests check the fast path). */
    boolean compact(int i) {
        return decimals == null || decimals[i] == null;
    }

    /** Numeric tags in the meter's order, values exactly as printed (0.000 keeps its three decimals). */
    public synchronized Map<String, BigDecimal> values() {
        if (map == null) {
            Map<String, BigDecimal> m = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                m.put(tags[i], number(i));
            }
            map = Collections.unmodifiableMap(m);
        }
        return map;
    }

    public BigDecimal value(Field f) {
        byte wanted = known(f);
        for (int i = 0; i < size; i++) {
            if (fields[i] == wanted) {
                return number(i);
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
            if (compact(i) ? unscaled[i] != 0 : decimals[i].signum() != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte known(Field f) {
        return f == null ? 0 : (byte) (f.ordinal() + 1);
    }

    @Override
    public String toString() {
        return topic + " " + id + " @" + time + (error != null ? " error: " + error : " " + size + " values");
    }

    /**
     * Collects the tags of one message in order. A tag that comes again replaces its value in place, as a map
     * would; a bit per known field says whether it came before, so that check costs nothing for them.
     */
    static final class Values {
        private String[] tags;
        private byte[] fields;
        private long[] unscaled;
        private byte[] scales;
        private BigDecimal[] decimals; // made by the first number that does not fit the compact form
        private int size;
        /** Bit {@code ordinal} set = that field has a slot (fields beyond 64, if ever, are looked for). */
        private long seen;
        /** A parser's, {@link #reset} for each message; its messages borrow the arrays. */
        private final boolean reused;

        Values(int capacity) {
            this(capacity, false);
        }

        Values(int capacity, boolean reused) {
            this.reused = reused;
            int c = Math.max(4, capacity);
            tags = new String[c];
            fields = new byte[c];
            unscaled = new long[c];
            scales = new byte[c];
        }

        /** A number printed as {@code unscaled} with {@code scale} decimals (0 to {@link #MAX_SCALE}). */
        void put(String tag, Field f, long unscaledValue, int scale) {
            int at = slot(tag, f);
            unscaled[at] = unscaledValue;
            scales[at] = (byte) scale;
            if (decimals != null) {
                decimals[at] = null; // a repeated tag: the compact value replaces the earlier one
            }
        }

        /** A number that does not fit the compact form. */
        void put(String tag, Field f, BigDecimal n) {
            int at = slot(tag, f);
            if (decimals == null) {
                decimals = new BigDecimal[tags.length];
            }
            decimals[at] = n;
        }

        /** Tag {@code i} of {@code m}, in the form it has there. */
        void putFrom(MeterMessage m, int i) {
            if (m.compact(i)) {
                put(m.tags[i], m.field(i), m.unscaled[i], m.scales[i]);
            } else {
                put(m.tags[i], m.field(i), m.decimals[i]);
            }
        }

        /** The index of the tag, appended if it is new. */
        private int slot(String tag, Field f) {
            long bit = f != null && f.ordinal() < Long.SIZE ? 1L << f.ordinal() : 0;
            if (bit == 0 || (seen & bit) != 0) {
                // a tag the driver does not know, or a known one again: look for it
                for (int i = 0; i < size; i++) {
                    if (tags[i].equals(tag)) {
                        return i;
                    }
                }
            }
            seen |= bit;
            if (size == tags.length) {
                int c = size * 2;
                tags = Arrays.copyOf(tags, c);
                fields = Arrays.copyOf(fields, c);
                unscaled = Arrays.copyOf(unscaled, c);
                scales = Arrays.copyOf(scales, c);
                if (decimals != null) {
                    decimals = Arrays.copyOf(decimals, c);
                }
            }
            tags[size] = tag;
            fields[size] = known(f);
            return size++;
        }

        /** Empties this for the next message; the previous message's arrays are overwritten from here on. */
        void reset() {
            size = 0;
            seen = 0;
            decimals = null; // made again by the next number that needs it: rare
        }

        int capacity() {
            return tags.length;
        }

        MeterMessage message(String topic, String id, String time, String isend) {
            return new MeterMessage(topic, id, time, isend, tags, fields, unscaled, scales, decimals, size, null,
                    reused);
        }
    }
}
