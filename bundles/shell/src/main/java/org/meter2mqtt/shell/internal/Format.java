package org.meter2mqtt.shell.internal;

import java.time.Duration;
import java.time.Instant;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.Reading;

/** Small text helpers shared by the commands. */
final class Format {

    private Format() {
    }

    static String age(Instant then, Instant now) {
        if (then == null) {
            return "never";
        }
        long s = Math.max(0, Duration.between(then, now).getSeconds());
        if (s < 120) {
            return s + " s ago";
        }
        if (s < 7200) {
            return s / 60 + " min ago";
        }
        return s / 3600 + " h ago";
    }

    static String value(Reading r, DeviceInfo device) {
        String unit = device.channels().stream().filter(c -> c.id().equals(r.channel())).map(Channel::unit)
                .filter(u -> u != null).findFirst().orElse("");
        return r.formatted() + (unit.isEmpty() ? "" : " " + unit);
    }

    static String shorten(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
