package org.meter2mqtt.driver.kpm33b.protocol;

import java.io.IOException;
import java.math.BigDecimal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Reads KPM33B JSON payloads with Jackson's streaming parser: one pass, no tree, numbers as the exact decimals
 * the meter printed. Thread-safe; never throws on bad input (the message carries the error instead).
 */
public final class MessageParser {

    private static final JsonFactory JSON = new JsonFactory();

    private MessageParser() {
    }

    public static MeterMessage parse(String topic, byte[] payload) {
        return parse(topic, payload, 0, payload.length);
    }

    public static MeterMessage parse(String topic, byte[] payload, int offset, int length) {
        String id = null;
        String time = null;
        String isend = null;
        MeterMessage.Values values = new MeterMessage.Values(48); // a KPM33B sends 42 tags
        try (JsonParser p = JSON.createParser(payload, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return MeterMessage.failed(topic, null, "payload is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                Field known = Field.byTag(name);
                JsonToken v = p.nextToken();
                switch (v) {
                    case VALUE_NUMBER_INT:
                    case VALUE_NUMBER_FLOAT:
                        values.put(name, known, p.getDecimalValue());
                        break;
                    case VALUE_STRING:
                        String s = p.getText();
                        if ("id".equals(name)) {
                            id = s;
                        } else if ("time".equals(name)) {
                            time = s;
                        } else if ("isend".equals(name)) {
                            isend = s;
                        } else if (known != null) {
                            // some firmware quotes numbers; a known measurement that is not a number is bad data
                            try {
                                values.put(name, known, new BigDecimal(s.trim()));
                            } catch (NumberFormatException e) {
                                return MeterMessage.failed(topic, id, "tag '" + name + "' is not a number: '" + s
                                        + "'");
                            }
                        }
                        break;
                    case START_OBJECT:
                    case START_ARRAY:
                        p.skipChildren(); // not part of the KPM33B data messages; ignored
                        break;
                    default:
                        break; // null, true, false: nothing to publish
                }
            }
            if (t != JsonToken.END_OBJECT) {
                return MeterMessage.failed(topic, id, "payload is not a complete JSON object");
            }
        } catch (IOException e) {
            return MeterMessage.failed(topic, id, "malformed JSON: " + firstLine(e.getMessage()));
        }
        if (id == null || id.isBlank()) {
            return MeterMessage.failed(topic, null, "message has no meter id");
        }
        return values.message(topic, id, time, isend);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
