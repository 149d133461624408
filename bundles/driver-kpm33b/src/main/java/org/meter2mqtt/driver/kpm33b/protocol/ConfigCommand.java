package org.meter2mqtt.driver.kpm33b.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The upload-interval commands (topic {@code MQTT_COMMOD_SET_<last 8 of id>}) and their replies
 * ({@code MQTT_COMMOD_SET_REP}, matched by {@code oprid}).
 */
public final class ConfigCommand {

    /** Which interval a command sets. */
    public enum Interval {
        /** {@code Cmd 0000}: the real-time ("second level") data interval, in seconds. */
        SECONDS("0000", List.of("30", "60", "300", "600", "900", "1200", "1800", "3600")),
        /** {@code Cmd 0001}: the energy ("minute level") data interval, in minutes. */
        MINUTES("0001", List.of("1", "5", "10", "15", "20", "30", "60", "1440"));

        private final String cmd;
        private final List<String> allowed;

        Interval(String cmd, List<String> allowed) {
            this.cmd = cmd;
            this.allowed = allowed;
        }

        public String cmd() {
            return cmd;
        }

        /** The values the meter accepts. */
        public List<String> allowed() {
            return allowed;
        }
    }

    /** A reply of the meter. */
    public static final class Reply {
        private final String id;
        private final String oprid;
        private final String code;
        private final String msg;

        Reply(String id, String oprid, String code, String msg) {
            this.id = id;
            this.oprid = oprid;
            this.code = code;
            this.msg = msg;
        }

        /** The meter id, or null (some firmware sends only oprid and code). */
        public String id() {
            return id;
        }

        public String oprid() {
            return oprid;
        }

        /** {@code 01} success, {@code 02} failure. */
        public String code() {
            return code;
        }

        /** The meter's explanation on failure, or null. */
        public String msg() {
            return msg;
        }

        public boolean success() {
            return "01".equals(code) || "1".equals(code);
        }

        @Override
        public String toString() {
            return "reply " + oprid + " code " + code + (msg == null ? "" : " (" + msg + ")");
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    private ConfigCommand() {
    }

    /** A fresh operation id: 32 hexadecimal characters. */
    public static String newOprid() {
        UUID u = UUID.randomUUID();
        return String.format("%016x%016x", u.getMostSignificantBits(), u.getLeastSignificantBits());
    }

    /** The command topic of a meter: the prefix and the last 8 characters of its id. */
    public static String topic(String prefix, String meterId) {
        return prefix + (meterId.length() <= 8 ? meterId : meterId.substring(meterId.length() - 8));
    }

    /** {@code {"oprid":..,"Cmd":"0000","value":"60","types":"1"}}; values are integers, so types is 1. */
    public static byte[] payload(String oprid, Interval interval, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("oprid", oprid);
            g.writeStringField("Cmd", interval.cmd());
            g.writeStringField("value", value);
            g.writeStringField("types", "1");
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** The reply, or null when the payload is not a reply with an oprid. */
    public static Reply parseReply(byte[] payload) {
        String id = null;
        String oprid = null;
        String code = null;
        String msg = null;
        try (JsonParser p = JSON.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                String text = v == JsonToken.VALUE_NULL ? null : p.getText();
                switch (name) {
                    case "id":
                        id = text;
                        break;
                    case "oprid":
                        oprid = text;
                        break;
                    case "code":
                        code = text;
                        break;
                    case "msg":
                        msg = text;
                        break;
                    default:
                        break;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return oprid == null ? null : new Reply(id, oprid, code, msg);
    }
}
