package org.meter2mqtt.driver.kpm33b.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DiscoveredMeter;
import org.meter2mqtt.driver.kpm33b.protocol.MessageParser;
import org.meter2mqtt.driver.kpm33b.protocol.MeterMessage;

/** Meters without a .cfg: announced once, listed by suggested id, their last message kept for the session. */
class DiscoveredMetersTest {

    final DiscoveredMeters meters = new DiscoveredMeters();
    static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    static MeterMessage message(String id, double current) {
        return MessageParser.parse("MQTT_RT_DATA", ("{\"id\":\"" + id + "\",\"time\":\"20261204100000\",\"ia\":"
                + current + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMeterWithoutASessionIsAnnouncedOnceAndListedWithWhenItWasLastSeen() {
        assertThat(meters.seen(message("33B1225950027", 1.0), T0, T0, true)).isTrue();
        assertThat(meters.seen(message("33B1225950027", 2.0), T0, T0.plusSeconds(5), true)).isFalse();
        assertThat(meters.seen(message("33B0000000001", 1.0), T0, T0.plusSeconds(7), true)).isTrue();
        assertThat(meters.list(id -> true)).extracting(DiscoveredMeter::suggestedId)
                .containsExactly("33B0000000001", "33B1225950027");
        assertThat(meters.list(id -> true).get(1).lastSeen()).isEqualTo(T0.plusSeconds(5));
        assertThat(meters.list(id -> !id.equals("33B0000000001"))).hasSize(1);
    }

    @Test
    void aMeterServedByATransientDeviceIsNotAnnouncedAgain() {
        // keep=false: an auto-discovered session takes the messages; only "last seen" moves
        assertThat(meters.seen(message("33B1225950027", 1.0), T0, T0, false)).isFalse();
        assertThat(meters.claim("33B1225950027", false)).isNull();
        assertThat(meters.list(id -> true)).hasSize(1);
    }

    @Test
    void theLastMessageGoesToTheSessionThatTakesTheMeterOnce() {
        meters.seen(message("33B1225950027", 1.0), T0, T0, true);
        meters.seen(message("33B1225950027", 2.0), T0.plusSeconds(1), T0.plusSeconds(1), true);
        DiscoveredMeters.Kept kept = meters.claim("33B1225950027", false);
        assertThat(kept.time).isEqualTo(T0.plusSeconds(1));
        assertThat(meters.claim("33B1225950027", false)).isNull();
        // an auto-discovered device leaves the meter listed; a .cfg device takes it off the list
        assertThat(meters.list(id -> true)).hasSize(1);
        meters.claim("33B1225950027", true);
        assertThat(meters.list(id -> true)).isEmpty();
    }

    /** The gateway parses into arrays its thread reuses: the kept message is a copy the next messages leave alone. */
    @Test
    void theKeptMessageIsUntouchedByTheMessagesParsedAfterIt() {
        byte[] first = ("{\"id\":\"33B1225950027\",\"time\":\"20261204100000\",\"ia\":1.5,\"ua\":230.1}")
                .getBytes(StandardCharsets.UTF_8);
        meters.seen(MessageParser.parseReusing("MQTT_RT_DATA", first, 0, first.length), T0, T0, true);
        byte[] next = ("{\"id\":\"33B0000000001\",\"time\":\"20261204100001\",\"ib\":9}")
                .getBytes(StandardCharsets.UTF_8);
        MessageParser.parseReusing("MQTT_RT_DATA", next, 0, next.length);
        MeterMessage kept = meters.claim("33B1225950027", true).message;
        assertThat(kept.id()).isEqualTo("33B1225950027");
        assertThat(kept.values()).containsExactly(java.util.Map.entry("ia", new java.math.BigDecimal("1.5")),
                java.util.Map.entry("ua", new java.math.BigDecimal("230.1")));
    }

    @Test
    void suggestedDeviceIdsAreSafeForTopics() {
        assertThat(DiscoveredMeters.deviceId("33B/12+25#9")).isEqualTo("33B_12_25_9");
    }
}
