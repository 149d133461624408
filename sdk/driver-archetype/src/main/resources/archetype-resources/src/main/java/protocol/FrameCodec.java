package ${package}.protocol;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The example protocol: one ASCII line per reading, {@code /<meter id>:E=<kWh>;P=<W>;V=<V>*<checksum>}, where the
 * checksum is the XOR of every character between {@code /} and {@code *} as two hex digits. Plain Java, no OSGi:
 * replace it with your meter's real protocol and keep it testable with recorded frames.
 */
public final class FrameCodec {

    private FrameCodec() {
    }

    public static Frame parse(String line) throws BadFrameException {
        if (line == null) {
            throw new BadFrameException("no frame");
        }
        String s = line.trim();
        int star = s.lastIndexOf('*');
        if (!s.startsWith("/") || star < 0 || star + 3 != s.length()) {
            throw new BadFrameException("not a frame: '" + abbreviate(s) + "'");
        }
        String body = s.substring(1, star);
        String sum = s.substring(star + 1);
        if (!sum.equalsIgnoreCase(checksum(body))) {
            throw new BadFrameException("checksum " + sum + " does not match " + checksum(body));
        }
        int colon = body.indexOf(':');
        if (colon < 1) {
            throw new BadFrameException("no meter id");
        }
        Map<String, BigDecimal> values = new HashMap<>();
        for (String field : body.substring(colon + 1).split(";")) {
            String[] kv = field.split("=", 2);
            if (kv.length != 2) {
                throw new BadFrameException("field without value: '" + abbreviate(field) + "'");
            }
            try {
                values.put(kv[0], new BigDecimal(kv[1]));
            } catch (NumberFormatException e) {
                throw new BadFrameException("field " + kv[0] + " is not a number: '" + abbreviate(kv[1]) + "'");
            }
        }
        return new Frame(body.substring(0, colon), require(values, "E"), require(values, "P"), require(values, "V"));
    }

    public static String format(Frame f) {
        String body = f.meterId() + ":E=" + f.energyKwh().toPlainString() + ";P=" + f.powerW().toPlainString()
                + ";V=" + f.voltageV().toPlainString();
        return "/" + body + "*" + checksum(body);
    }

    static String checksum(String body) {
        int x = 0;
        for (char c : body.toCharArray()) {
            x ^= c;
        }
        return String.format(Locale.ROOT, "%02X", x & 0xFF);
    }

    private static BigDecimal require(Map<String, BigDecimal> values, String key) throws BadFrameException {
        BigDecimal v = values.get(key);
        if (v == null) {
            throw new BadFrameException("field " + key + " missing");
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
