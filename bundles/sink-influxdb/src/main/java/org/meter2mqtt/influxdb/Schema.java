package org.meter2mqtt.influxdb;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.influxdb.line.LineWriter;

/**
 * Turns one device's readings into line-protocol points. Readings of one batch that share a timestamp become
 * one point (one field per channel); each point carries the reading's own (meter) time.
 *
 * <p>Default schema: measurement = driver id (or the {@code measurement} key), tags {@code device},
 * {@code gateway}, {@code name}, one field per channel id; numbers as floats, text channels as strings, and
 * channels the driver marks {@link Channel#integer()} as integers ({@code 42i}). A value with a fraction for
 * such a channel is left out of its point (InfluxDB would refuse the whole point for the type conflict) and
 * reported to {@code refused}.
 *
 * <p>{@code smart-meter-service}: Home Assistant devices (driver {@code homeassistant}) are written as the users'
 * old service wrote them, so their dashboards keep working: {@code smart_meter,meter_type=home_assistant
 * total_power_w=..,daily_kwh=..} and per circuit {@code smart_meter_circuit,circuit_name=<object id>,
 * meter_type=home_assistant power_w=..,percentage=..}, plus a {@code device} tag (the device id) so that two Home
 * Assistant devices are two series: a query that does not name the tag still reads what it read before. Other
 * drivers keep the default schema.
 */
public final class Schema {

    public static final String DEFAULT = "default";
    public static final String SMART_METER_SERVICE = "smart-meter-service";
    static final String HOME_ASSISTANT = "homeassistant";
    private static final String CIRCUIT = "circuit_";
    private static final String SHARE = "_share";

    private final String name;
    private final String measurement;
    private final String gatewayId;
    private final Consumer<String> refused;
    private final FloatFields floats;

    /**
     * @param name {@link #DEFAULT} or {@link #SMART_METER_SERVICE}
     * @param measurement measurement of the default schema, or empty for the driver id
     */
    public Schema(String name, String measurement, String gatewayId) {
        this(name, measurement, gatewayId, why -> { }, new FloatFields(null));
    }

    /**
     * @param refused told of every value left out of a point, with the reason (device, channel, value)
     * @param floats  integer channels InfluxDB already holds as floats: written as floats
     */
    public Schema(String name, String measurement, String gatewayId, Consumer<String> refused, FloatFields floats) {
        if (!DEFAULT.equals(name) && !SMART_METER_SERVICE.equals(name)) {
            throw new IllegalArgumentException("schema must be " + DEFAULT + " or " + SMART_METER_SERVICE + ", not '"
                    + name + "'");
        }
        if (!measurement.isEmpty() && LineWriter.measurementProblem(measurement) != null) {
            throw new IllegalArgumentException("measurement: " + LineWriter.measurementProblem(measurement));
        }
        this.name = name;
        this.measurement = measurement;
        this.gatewayId = gatewayId;
        this.refused = refused;
        this.floats = floats;
    }

    public String name() {
        return name;
    }

    /**
     * Appends the points of {@code batch} to {@code out}.
     *
     * @param now the time of readings that carry none
     * @return the number of points written
     */
    public int write(DeviceInfo device, List<Reading> batch, Supplier<Instant> now, StringBuilder out) {
        Map<Instant, List<Reading>> byTime = new LinkedHashMap<>();
        Instant fallback = null;
        for (Reading r : batch) {
            if (!r.hasValue() || !r.status().publishable()) {
                continue;
            }
            Instant t = r.timestamp();
            if (t == null) {
                fallback = fallback == null ? now.get() : fallback;
                t = fallback;
            }
            byTime.computeIfAbsent(t, k -> new ArrayList<>()).add(r);
        }
        LineWriter w = new LineWriter(out);
        int points = 0;
        boolean smartMeter = SMART_METER_SERVICE.equals(name) && HOME_ASSISTANT.equals(device.driverId());
        for (Map.Entry<Instant, List<Reading>> e : byTime.entrySet()) {
            points += smartMeter ? smartMeter(device, e.getKey(), e.getValue(), w)
                    : defaultPoint(device, e.getKey(), e.getValue(), w);
        }
        return points;
    }

    private int defaultPoint(DeviceInfo device, Instant time, List<Reading> readings, LineWriter w) {
        String m = measurement.isEmpty() ? device.driverId() : measurement;
        if (LineWriter.measurementProblem(m) != null) {
            m = "meter";
        }
        w.measurement(m).tag("device", device.id()).tag("gateway", gatewayId).tag("name", device.name());
        Set<String> integers = integerChannels(device);
        for (Reading r : readings) {
            value(w, device, m, r, integers);
        }
        if (!w.hasField()) {
            w.abandon();
            return 0;
        }
        w.end(time);
        return 1;
    }

    private static Set<String> integerChannels(DeviceInfo device) {
        Set<String> ids = null;
        for (Channel c : device.channels()) {
            if (c.integer()) {
                ids = ids == null ? new HashSet<>() : ids;
                ids.add(c.id());
            }
        }
        return ids == null ? Set.of() : ids;
    }

    private void value(LineWriter w, DeviceInfo device, String m, Reading r, Set<String> integers) {
        String field = r.channel();
        BigDecimal n = r.number();
        if (n == null) {
            w.field(field, r.textValue());
        } else if (!integers.contains(field) || floats.contains(m, field)) {
            w.field(field, n);
        } else {
            try {
                w.integerField(field, n.longValueExact());
            } catch (ArithmeticException e) {
                refused.accept("device " + device.id() + ": channel " + field + " counts in whole numbers, got "
                        + n.toPlainString() + "; left out of the point (an InfluxDB field keeps its type)");
            }
        }
    }

    private int smartMeter(DeviceInfo device, Instant time, List<Reading> readings, LineWriter w) {
        Set<String> channels = new HashSet<>();
        for (Channel c : device.channels()) {
            channels.add(c.id());
        }
        for (Reading r : readings) {
            channels.add(r.channel());
        }
        int points = 0;
        // total power and daily energy
        // tags in the old service's order plus device: a query naming meter_type or circuit_name still matches
        w.measurement("smart_meter").tag("device", device.id()).tag("meter_type", "home_assistant");
        for (Reading r : readings) {
            if (r.number() == null) {
                continue;
            }
            if ("total_power".equals(r.channel())) {
                w.field("total_power_w", r.number());
            } else if ("daily_energy".equals(r.channel())) {
                w.field("daily_kwh", r.number());
            }
        }
        if (w.hasField()) {
            w.end(time);
            points++;
        } else {
            w.abandon();
        }
        // circuits: power and share of one circuit go into one point
        Map<String, BigDecimal[]> circuits = new LinkedHashMap<>();
        for (Reading r : readings) {
            String ch = r.channel();
            if (r.number() == null || !ch.startsWith(CIRCUIT)) {
                continue;
            }
            boolean share = ch.endsWith(SHARE) && channels.contains(ch.substring(0, ch.length() - SHARE.length()));
            String circuit = share ? ch.substring(CIRCUIT.length(), ch.length() - SHARE.length())
                    : ch.substring(CIRCUIT.length());
            if (circuit.isEmpty()) {
                continue;
            }
            circuits.computeIfAbsent(circuit, k -> new BigDecimal[2])[share ? 1 : 0] = r.number();
        }
        for (Map.Entry<String, BigDecimal[]> c : circuits.entrySet()) {
            w.measurement("smart_meter_circuit").tag("circuit_name", c.getKey()).tag("device", device.id())
                    .tag("meter_type", "home_assistant");
            if (c.getValue()[0] != null) {
                w.field("power_w", c.getValue()[0]);
            }
            if (c.getValue()[1] != null) {
                w.field("percentage", c.getValue()[1]);
            }
            w.end(time);
            points++;
        }
        return points;
    }
}
