package org.meter2mqtt.driver.pulse.protocol;

import java.io.IOException;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads one EMDC pulse message. Both body shapes are accepted: the old one ({@code ts}, {@code dc_id},
 * {@code rarr}, {@code status}) and the newer one that adds {@code device_id}, {@code event_type},
 * {@code value}, {@code unit}, {@code source}. The kind comes from {@code event_type}, else from {@code rarr}
 * (0 active, anything else reactive), else from the routing key or topic ({@code ...ACTIVE} /
 * {@code .../active}). The time is {@code ts}, or {@code timestamp}, {@code time}, {@code t} as the
 * MQTT writer of the users accepts them; epoch milliseconds.
 */
public final class PulseParser {

    /** An edge clock this far ahead of the gateway's is wrong; such a pulse is not counted. */
    public static final long MAX_AHEAD_MS = 3_600_000L;
    private static final String[] TIME_FIELDS = { "ts", "timestamp", "time", "t" };
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, false);

    /** A pulse, or why the message is not one. */
    public record Result(Pulse pulse, String rejected) {
        static Result ok(Pulse p) {
            return new Result(p, null);
        }

        static Result reject(String why) {
            return new Result(null, why);
        }

        public boolean ok() {
            return pulse != null;
        }
    }

    private PulseParser() {
    }

    /**
     * @param body the message body
     * @param key the AMQP routing key or the MQTT topic it came with (may be null)
     * @param nowMillis the gateway's clock
     */
    public static Result parse(byte[] body, String key, long nowMillis) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return Result.reject("body is not JSON: " + preview(body));
        }
        if (root == null || !root.isObject()) {
            return Result.reject("body is not a JSON object: " + preview(body));
        }
        Long ts = null;
        for (String f : TIME_FIELDS) {
            JsonNode n = root.get(f);
            if (n != null && !n.isNull()) {
                ts = millis(n);
                if (ts == null) {
                    return Result.reject("'" + f + "' is not a number of milliseconds: " + n);
                }
                break;
            }
        }
        if (ts == null) {
            return Result.reject("no 'ts' in " + preview(body));
        }
        if (ts > nowMillis + MAX_AHEAD_MS) {
            return Result.reject("'ts' " + ts + " is more than one hour ahead of the gateway's clock");
        }
        JsonNode dc = root.get("dc_id");
        String dcId = dc == null || dc.isNull() ? "" : dc.asText();
        Kind kind;
        JsonNode type = root.get("event_type");
        JsonNode rarr = root.get("rarr");
        if (type != null && !type.isNull()) {
            String t = type.asText().toLowerCase(Locale.ROOT);
            if (t.equals("energy.active")) {
                kind = Kind.ACTIVE;
            } else if (t.equals("energy.reactive")) {
                kind = Kind.REACTIVE;
            } else {
                return Result.reject("event_type '" + type.asText() + "' is not an energy pulse");
            }
        } else if (rarr != null && !rarr.isNull()) {
            if (!rarr.isNumber() && !rarr.asText().matches("-?\\d+")) {
                return Result.reject("'rarr' is not a number: " + rarr);
            }
            kind = rarr.asLong() == 0 ? Kind.ACTIVE : Kind.REACTIVE;
        } else {
            kind = fromKey(key);
            if (kind == null) {
                return Result.reject("cannot tell active from reactive: no 'rarr', no 'event_type', and '" + key
                        + "' does not say");
            }
        }
        JsonNode dev = root.get("device_id");
        String source = dev == null || dev.isNull() || dev.asText().isEmpty() ? dcId : dev.asText() + "/" + dcId;
        return Result.ok(new Pulse(source, dcId, kind, ts));
    }

    /** {@code EMDC.EVENTS.ACTIVE} or {@code emdc/events/energy/active}; null when the key does not say. */
    static Kind fromKey(String key) {
        if (key == null) {
            return null;
        }
        String k = key.toLowerCase(Locale.ROOT);
        int cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('/'));
        String last = k.substring(cut + 1);
        if (last.equals("active")) {
            return Kind.ACTIVE;
        }
        if (last.equals("reactive")) {
            return Kind.REACTIVE;
        }
        return null;
    }

    private static Long millis(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return (long) n.asDouble();
        }
        if (n.isTextual() && n.asText().matches("\\d{1,18}")) {
            return Long.parseLong(n.asText());
        }
        return null;
    }

    private static String preview(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 60), java.nio.charset.StandardCharsets.UTF_8)
                .replaceAll("[\\p{Cntrl}]", "?");
        return "'" + s + (body.length > 60 ? "...'" : "'");
    }
}
