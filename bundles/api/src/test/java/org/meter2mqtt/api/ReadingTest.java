package org.meter2mqtt.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class ReadingTest {

    private static final Instant T = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void aReadingMadeForItsDeviceEqualsOneTheCoreStamped() {
        Reading stamped = Reading.forDevice("kitchen", "active_power", new BigDecimal("0.120"), T);
        assertThat(stamped).isEqualTo(Reading.of("active_power", new BigDecimal("0.120"), T).withDevice("kitchen"));
        assertThat(stamped.deviceId()).isEqualTo("kitchen");
        assertThat(stamped.status()).isEqualTo(ReadingStatus.OK);
        assertThat(stamped.formatted()).isEqualTo("0.120");
        assertThat(stamped).isNotEqualTo(Reading.forDevice("hall", "active_power", new BigDecimal("0.120"), T));
    }

    @Test
    void aReadingForADeviceNeedsTheDeviceAndAValue() {
        assertThatThrownBy(() -> Reading.forDevice(null, "x", BigDecimal.ONE, T))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("deviceId");
        assertThatThrownBy(() -> Reading.forDevice("d", "x", null, T))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("value");
    }
}
