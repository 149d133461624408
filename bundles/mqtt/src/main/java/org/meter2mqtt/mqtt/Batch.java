package org.meter2mqtt.mqtt;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One meter moment as it is buffered on disk: the values of one {@code readings()} call that passed the
 * checks, with the meter's timestamp. Topics are not stored, so a record written before a change of
 * topic prefix is sent under the new prefix.
 */
public final class Batch {

    private static final int FORMAT = 1;

    /** One channel value: a number (plain decimal) or a text. */
    public static final class Value {
        private final String channel;
        private final BigDecimal number;
        private final String text;
        private String plain;

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
            if (number == null) {
                return text;
            }
            // Used for the value message and the state JSON: BigDecimal.toPlainString once, not twice.
            String p = plain;
            if (p == null) {
                p = number.toPlainString();
                plain = p;
            }
            return p;
        }
    }

    private final String driver;
    private final String device;
    private final Instant timestamp;
    private final List<Value> values;

    public Batch(String driver, String device, Instant timestamp, List<Value> values) {
        this.driver = driver;
        this.device = device;
        this.timestamp = timestamp;
        this.values = List.copyOf(values);
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

    public List<Value> values() {
        return values;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + values.size() * 24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(driver);
            out.writeUTF(device);
            out.writeLong(timestamp.getEpochSecond());
            out.writeInt(timestamp.getNano());
            out.writeShort(values.size());
            for (Value v : values) {
                out.writeUTF(v.channel);
                out.writeBoolean(v.number != null);
                out.writeUTF(v.formatted());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IOException when the bytes are not a batch of a known format (a damaged buffer file)
     */
    public static Batch decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
            throw new IOException("unknown buffer record format " + format);
        }
        String driver = in.readUTF();
        String device = in.readUTF();
        Instant ts = Instant.ofEpochSecond(in.readLong(), in.readInt());
        int n = in.readUnsignedShort();
        List<Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String channel = in.readUTF();
            boolean numeric = in.readBoolean();
            String s = in.readUTF();
            try {
                values.add(numeric ? new Value(channel, new BigDecimal(s), null) : new Value(channel, null, s));
            } catch (NumberFormatException e) {
                throw new IOException("damaged number '" + s + "' for channel " + channel, e);
            }
        }
        return new Batch(driver, device, ts, values);
    }
}
