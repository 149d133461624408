package org.meter2mqtt.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The latest reading of each channel of one device, kept in arrays that are overwritten in place.
 * <p>
 * Why not a map of {@link Reading}s: with a thousand meters reporting every half second, every young garbage
 * collection found each device's latest readings alive and copied them (a {@code Reading} and a
 * {@code BigDecimal} per channel, about 80 bytes), which made the pause, and so the latency of every message
 * behind it. Numbers, times and statuses stored as primitives in long-lived arrays are never copied.
 * <p>
 * A reading comes back equal to the one put: numbers keep their exact value and scale, times their nanoseconds.
 * Not thread-safe: the owner locks.
 */
public final class LatestReadings {

    private static final byte NONE = 0;
    private static final byte NUMBER = 1;
    /** A number whose unscaled value needs more than a long: kept as is (rare, so rarely copied). */
    private static final byte WIDE = 2;
    private static final byte TEXT = 3;
    private static final long NO_TIME = Long.MIN_VALUE;
    private static final ReadingStatus[] STATUSES = ReadingStatus.values();

    private final Map<String, Integer> slots = new HashMap<>();
    private String[] channels = new String[0];
    private String[] devices = new String[0];
    private byte[] kinds = new byte[0];
    private long[] unscaled = new long[0];
    private int[] scales = new int[0];
    private Object[] objects = new Object[0]; // the wide number or the text
    private long[] seconds = new long[0];
    private int[] nanos = new int[0];
    private byte[] statuses = new byte[0];

    /** Keeps {@code r} as its channel's latest reading. */
    public void put(Reading r) {
        Integer slot = slots.get(r.channel());
        int i = slot == null ? add(r.channel()) : slot;
        devices[i] = r.deviceId();
        statuses[i] = (byte) r.status().ordinal();
        Instant t = r.timestamp();
        seconds[i] = t == null ? NO_TIME : t.getEpochSecond();
        nanos[i] = t == null ? 0 : t.getNano();
        BigDecimal n = r.number();
        objects[i] = null;
        if (n != null && n.precision() <= 18) {
            // at most 18 digits: the unscaled value fits a long
            kinds[i] = NUMBER;
            unscaled[i] = n.scaleByPowerOfTen(n.scale()).longValue();
            scales[i] = n.scale();
        } else if (n != null) {
            kinds[i] = WIDE;
            objects[i] = n;
        } else if (r.textValue() != null) {
            kinds[i] = TEXT;
            objects[i] = r.textValue();
        } else {
            kinds[i] = NONE;
        }
    }

    public void putAll(Collection<Reading> readings) {
        if (readings instanceof List && readings instanceof RandomAccess) {
            List<Reading> list = (List<Reading>) readings;
            for (int i = 0; i < list.size(); i++) { // batches come as lists: no iterator per batch
                put(list.get(i));
            }
            return;
        }
        for (Reading r : readings) {
            put(r);
        }
    }

    /** The channel's latest reading, or null. */
    public Reading get(String channel) {
        Integer slot = slots.get(channel);
        return slot == null ? null : reading(slot);
    }

    public int size() {
        return channels.length;
    }

    /** A new map of every channel's latest reading, in the order the channels first appeared. */
    public Map<String, Reading> toMap() {
        Map<String, Reading> m = new LinkedHashMap<>();
        for (int i = 0; i < channels.length; i++) {
            m.put(channels[i], reading(i));
        }
        return m;
    }

    private Reading reading(int i) {
        Instant t = seconds[i] == NO_TIME ? null : Instant.ofEpochSecond(seconds[i], nanos[i]);
        ReadingStatus status = STATUSES[statuses[i]];
        Reading r;
        switch (kinds[i]) {
            case NUMBER:
                r = Reading.of(channels[i], BigDecimal.valueOf(unscaled[i], scales[i]), t);
                break;
            case WIDE:
                r = Reading.of(channels[i], (BigDecimal) objects[i], t);
                break;
            case TEXT:
                r = Reading.text(channels[i], (String) objects[i], t);
                break;
            default:
                return Reading.failed(channels[i], status, t).withDevice(devices[i]);
        }
        r = status == ReadingStatus.OK ? r : r.withStatus(status);
        return devices[i] == null ? r : r.withDevice(devices[i]);
    }

    private int add(String channel) {
        int i = channels.length;
        int n = i + 1;
        channels = Arrays.copyOf(channels, n);
        devices = Arrays.copyOf(devices, n);
        kinds = Arrays.copyOf(kinds, n);
        unscaled = Arrays.copyOf(unscaled, n);
        scales = Arrays.copyOf(scales, n);
        objects = Arrays.copyOf(objects, n);
        seconds = Arrays.copyOf(seconds, n);
        nanos = Arrays.copyOf(nanos, n);
        statuses = Arrays.copyOf(statuses, n);
        channels[i] = channel;
        slots.put(channel, i);
        return i;
    }
}
