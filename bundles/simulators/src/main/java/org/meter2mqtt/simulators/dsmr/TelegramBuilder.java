package org.meter2mqtt.simulators.dsmr;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * Writes P1 telegrams the way meters print them, for telegram number {@code k} at a given meter time. Values
 * follow fixed formulas of k, so a test can check what the gateway published:
 * <ul>
 * <li>energy import tariff 1 = 1234.567 + 0.010 k kWh; tariff 2 = 2345.678 kWh; export 12.345 / 0.500 kWh</li>
 * <li>power import = 0.500 + 0.100 (k mod 10) kW; voltage L1 = 230.0 + 0.1 (k mod 5) V</li>
 * <li>gas = 456.789 + 0.001 (minutes since epoch / 5 mod 1000) m³, captured on the 5-minute mark;
 *     water (be) = 78.9 m³</li>
 * </ul>
 * Shares no code with the driver: its own CRC, its own timestamp and hex formatting.
 */
final class TelegramBuilder {

    static final ZoneId METER_ZONE = ZoneId.of("Europe/Amsterdam");

    /** Supported dialects. */
    enum Version {
        V2_2, V3, V4, V5, BE;

        static Version of(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "2.2":
                    return V2_2;
                case "3":
                    return V3;
                case "4":
                    return V4;
                case "5":
                case "smarty":
                    return V5;
                case "be":
                    return BE;
                default:
                    throw new IllegalArgumentException("unknown version " + s + " (2.2, 3, 4, 5, be, smarty)");
            }
        }
    }

    private final Version version;
    private final int gasChannel;

    TelegramBuilder(Version version, int gasChannel) {
        this.version = version;
        this.gasChannel = gasChannel;
    }

    static String energyT1(long k) {
        return fixed(1234567 + 10 * k, 3);
    }

    /** The telegram text, from '/' up to and including the line with '!' and the CRC (if any). */
    byte[] build(long k, Instant now) {
        StringBuilder t = new StringBuilder(1024);
        boolean modern = version == Version.V4 || version == Version.V5 || version == Version.BE;
        switch (version) {
            case BE:
                t.append("/FLU5\\253769484_A\r\n\r\n0-0:96.1.4(50217)\r\n");
                break;
            case V4:
                t.append("/KFM5KAIFA-METER\r\n\r\n1-3:0.2.8(42)\r\n");
                break;
            case V5:
                t.append("/ISK5\\2M550T-1012\r\n\r\n1-3:0.2.8(50)\r\n");
                break;
            default:
                t.append("/ISk5\\2MT382-1000\r\n\r\n");
                break;
        }
        if (modern) {
            t.append("0-0:1.0.0(").append(stamp(now, true)).append(")\r\n");
        }
        t.append("0-0:96.1.1(").append(hex("E0044007382246019")).append(")\r\n");
        String digits = modern ? "%010.3f" : "%09.3f";
        t.append("1-0:1.8.1(").append(pad(energyT1(k), modern ? 10 : 9)).append("*kWh)\r\n");
        t.append("1-0:1.8.2(").append(String.format(Locale.ROOT, digits, 2345.678)).append("*kWh)\r\n");
        t.append("1-0:2.8.1(").append(String.format(Locale.ROOT, digits, 12.345)).append("*kWh)\r\n");
        t.append("1-0:2.8.2(").append(String.format(Locale.ROOT, digits, 0.5)).append("*kWh)\r\n");
        t.append("0-0:96.14.0(000").append(version == Version.BE ? 1 : 2).append(")\r\n");
        t.append("1-0:1.7.0(").append(pad(fixed(500 + 100 * (k % 10), 3), 6)).append("*kW)\r\n");
        t.append("1-0:2.7.0(00.000*kW)\r\n");
        if (modern) {
            t.append("0-0:96.7.21(00004)\r\n0-0:96.7.9(00002)\r\n");
            t.append("1-0:32.7.0(").append(fixed(2300 + k % 5, 1)).append("*V)\r\n");
            t.append("1-0:52.7.0(231.0*V)\r\n1-0:72.7.0(229.5*V)\r\n");
            t.append("1-0:31.7.0(002*A)\r\n1-0:51.7.0(000*A)\r\n1-0:71.7.0(001*A)\r\n");
            t.append("1-0:21.7.0(00.300*kW)\r\n1-0:41.7.0(00.100*kW)\r\n1-0:61.7.0(00.100*kW)\r\n");
            t.append("1-0:22.7.0(00.000*kW)\r\n1-0:42.7.0(00.000*kW)\r\n1-0:62.7.0(00.000*kW)\r\n");
        } else {
            t.append("0-0:17.0.0(999*A)\r\n0-0:96.3.10(1)\r\n");
        }
        t.append("0-0:96.13.0()\r\n");
        // M-Bus: an unused placeholder before the gas meter when it is not on channel 1
        for (int ch = 1; ch < gasChannel; ch++) {
            if (modern) {
                t.append("0-").append(ch).append(":24.1.0(003)\r\n0-").append(ch).append(":96.1.0()\r\n0-")
                        .append(ch).append(":24.2.1(700101010000W)(00000000)\r\n");
            }
        }
        Instant capture = Instant.ofEpochSecond(now.getEpochSecond() / 300 * 300);
        String gas = fixed(456789 + (now.getEpochSecond() / 300) % 1000, 3);
        int g = gasChannel;
        t.append("0-").append(g).append(":24.1.0(").append(modern ? "003" : "3").append(")\r\n");
        t.append("0-").append(g).append(version == Version.BE ? ":96.1.1(" : ":96.1.0(")
                .append(hex("G0039001936990619")).append(")\r\n");
        if (modern) {
            t.append("0-").append(g).append(version == Version.BE ? ":24.2.3(" : ":24.2.1(")
                    .append(stamp(capture, true)).append(")(").append(pad(gas, 9)).append("*m3)\r\n");
        } else {
            t.append("0-").append(g).append(":24.3.0(").append(stamp(capture, false))
                    .append(")(00)(60)(1)(0-").append(g).append(":24.2.1)(m3)\r\n(").append(pad(gas, 9)).append(")\r\n");
            t.append("0-").append(g).append(":24.4.0(1)\r\n");
        }
        if (version == Version.BE) {
            int w = g + 1;
            t.append("0-").append(w).append(":24.1.0(007)\r\n0-").append(w).append(":24.2.1(")
                    .append(stamp(capture, true)).append(")(00078.900*m3)\r\n");
        }
        t.append('!');
        byte[] body = t.toString().getBytes(StandardCharsets.US_ASCII);
        String tail = modern ? String.format("%04X\r\n", SimCrc.crc16(body)) : "\r\n";
        byte[] out = new byte[body.length + tail.length()];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(tail.getBytes(StandardCharsets.US_ASCII), 0, out, body.length, tail.length());
        return out;
    }

    /** YYMMDDhhmmss in Dutch local time, with S/W when the version prints it. */
    static String stamp(Instant at, boolean flag) {
        ZonedDateTime z = at.atZone(METER_ZONE);
        LocalDateTime l = z.toLocalDateTime();
        String s = String.format(Locale.ROOT, "%02d%02d%02d%02d%02d%02d", l.getYear() % 100, l.getMonthValue(),
                l.getDayOfMonth(), l.getHour(), l.getMinute(), l.getSecond());
        if (!flag) {
            return s;
        }
        return s + (METER_ZONE.getRules().isDaylightSavings(at) ? 'S' : 'W');
    }

    static String hex(String ascii) {
        StringBuilder sb = new StringBuilder();
        for (char c : ascii.toCharArray()) {
            sb.append(String.format("%02X", (int) c));
        }
        return sb.toString();
    }

    /** unscaled / 10^scale as fixed-point text. */
    static String fixed(long unscaled, int scale) {
        String s = Long.toString(unscaled);
        while (s.length() <= scale) {
            s = "0" + s;
        }
        return s.substring(0, s.length() - scale) + "." + s.substring(s.length() - scale);
    }

    static String pad(String s, int width) {
        StringBuilder sb = new StringBuilder();
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s).toString();
    }
}
