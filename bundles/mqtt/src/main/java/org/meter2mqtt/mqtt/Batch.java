package org.meter2mqtt.mqtt;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One meter moment as it is buffered on disk: the values of one {@code readings()} call that passed the
 * checks, with the meter's timestamp. Topics are not stored, so a record written before a change of
 * topic prefix is sent under the new prefix.
 */
public final class Batch {

    /** Format 1 (the first releases): every number as text. Still read: a buffer outlives an upgrade. */
    private static final int FORMAT_1 = 1;
    private static final int FORMAT = 2;
    private static final int TEXT = 0;
    private static final int DECIMAL = 1;
    private static final int COMPACT = 2;

    /**
     * One channel value: a number (plain decimal) or a text. Only to build a batch from a list or to look at one
     * as a list ({@link #values()}); a batch keeps its values in parallel arrays.
     */
    public static final class Value {
        private final String channel;
        private final BigDecimal number;
        private final String text;

        public Value(String channel, BigDecimal number, String text) {
            this.channel = channel;
            this.number = number;
            this.text = text;
        }

        public String channel() {
            return channel;
        }

        public BigDecimal number() {
            return number;
        }

        public String text() {
            return text;
        }

        /** As published on the per-channel topic. */
        public String formatted() {
            return number == null ? text : number.toPlainString();
        }
    }

    private static final String[] NO_TEXTS = new String[0];

    private final String driver;
    private final String device;
    private final Instant timestamp;
    /*
     * Parallel arrays, not a list of value objects: the publisher makes a batch per meter message, and the value
     * objects with their list were a fifth of what it allocated. texts is NO_TEXTS when no value is a text.
     */
    private final String[] channels;
    private final BigDecimal[] numbers;
    private final String[] texts;
    private final int size;
    /** Each number's plain text, made on first use (the value topic and the state JSON both need it). */
    private String[] plain;

    public Batch(String driver, String device, Instant timestamp, List<Value> values) {
        this.driver = driver;
        this.device = device;
        this.timestamp = timestamp;
        this.size = values.size();
        this.channels = new String[size];
        this.numbers = new BigDecimal[size];
        String[] t = NO_TEXTS;
        for (int i = 0; i < size; i++) {
            Value v = values.get(i);
            channels[i] = Objects.requireNonNull(v.channel, "channel");
            numbers[i] = v.number;
            if (v.number == null) {
                if (t == NO_TEXTS) {
                    t = new String[size];
                }
                t[i] = Objects.requireNonNull(v.text, "a value needs a number or a text");
            }
        }
        this.texts = t;
    }

    private Batch(String driver, String device, Instant timestamp, String[] channels, BigDecimal[] numbers,
            String[] texts, int size) {
        this.driver = driver;
        this.device = device;
        this.timestamp = timestamp;
        this.channels = channels;
        this.numbers = numbers;
        this.texts = texts == null ? NO_TEXTS : texts;
        this.size = size;
    }

    /**
     * A batch over the first {@code size} entries of these arrays, taken as they are (the publisher fills them
     * for this batch and never touches them again). {@code numbers[i]} null means {@code texts[i]} is the value;
     * {@code texts} may be null when every value is a number.
     */
    static Batch of(String driver, String device, Instant timestamp, String[] channels, BigDecimal[] numbers,
            String[] texts, int size) {
        return new Batch(driver, device, timestamp, channels, numbers, texts, size);
    }

    public String driver() {
        return driver;
    }

    public String device() {
        return device;
    }

    public Instant timestamp() {
        return timestamp;
    }

    /** How many values; {@link #channel}, {@link #number}, {@link #text} and {@link #formatted} read them. */
    public int size() {
        return size;
    }

    public String channel(int i) {
        return channels[i];
    }

    /** The number of value {@code i}, or null when it is a text. */
    public BigDecimal number(int i) {
        return numbers[i];
    }

    /** The text of value {@code i}, or null when it is a number. */
    public String text(int i) {
        return numbers[i] == null ? texts[i] : null;
    }

    /** Value {@code i} as published on the per-channel topic: a plain decimal, or the text. */
    public String formatted(int i) {
        BigDecimal n = numbers[i];
        if (n == null) {
            return texts[i];
        }
        String[] p = plain;
        if (p == null) {
            p = new String[size];
            plain = p;
        }
        String s = p[i];
        if (s == null) {
            s = n.toPlainString();
            p[i] = s;
        }
        return s;
    }

    /** This batch without the values marked in {@code drop}, or null when none is left. */
    Batch without(boolean[] drop) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            kept += drop[i] ? 0 : 1;
        }
        if (kept == size) {
            return this;
        }
        if (kept == 0) {
            return null;
        }
        String[] c = new String[kept];
        BigDecimal[] n = new BigDecimal[kept];
        String[] t = texts == NO_TEXTS ? null : new String[kept];
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (!drop[i]) {
                c[k] = channels[i];
                n[k] = numbers[i];
                if (t != null) {
                    t[k] = texts[i];
                }
                k++;
            }
        }
        return new Batch(driver, device, timestamp, c, n, t, kept);
    }

    /** The values as a new list: for tests and tools, not for the message path (it makes an object per value). */
    public List<Value> values() {
        List<Value> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new Value(channels[i], numbers[i], text(i)));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The record on disk (format 2): numbers as scale and unscaled long where they fit, so buffering a batch
     * formats no number (the per-channel topics format theirs when they are published, if at all); strings in
     * {@link DataOutputStream#writeUTF}'s encoding. Written straight into one array: this runs for every batch.
     */
    public byte[] encode() {
        // exact for ASCII names and numbers that fit a long (the usual batch): no copy at the end
        int size = 19 + driver.length() + device.length();
        for (int i = 0; i < this.size; i++) {
            size += 3 + channels[i].length() + (numbers[i] != null ? 10 : 2 + texts[i].length());
        }
        Encoder out = new Encoder(size);
        write(out);
        return out.bytes();
    }

    /**
     * As {@link #encode()}, into {@code out}, which the caller reuses from batch to batch (the publisher encodes
     * every batch for the disk buffer, and the array was an eighth of what it allocated per meter message).
     *
     * @return the record's length: it is {@code out.array()[0, length)}, valid until the next encode
     */
    public int encode(Encoder out) {
        out.reset();
        write(out);
        return out.pos;
    }

    private void write(Encoder out) {
        out.put(FORMAT);
        out.utf(driver);
        out.utf(device);
        out.putLong(timestamp.getEpochSecond());
        out.putInt(timestamp.getNano());
        out.putShort(size);
        for (int i = 0; i < size; i++) {
            out.utf(channels[i]);
            BigDecimal n = numbers[i];
            if (n == null) {
                out.put(TEXT);
                out.utf(texts[i]);
            } else if (n.precision() <= 18 && n.scale() >= Short.MIN_VALUE && n.scale() <= Short.MAX_VALUE) {
                // at most 18 digits: the unscaled value fits a long
                out.put(COMPACT);
                out.putShort(n.scale());
                // scaleByPowerOfTen keeps the compact long (one object); unscaledValue() makes a BigInteger and array
                out.putLong(n.scale() == 0 ? n.longValue() : n.scaleByPowerOfTen(n.scale()).longValue());
            } else {
                // BigDecimal's own text keeps the scale, so the round trip is exact (1E+40000 stays short too)
                out.put(DECIMAL);
                out.utf(n.toString());
            }
        }
    }

    /** A growing byte array with the big-endian writes of {@link DataOutputStream}; one per encoding thread. */
    public static final class Encoder {
        /** A larger array (a batch of long texts) is not kept after its batch. */
        private static final int KEPT = 64 * 1024;
        private byte[] buf;
        private int pos;

        public Encoder() {
            this(1024);
        }

        Encoder(int size) {
            buf = new byte[size];
        }

        /** The array the last batch was encoded into. */
        public byte[] array() {
            return buf;
        }

        private void reset() {
            pos = 0;
            if (buf.length > KEPT) {
                buf = new byte[1024];
            }
        }

        private void room(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        void put(int b) {
            room(1);
            buf[pos++] = (byte) b;
        }

        void putShort(int v) {
            room(2);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
        }

        void putInt(int v) {
            room(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
        }

        void putLong(long v) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
        }

        /** Modified UTF-8 with a two-byte length, exactly as {@link DataOutputStream#writeUTF}. */
        void utf(String s) {
            int len = s.length();
            int start = pos;
            room(2 + len);
            pos += 2;
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c >= 0x0001 && c <= 0x007F) {
                    room(1);
                    buf[pos++] = (byte) c;
                } else if (c <= 0x07FF) {
                    room(2);
                    buf[pos++] = (byte) (0xC0 | c >> 6);
                    buf[pos++] = (byte) (0x80 | c & 0x3F);
                } else {
                    room(3);
                    buf[pos++] = (byte) (0xE0 | c >> 12);
                    buf[pos++] = (byte) (0x80 | c >> 6 & 0x3F);
                    buf[pos++] = (byte) (0x80 | c & 0x3F);
                }
            }
            int n = pos - start - 2;
            if (n > 0xFFFF) {
                throw new IllegalArgumentException("a text of " + n + " bytes cannot be buffered (at most 65535)");
            }
            buf[start] = (byte) (n >>> 8);
            buf[start + 1] = (byte) n;
        }

        byte[] bytes() {
            return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        }
    }

    /**
     * @throws IOException when the bytes are not a batch of a known format (a damaged buffer file)
     */
    public static Batch decode(byte[] data) throws IOException {
        return decode(data, null);
    }

    /**
     * As {@link #decode(byte[])}, with driver, device and channel names shared through {@code names}: the same
     * name comes back as the same {@code String}, so the publisher's lookups by name find it by identity with its
     * hash already computed (with fresh strings they were a fifth of the publisher's time while it read the disk).
     * {@code names} may be null: every name is then a new string.
     *
     * @throws IOException when the bytes are not a batch of a known format (a damaged buffer file)
     */
    public static Batch decode(byte[] data, Names names) throws IOException {
        In in = new In(data);
        int format = in.u8();
        if (format != FORMAT && format != FORMAT_1) {
            throw new IOException("unknown buffer record format " + format);
        }
        String driver = in.name(names);
        String device = in.name(names);
        Instant ts = Instant.ofEpochSecond(in.s64(), in.s32());
        int n = in.u16();
        String[] channels = new String[n];
        BigDecimal[] numbers = new BigDecimal[n];
        String[] texts = null;
        for (int i = 0; i < n; i++) {
            String channel = in.name(names);
            channels[i] = channel;
            int kind = format == FORMAT_1 ? (in.u8() != 0 ? DECIMAL : TEXT) : in.u8();
            switch (kind) {
                case TEXT:
                    if (texts == null) {
                        texts = new String[n];
                    }
                    texts[i] = in.utf();
                    break;
                case COMPACT:
                    int scale = (short) in.u16();
                    numbers[i] = BigDecimal.valueOf(in.s64(), scale);
                    break;
                case DECIMAL:
                    String s = in.utf();
                    try {
                        numbers[i] = new BigDecimal(s);
                    } catch (NumberFormatException e) {
                        throw new IOException("damaged number '" + s + "' for channel " + channel, e);
                    }
                    break;
                default:
                    throw new IOException("damaged record: value kind " + kind + " for channel " + channel);
            }
        }
        return new Batch(driver, device, ts, channels, numbers, texts, n);
    }

    /**
     * Names read before, in a small table of two-slot buckets. A name whose bucket is full is not kept (it is read
     * as a new string each time: a miss, never a wrong name), so the names seen first (the driver and channel
     * names of the first records, which every record repeats) stay. Not thread-safe: one per reading thread.
     */
    public static final class Names {
        private static final int SLOTS = 4096;
        private final byte[][] bytes = new byte[SLOTS][];
        private final String[] strings = new String[SLOTS];

        /** The ASCII name in {@code data[off, off + len)}. */
        String of(byte[] data, int off, int len) {
            int h = len;
            for (int i = off; i < off + len; i++) {
                h = 31 * h + data[i];
            }
            int first = (h ^ (h >>> 12)) & (SLOTS - 2);
            for (int slot = first; slot <= first + 1; slot++) {
                byte[] b = bytes[slot];
                if (b == null) {
                    String s = new String(data, off, len, StandardCharsets.ISO_8859_1);
                    bytes[slot] = Arrays.copyOfRange(data, off, off + len);
                    strings[slot] = s;
                    return s;
                }
                if (Arrays.equals(b, 0, b.length, data, off, off + len)) {
                    return strings[slot];
                }
            }
            return new String(data, off, len, StandardCharsets.ISO_8859_1);
        }
    }

    /** Reads what {@link Out} wrote, straight from the array (the fields of DataOutput, big-endian). */
    private static final class In {
        private final byte[] b;
        private int pos;

        In(byte[] b) {
            this.b = b;
        }

        private void need(int n) throws EOFException {
            if (n > b.length - pos) {
                throw new EOFException("buffer record ends early (" + b.length + " bytes)");
            }
        }

        int u8() throws EOFException {
            need(1);
            return b[pos++] & 0xFF;
        }

        int u16() throws EOFException {
            need(2);
            int v = (b[pos] & 0xFF) << 8 | b[pos + 1] & 0xFF;
            pos += 2;
            return v;
        }

        int s32() throws EOFException {
            need(4);
            int v = (b[pos] & 0xFF) << 24 | (b[pos + 1] & 0xFF) << 16 | (b[pos + 2] & 0xFF) << 8 | b[pos + 3] & 0xFF;
            pos += 4;
            return v;
        }

        long s64() throws EOFException {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | b[pos + i] & 0xFF;
            }
            pos += 8;
            return v;
        }

        /** A writeUTF string; an ASCII one through {@code names} when there is one. */
        String name(Names names) throws IOException {
            return string(names);
        }

        /** A writeUTF string (modified UTF-8: ASCII is one byte per character, as DataInput reads it). */
        String utf() throws IOException {
            return string(null);
        }

        private String string(Names names) throws IOException {
            int len = u16();
            need(len);
            for (int i = pos; i < pos + len; i++) {
                if (b[i] < 0) {
                    // non-ASCII: rare, decoded as DataInput does (from the length field on)
                    String s = new DataInputStream(new ByteArrayInputStream(b, pos - 2, len + 2)).readUTF();
                    pos += len;
                    return s;
                }
            }
            String s = names != null ? names.of(b, pos, len) : new String(b, pos, len, StandardCharsets.ISO_8859_1);
            pos += len;
            return s;
        }
    }
}
