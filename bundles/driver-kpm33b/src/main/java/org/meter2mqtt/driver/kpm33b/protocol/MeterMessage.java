package org.meter2mqtt.driver.kpm33b.protocol;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One KPM33B data message (or several split packets merged): the meter id, the meter's clock, the
 * {@code isend} flag and the numeric tags in the order the meter sent them. A message that could not be read
 * carries {@link #error()} (and the id, if it was found) instead of values.
 */
public final class MeterMessage {

    private final String topic;
    private final String id;
    private final String time;
    private final String isend;
    private final Map<String, BigDecimal> values;
    private final String error;

    MeterMessage(String topic, String id, String time, String isend, Map<String, BigDecimal> values, String error) {
        this.topic = topic;
        this.id = id;
        this.time = time;
        this.isend = isend;
        this.values = Collections.unmodifiableMap(values);
        this.error = error;
    }

    static MeterMessage failed(String topic, String id, String error) {
        return new MeterMessage(topic, id, null, null, new LinkedHashMap<>(), error);
    }

    /** A message with more tags, same topic/id; used when split packets are merged. */
    MeterMessage merged(MeterMessage later) {
        Map<String, BigDecimal> all = new LinkedHashMap<>(values);
        all.putAll(later.values);
        return new MeterMessage(topic, id, later.time != null ? later.time : time, later.isend, all, null);
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

    /** Numeric tags in the meter's order, values exactly as printed (0.000 keeps its three decimals). */
    public Map<String, BigDecimal> values() {
        return values;
    }

    public BigDecimal value(Field f) {
        return values.get(f.tag());
    }

    /** Why the message could not be read, or null when it was. */
    public String error() {
        return error;
    }

    /** True when every number is zero: what a meter sends before it has measured anything. */
    public boolean allZero() {
        if (values.isEmpty()) {
            return false;
        }
        for (BigDecimal v : values.values()) {
            if (v.signum() != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return topic + " " + id + " @" + time + (error != null ? " error: " + error : " " + values.size() + " values");
    }
}
