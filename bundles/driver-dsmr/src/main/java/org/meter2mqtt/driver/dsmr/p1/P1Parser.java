package org.meter2mqtt.driver.dsmr.p1;

import java.util.ArrayList;
import java.util.List;

/**
 * Streaming P1 telegram parser: takes bytes in chunks as they come from the port, finds telegrams
 * ({@code /header ... !CRC}), checks the CRC and hands each good telegram to the listener; bad input goes to
 * {@link Listener#invalid} and is dropped. Never throws for bad data.
 *
 * <p>Every byte is masked to 7 bits first, so a port opened as 8N1 reads a 7E1 meter (and the other way
 * round): P1 text is 7-bit ASCII. A '/' always starts a new telegram, so the parser resynchronises after
 * garbage or a cut line; bytes between telegrams are ignored. Not thread-safe: one reader thread feeds it.
 */
public final class P1Parser {

    /** Receives the parser's results, on the thread that calls {@link #parse}. */
    public interface Listener {
        void telegram(Telegram telegram);

        /** A telegram (or what looked like one) was rejected; the reason is for the user. */
        void invalid(String reason);
    }

    /** When a telegram must carry a CRC. */
    public enum CrcPolicy {
        /** DSMR 4, 5 and their variants: a telegram without CRC was cut short. */
        REQUIRED,
        /** Auto-detect: a telegram without CRC is taken only if it does not announce DSMR 4+ itself. */
        AUTO
    }

    /** Default upper bound of a telegram: a DSMR 5 telegram with a full text message is about 3 KiB. */
    public static final int DEFAULT_MAX_LENGTH = 16 * 1024;

    static final long P1_VERSION = Obis.of(1, 3, 0, 2, 8);
    static final long BE_VERSION = Obis.of(0, 0, 96, 1, 4);

    private enum State {
        WAIT_FOR_START, DATA, CRC
    }

    private final Listener listener;
    private final CrcPolicy crcPolicy;
    private final int maxLength;
    private final char[] buf;
    private int len;
    private int crc;
    private int crcValue;
    private int crcDigits;
    private State state = State.WAIT_FOR_START;

    public P1Parser(Listener listener, CrcPolicy crcPolicy, int maxLength) {
        this.listener = listener;
        this.crcPolicy = crcPolicy;
        this.maxLength = maxLength;
        this.buf = new char[maxLength];
    }

    public P1Parser(Listener listener, CrcPolicy crcPolicy) {
        this(listener, crcPolicy, DEFAULT_MAX_LENGTH);
    }

    public void parse(byte[] data, int off, int length) {
        int end = off + length;
        for (int i = off; i < end; i++) {
            int b = data[i] & 0x7F;
            switch (state) {
                case WAIT_FOR_START:
                    if (b == '/') {
                        start();
                    }
                    break;
                case DATA:
                    if (b == '/') {
                        listener.invalid("telegram truncated: a new one began after " + len + " bytes");
                        start();
                    } else if (len == maxLength) {
                        listener.invalid("no telegram end ('!') within " + maxLength + " bytes: discarded");
                        state = State.WAIT_FOR_START;
                    } else {
                        buf[len++] = (char) b;
                        crc = Crc16.update(crc, b);
                        if (b == '!') {
                            state = State.CRC;
                            crcDigits = 0;
                            crcValue = 0;
                        }
                    }
                    break;
                case CRC:
                default:
                    crcByte(b);
                    break;
            }
        }
    }

    /** Forgets a half-read telegram, e.g. after the link was reopened. */
    public void reset() {
        state = State.WAIT_FOR_START;
    }

    private void start() {
        buf[0] = '/';
        len = 1;
        crc = Crc16.update(0, '/');
        state = State.DATA;
    }

    private void crcByte(int b) {
        int digit = Character.digit(b, 16);
        if (digit >= 0 && crcDigits < 4) {
            crcValue = (crcValue << 4) | digit;
            crcDigits++;
        } else if (b == '\r' || b == '\n') {
            state = State.WAIT_FOR_START;
            finish();
        } else if (b == '/' && (crcDigits == 0 || crcDigits == 4)) {
            finish();
            start();
        } else {
            state = State.WAIT_FOR_START;
            listener.invalid("bad checksum field after '!': " + (digit >= 0 ? "more than 4 digits" : "unexpected "
                    + printable(b)) + ": telegram discarded");
            if (b == '/') {
                start();
            }
        }
    }

    private static String printable(int b) {
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02X", b);
    }

    private void finish() {
        boolean hasCrc = crcDigits > 0;
        if (hasCrc && crcValue != crc) {
            listener.invalid(String.format("CRC error: telegram says %04X, computed %04X", crcValue, crc));
            return;
        }
        Telegram t = decode(hasCrc);
        if (t == null) {
            return;
        }
        if (!hasCrc && (crcPolicy == CrcPolicy.REQUIRED || t.find(P1_VERSION) != null || t.find(BE_VERSION) != null)) {
            listener.invalid("telegram without CRC (DSMR 4/5 telegrams end with '!' and 4 hex digits): cut short?");
            return;
        }
        listener.telegram(t);
    }

    /** Splits the buffer (from '/' to '!') into header and objects; null when rejected. */
    private Telegram decode(boolean crcChecked) {
        int end = len - 1; // the '!'
        int pos = 1;
        int eol = lineEnd(pos, end);
        String header = header(pos, eol);
        List<CosemObject> objects = new ArrayList<>(48);
        List<String> skipped = List.of();
        pos = eol;
        while (pos < end) {
            char c = buf[pos];
            if (c == '\r' || c == '\n') {
                pos++;
                continue;
            }
            eol = lineEnd(pos, end);
            String problem = line(pos, eol, objects);
            if (problem != null) {
                String line = new String(buf, pos, Math.min(eol - pos, 80));
                if (!crcChecked) {
                    listener.invalid("unparsable line '" + line + "' (" + problem + ") in a telegram without CRC: "
                            + "telegram discarded");
                    return null;
                }
                if (skipped.isEmpty()) {
                    skipped = new ArrayList<>(2);
                }
                skipped.add(line);
            }
            pos = eol;
        }
        return new Telegram(header, objects, crcChecked, skipped);
    }

    private int lineEnd(int pos, int end) {
        while (pos < end && buf[pos] != '\r' && buf[pos] != '\n') {
            pos++;
        }
        return pos;
    }

    private String header(int from, int to) {
        char[] h = new char[to - from];
        for (int i = from; i < to; i++) {
            char c = buf[i];
            h[i - from] = c < 0x20 || c == 0x7F ? '?' : c;
        }
        return new String(h);
    }

    /** Parses one line into objects; returns what is wrong with it, or null. */
    private String line(int pos, int eol, List<CosemObject> objects) {
        if (buf[pos] == '(') {
            // DSMR 2.2/3 gas: the value of a 24.3.0 object comes on the next line
            if (objects.isEmpty()) {
                return "a value line without an object before it";
            }
            String[] more = groups(pos, eol);
            if (more == null) {
                return "unbalanced parentheses";
            }
            int last = objects.size() - 1;
            objects.set(last, objects.get(last).withExtraValues(more));
            return null;
        }
        long obis = 0;
        int group = 0;
        int value = -1;
        while (pos < eol) {
            char c = buf[pos];
            if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return "OBIS group above 255";
                }
            } else if (c == '-' || c == ':' || c == '.' || c == '(' || c == '*') {
                if (value < 0 || group > 4 || separator(group) != c && !(group == 4 && (c == '(' || c == '*'))) {
                    return "not an OBIS code";
                }
                obis = (obis << 8) | value;
                group++;
                value = -1;
                if (group == 5) {
                    break;
                }
            } else {
                return "not an OBIS code";
            }
            pos++;
        }
        if (group != 5) {
            return "not an OBIS code";
        }
        if (buf[pos] == '*') {
            // the F group (usually 255) is not part of the key
            pos++;
            while (pos < eol && buf[pos] >= '0' && buf[pos] <= '9') {
                pos++;
            }
        }
        String[] values = groups(pos, eol);
        if (values == null) {
            return "unbalanced parentheses";
        }
        objects.add(new CosemObject(obis, values));
        return null;
    }

    private static char separator(int group) {
        switch (group) {
            case 0:
                return '-';
            case 1:
                return ':';
            default:
                return '.';
        }
    }

    /** The texts of {@code (a)(b)...} from pos to eol, or null when the parentheses do not match. */
    private String[] groups(int pos, int eol) {
        int count = 0;
        for (int i = pos; i < eol; i++) {
            if (buf[i] == '(') {
                count++;
            }
        }
        if (count == 0) {
            return null;
        }
        String[] values = new String[count];
        int n = 0;
        while (pos < eol) {
            if (buf[pos] != '(') {
                return null;
            }
            int close = pos + 1;
            while (close < eol && buf[close] != ')') {
                if (buf[close] == '(') {
                    return null;
                }
                close++;
            }
            if (close == eol) {
                return null;
            }
            values[n++] = close == pos + 1 ? "" : new String(buf, pos + 1, close - pos - 1);
            pos = close + 1;
        }
        return values;
    }
}
