package org.meter2mqtt.driver.kpm33b.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MeterClockTest {

    static final ZoneId VIENNA = ZoneId.of("Europe/Vienna");

    @Test
    void aMeterTimeIsReadInTheMetersZoneAndTheLastOneIsRememberedNotConfused() {
        MeterClock c = new MeterClock(VIENNA, Duration.ofMinutes(10));
        assertThat(c.instant("20260112163900")).isEqualTo(Instant.parse("2026-01-12T15:39:00Z"));
        assertThat(c.instant("20260112163900")).isEqualTo(Instant.parse("2026-01-12T15:39:00Z"));
        assertThat(c.instant("20260712163901")).isEqualTo(Instant.parse("2026-07-12T14:39:01Z")); // summer time
        assertThat(c.instant("20260112163900")).isEqualTo(Instant.parse("2026-01-12T15:39:00Z"));
        assertThat(new MeterClock(ZoneId.of("UTC"), Duration.ofMinutes(10)).instant("20260112163900"))
                .isEqualTo(Instant.parse("2026-01-12T16:39:00Z"));
        assertThat(c.instant("20261312163900")).isNull();
        assertThat(c.instant("2026011216390")).isNull();
        assertThat(c.instant("2026011216390x")).isNull();
        assertThat(c.instant(null)).isNull();
    }

    @Test
    void plausibleIsWithinTheToleranceEitherWayToTheNanosecond() {
        MeterClock c = new MeterClock(VIENNA, Duration.ofMinutes(10));
        Instant now = Instant.parse("2026-01-12T15:39:00.250Z");
        assertThat(c.plausible(now.plus(Duration.ofMinutes(10)), now)).isTrue();
        assertThat(c.plausible(now.minus(Duration.ofMinutes(10)), now)).isTrue();
        assertThat(c.plausible(now.plus(Duration.ofMinutes(10)).plusNanos(1), now)).isFalse();
        assertThat(c.plausible(now.minus(Duration.ofMinutes(10)).minusNanos(1), now)).isFalse();
        assertThat(c.plausible(Instant.parse("2005-01-13T16:00:00Z"), now)).isFalse();
        assertThat(c.plausible(Instant.MAX, now)).isFalse();
        assertThat(c.plausible(null, now)).isFalse();
    }

    /** The same answers as the plain Duration comparison, for instants and tolerances with odd nanoseconds. */
    @Test
    void plausibleAgreesWithDurationArithmetic() {
        Random r = new Random(17);
        for (int i = 0; i < 200_000; i++) {
            Duration tolerance = Duration.ofSeconds(r.nextInt(4), r.nextInt(3) == 0 ? 0 : r.nextInt(1_000_000_000));
            MeterClock c = new MeterClock(VIENNA, tolerance);
            Instant now = Instant.ofEpochSecond(1_700_000_000L + r.nextInt(10), r.nextInt(1_000_000_000));
            Instant meter = Instant.ofEpochSecond(now.getEpochSecond() + r.nextInt(9) - 4,
                    r.nextInt(4) == 0 ? now.getNano() : r.nextInt(1_000_000_000));
            boolean expected = Duration.between(meter, now).abs().compareTo(tolerance) <= 0;
            assertThat(c.plausible(meter, now)).as(meter + " " + now + " " + tolerance).isEqualTo(expected);
        }
    }
}
