package org.meter2mqtt.api.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @ParameterizedTest(name = "{0} ms initial, {1} ms max, failure {2}: {3} ms")
    @CsvSource({
            "1000, 60000, 0, 0",
            "1000, 60000, 1, 1000",
            "1000, 60000, 2, 2000",
            "1000, 60000, 6, 32000",
            "1000, 60000, 7, 60000",
            "1000, 60000, 1000000, 60000",
            "1, 9223372036854775807, 2147483647, 2305843009213693952",
            "250, 250, 3, 250"})
    void doublesUpToTheCap(long initial, long max, int failures, long expected) {
        assertThat(Backoff.delayMillis(initial, max, failures)).isEqualTo(expected);
    }

    @Test
    void failAndResetWithoutJitter() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(350));
        assertThat(b.fail()).isEqualTo(Duration.ofMillis(100));
        assertThat(b.fail()).isEqualTo(Duration.ofMillis(200));
        assertThat(b.fail()).isEqualTo(Duration.ofMillis(350));
        assertThat(b.failures()).isEqualTo(3);
        b.reset();
        assertThat(b.failures()).isZero();
        assertThat(b.fail()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void jitterStaysWithinItsShareAndSpreads() {
        Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofMillis(1000), 0.5);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long d = b.fail().toMillis();
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isGreaterThanOrEqualTo(500);
        assertThat(max).isLessThanOrEqualTo(1000);
        assertThat(max - min).as("retries of many clients are spread").isGreaterThan(300);
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
