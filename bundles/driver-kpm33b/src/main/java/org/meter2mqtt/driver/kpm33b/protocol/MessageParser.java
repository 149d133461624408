package org.meter2mqtt.driver.kpm33b.protocol;

import java.io.IOException;
import java.math.BigDecimal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;

/**
 * Reads KPM33B JSON payloads with Jackson's streaming parser: one pass, no tree, numbers as the exact decimals
 * the meter printed (kept compact, see {@link MeterMessage}). Thread-safe; never throws on bad input (the message
 * carries the error instead).
 *
 * <p>Each thread keeps one non-blocking parser and feeds it one payload after another, instead of a new parser per
 * payload: a parser with its context, buffers and symbol table was about 650 bytes of what every meter message
 * allocated. A payload that leaves the parser in the middle of a document (bad JSON, cut short, anything after
 * the object) gets it replaced, so the next payload starts clean.
 */
public final class MessageParser {

    private static final JsonFactory JSON = new JsonFactory();
    /** 18 decimal digits are below 10^18, which a long holds with room to spare (Long.MAX_VALUE is 9.2e18). */
    static final int MAX_DIGITS = 18;
    /** Room for a KPM33B's 42 tags. */
    private static final int TAGS = 48;
    /** A thread's reused arrays that grew beyond this (a message with hundreds of tags) are not kept. */
    private static final int KEEP_AT_MOST = 256;
    private static final ThreadLocal<Feed> FEED = ThreadLocal.withInitial(Feed::new);

    private MessageParser() {
    }

    public static MeterMessage parse(String topic, byte[] payload) {
        return parse(topic, payload, 0, payload.length);
    }

    public static MeterMessage parse(String topic, byte[] payload, int offset, int length) {
        return parse(topic, payload, offset, length, new MeterMessage.Values(TAGS), FEED.get());
    }

    /**
     * Like {@link #parse}, into arrays this thread reuses for its next message: the message is valid until this
     * thread parses again; {@link MeterMessage#kept} gives one to keep. The arrays were about 850 bytes of what each
     * meter message allocated (issue 17).
     */
    public static MeterMessage parseReusing(String topic, byte[] payload, int offset, int length) {
        Feed feed = FEED.get();
        return parse(topic, payload, offset, length, feed.values(), feed);
    }

    private static MeterMessage parse(String topic, byte[] payload, int offset, int length,
            MeterMessage.Values values, Feed feed) {
        String id = null;
        String time = null;
        String isend = null;
        boolean clean = false;
        try {
            JsonParser p = feed.start(payload, offset, length);
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
                        if (!putPlain(values, name, known, p.getTextCharacters(), p.getTextOffset(),
                                p.getTextLength())) {
                            values.put(name, known, p.getDecimalValue());
                        }
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
                // NOT_AVAILABLE: the payload ended inside the object
                return MeterMessage.failed(topic, id, "payload is not a complete JSON object");
            }
            clean = feed.restIsBlank();
        } catch (IOException e) {
            return MeterMessage.failed(topic, id, "malformed JSON: " + firstLine(e.getMessage()));
        } finally {
            if (!clean) {
                feed.renew();
            }
        }
        if (id == null || id.isBlank()) {
            return MeterMessage.failed(topic, null, "message has no meter id");
        }
        return values.message(topic, id, time, isend);
    }

    /**
     * Keeps a number token as unscaled long + scale, without allocating, when it is plain decimal notation:
     * optional '-', digits, optional '.' and digits, at most {@value #MAX_DIGITS} significant digits (so the long
     * cannot overflow) and a scale the compact form holds. Jackson has already checked the token's syntax; this
     * only reads its characters. Anything else (an exponent, more digits) returns false, and the caller keeps
     * Jackson's BigDecimal.
     */
    static boolean putPlain(MeterMessage.Values values, String name, Field known, char[] text, int offset,
            int length) {
        if (text == null) {
            return false;
        }
        int end = offset + length;
        int i = offset;
        boolean negative = i < end && text[i] == '-';
        if (negative) {
            i++;
        }
        long unscaled = 0;
        int significant = 0; // leading zeros do not count: 0.000123 needs room for 123 only
        int scale = -1; // -1 until the point
        boolean digits = false;
        for (; i < end; i++) {
            char c = text[i];
            if (c >= '0' && c <= '9') {
                if ((unscaled != 0 || c != '0') && ++significant > MAX_DIGITS) {
                    return false;
                }
                unscaled = unscaled * 10 + (c - '0');
                digits = true;
                if (scale >= 0 && ++scale > MeterMessage.MAX_SCALE) {
                    return false;
                }
            } else if (c == '.' && scale < 0) {
                scale = 0;
            } else {
                return false; // 'e'/'E' and the exponent's sign, or anything unexpected
            }
        }
        if (!digits) {
            return false;
        }
        values.put(name, known, negative ? -unscaled : unscaled, Math.max(scale, 0));
        return true;
    }

    /** One thread's parser, fed payload after payload; renewed after a bad one and now and then. */
    private static final class Feed {
        /** Field names are kept in the parser's symbol table: renewing bounds it whatever names meters send. */
        private static final int RENEW_AFTER = 100_000;
        private JsonParser parser;
        private ByteArrayFeeder feeder;
        private int fed;
        private MeterMessage.Values values;

        /** This thread's arrays, emptied; the message they held before is overwritten from now on. */
        MeterMessage.Values values() {
            if (values == null || values.capacity() > KEEP_AT_MOST) {
                values = new MeterMessage.Values(TAGS, true);
            } else {
                values.reset();
            }
            return values;
        }

        JsonParser start(byte[] payload, int offset, int length) throws IOException {
            if (parser == null || ++fed > RENEW_AFTER) {
                renew();
                parser = JSON.createNonBlockingByteArrayParser();
                feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
            }
            feeder.feedInput(payload, offset, offset + length);
            return parser;
        }

        /**
         * After the object: true when only whitespace followed it, so the parser can take the next payload. Anything
         * else was ignored before this parser was reused and still is; the parser is replaced instead.
         */
        boolean restIsBlank() {
            try {
                return parser.nextToken() == JsonToken.NOT_AVAILABLE;
            } catch (IOException e) {
                return false; // junk after the object: the message stands, only the parser is replaced
            }
        }

        void renew() {
            if (parser != null) {
                try {
                    parser.close();
                } catch (IOException e) {
                    // closing a parser over an array releases buffers only
                }
            }
            parser = null;
            feeder = null;
            fed = 0;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
