package org.meter2mqtt.mqtt.discovery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One device's discovery configs as last sent (topic to payload, in order), kept small.
 *
 * <p>Why: the output keeps every device's configs for two things, the full sync after each connect (the broker may
 * have lost its retained messages) and the comparison that avoids sending unchanged configs again. Kept as they
 * were, one JSON payload per channel, they were about 15 KB per device with the default channel groups, 15 MB of old
 * generation for 1000 meters (bench/kpm33b, {@code HISTO=1}). Here a digest per topic answers the comparison, and
 * the payloads are kept deflated together (each repeats the same device block, so they shrink several times); they
 * are inflated only for a full sync. Immutable; pure Java.
 */
public final class SentConfigs {

    /** No configs: discovery off, or nothing sent yet. */
    public static final SentConfigs NONE = new SentConfigs(new String[0], new long[0], new byte[0], 0);

    private static final int DIGEST_LONGS = 2;

    private final String[] topics;
    /** {@link #DIGEST_LONGS} longs per topic: the first 128 bits of the payload's SHA-256. */
    private final long[] digests;
    /** The payloads, deflated: per topic its length (4 bytes), then its bytes. */
    private final byte[] packed;
    private final int rawLength;

    private SentConfigs(String[] topics, long[] digests, byte[] packed, int rawLength) {
        this.topics = topics;
        this.digests = digests;
        this.packed = packed;
        this.rawLength = rawLength;
    }

    /** The configs in {@code configs}' order. */
    public static SentConfigs of(Map<String, byte[]> configs) {
        if (configs.isEmpty()) {
            return NONE;
        }
        String[] topics = new String[configs.size()];
        long[] digests = new long[configs.size() * DIGEST_LONGS];
        ByteArrayOutputStream raw = new ByteArrayOutputStream(configs.size() * 1024);
        MessageDigest sha = sha256();
        int i = 0;
        for (Map.Entry<String, byte[]> c : configs.entrySet()) {
            topics[i] = c.getKey();
            digest(sha, c.getValue(), digests, i);
            byte[] payload = c.getValue();
            raw.write(payload.length >>> 24);
            raw.write(payload.length >>> 16);
            raw.write(payload.length >>> 8);
            raw.write(payload.length);
            raw.write(payload, 0, payload.length);
            i++;
        }
        byte[] bytes = raw.toByteArray();
        return new SentConfigs(topics, digests, deflate(bytes), bytes.length);
    }

    public boolean isEmpty() {
        return topics.length == 0;
    }

    /** The topics, in order. */
    public Set<String> topics() {
        Set<String> out = new LinkedHashSet<>();
        Collections.addAll(out, topics);
        return Collections.unmodifiableSet(out);
    }

    /** True when {@code payload} is what was sent for {@code topic}. */
    public boolean sent(String topic, byte[] payload) {
        int i = indexOf(topic);
        if (i < 0) {
            return false;
        }
        long[] d = new long[DIGEST_LONGS];
        digest(sha256(), payload, d, 0);
        return d[0] == digests[i * DIGEST_LONGS] && d[1] == digests[i * DIGEST_LONGS + 1];
    }

    /** The payloads, in order (inflated: for a full sync). */
    public Map<String, byte[]> payloads() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (isEmpty()) {
            return out;
        }
        ByteBuffer raw = ByteBuffer.wrap(inflate(packed, rawLength));
        for (String t : topics) {
            byte[] payload = new byte[raw.getInt()];
            raw.get(payload);
            out.put(t, payload);
        }
        return out;
    }

    /** These configs with {@code topic}'s payload replaced (or added last). */
    public SentConfigs with(String topic, byte[] payload) {
        Map<String, byte[]> all = payloads();
        all.put(topic, payload);
        return of(all);
    }

    /** How many bytes the payloads take here; for tests and the README's figures. */
    int packedBytes() {
        return packed.length;
    }

    private int indexOf(String topic) {
        for (int i = 0; i < topics.length; i++) {
            if (topics[i].equals(topic)) {
                return i;
            }
        }
        return -1;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static void digest(MessageDigest sha, byte[] payload, long[] into, int index) {
        ByteBuffer d = ByteBuffer.wrap(sha.digest(payload));
        for (int k = 0; k < DIGEST_LONGS; k++) {
            into[index * DIGEST_LONGS + k] = d.getLong();
        }
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater();
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 4 + 64);
            byte[] chunk = new byte[4096];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            // zlib's memory is native: released now, not when a collection finds the Deflater
            deflater.end();
        }
    }

    private static byte[] inflate(byte[] packed, int rawLength) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(packed);
            byte[] raw = new byte[rawLength];
            int n = 0;
            while (n < rawLength && !inflater.finished()) {
                int got = inflater.inflate(raw, n, rawLength - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != rawLength) {
                throw new IllegalStateException("kept discovery configs are damaged: " + n + " of " + rawLength
                        + " bytes");
            }
            return raw;
        } catch (DataFormatException e) {
            throw new IllegalStateException("kept discovery configs are damaged", e);
        } finally {
            inflater.end();
        }
    }

    @Override
    public String toString() {
        return topics.length + " configs, " + rawLength + " bytes kept in " + packed.length + ": "
                + Arrays.toString(topics);
    }
}
