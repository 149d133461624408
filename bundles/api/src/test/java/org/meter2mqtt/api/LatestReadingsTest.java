package org.meter2mqtt.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LatestReadingsTest {

    private static final Instant T = Instant.parse("2026-12-05T07:30:00.123456789Z");

    /** Every number comes back with its exact value and scale (BigDecimal.equals), narrow or wide. */
    @ParameterizedTest
    @ValueSource(strings = {"0", "0.000", "001234.567", "-17.5", "1E+3", "1E-30", "123456789012345678",
            "-123456789012345678", "9223372036854775807", "9223372036854775808", "1234567890123456789.5",
            "-0.000000000000000001", "12345678901234567890123456789012345678901234567890"})
    void numbersComeBackExactly(String text) {
        LatestReadings l = new LatestReadings();
        Reading r = Reading.of("energy", new BigDecimal(text), T).withDevice("house");
        l.put(r);
        assertThat(l.get("energy")).isEqualTo(r);
        assertThat(l.get("energy").number().scale()).isEqualTo(new BigDecimal(text).scale());
        assertThat(l.get("energy").formatted()).isEqualTo(r.formatted());
    }

    @Test
    void textsStatusesMissingTimesAndDevicesComeBack() {
        LatestReadings l = new LatestReadings();
        List<Reading> in = List.of(Reading.text("tariff", "low", T),
                Reading.of("gas", new BigDecimal("12.345"), T).withStatus(ReadingStatus.STALE).withDevice("d1"),
                Reading.of("power", new BigDecimal("1.5"), null),
                Reading.failed("voltage", ReadingStatus.CRC_ERROR, T).withDevice("d1"));
        l.putAll(in);
        assertThat(l.size()).isEqualTo(4);
        for (Reading r : in) {
            assertThat(l.get(r.channel())).isEqualTo(r);
            assertThat(l.get(r.channel()).status()).isEqualTo(r.status());
            assertThat(l.get(r.channel()).deviceId()).isEqualTo(r.deviceId());
        }
        assertThat(l.get("current")).isNull();
    }

    /** A newer reading replaces its channel's in place, of any kind; the map keeps the order channels came in. */
    @Test
    void aNewerReadingReplacesItsChannel() {
        LatestReadings l = new LatestReadings();
        l.put(Reading.of("power", new BigDecimal("12345678901234567890123"), T));
        l.put(Reading.of("energy", new BigDecimal("1.000"), T));
        Reading later = Reading.of("power", new BigDecimal("2.5"), T.plusSeconds(1));
        l.put(later);
        assertThat(l.size()).isEqualTo(2);
        assertThat(l.toMap()).containsExactly(java.util.Map.entry("power", later),
                java.util.Map.entry("energy", Reading.of("energy", new BigDecimal("1.000"), T)));
        Reading text = Reading.text("power", "n/a", T.plusSeconds(2));
        l.put(text);
        assertThat(l.get("power")).isEqualTo(text);
        assertThat(l.get("power").number()).isNull();
        Reading failed = Reading.failed("power", ReadingStatus.UNAVAILABLE, T.plusSeconds(3));
        l.put(failed);
        assertThat(l.get("power")).isEqualTo(failed);
        assertThat(l.get("power").hasValue()).isFalse();
    }

    /** What comes back is a copy: changing the returned map changes nothing kept. */
    @Test
    void toMapIsACopy() {
        LatestReadings l = new LatestReadings();
        l.put(Reading.of("energy", BigDecimal.ONE, T));
        l.toMap().clear();
        assertThat(l.toMap()).containsOnlyKeys("energy");
    }
}
