package org.meter2mqtt.driver.pulse.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Counting once per pulse: redeliveries recognised per source and kind, state saved and loaded. */
class PulseCounterTest {

    private static Pulse p(String source, Kind k, long ts) {
        return new Pulse(source, source, k, ts);
    }

    @Test
    void aRedeliveredPulseIsNotCountedTwice() {
        PulseCounter c = new PulseCounter(BigDecimal.ONE);
        assertThat(c.count(p("0", Kind.ACTIVE, 1000))).isTrue();
        assertThat(c.count(p("0", Kind.ACTIVE, 2000))).isTrue();
        assertThat(c.count(p("0", Kind.ACTIVE, 2000))).isFalse();
        assertThat(c.count(p("0", Kind.ACTIVE, 1500))).isFalse();
        // other kind and other source keep their own last time
        assertThat(c.count(p("0", Kind.REACTIVE, 1000))).isTrue();
        assertThat(c.count(p("1", Kind.ACTIVE, 1000))).isTrue();
        assertThat(c.wh(Kind.ACTIVE)).isEqualByComparingTo("3");
        assertThat(c.wh(Kind.REACTIVE)).isEqualByComparingTo("1");
        assertThat(c.lastTs(Kind.ACTIVE)).isEqualTo(2000);
    }

    @Test
    void stateRoundTripKeepsTotalsAndDuplicateDetection() {
        PulseCounter c = new PulseCounter(new BigDecimal("1.25"));
        for (int i = 1; i <= 7; i++) {
            c.count(p("device-001/0", Kind.ACTIVE, i * 1000L));
        }
        c.count(p("device-001/0", Kind.REACTIVE, 500));
        Map<String, String> saved = c.toState();
        assertThat(saved).containsEntry("active.wh", "8.75").containsEntry("reactive.wh", "1.25")
                .containsEntry("last.active.device-001/0", "7000");

        // loaded with another pulse weight: old energy keeps its value, new pulses get the new one
        PulseCounter again = PulseCounter.fromState(BigDecimal.ONE, saved);
        assertThat(again.count(p("device-001/0", Kind.ACTIVE, 7000))).isFalse();
        assertThat(again.count(p("device-001/0", Kind.ACTIVE, 8000))).isTrue();
        assertThat(again.wh(Kind.ACTIVE)).isEqualByComparingTo("9.75");
        assertThat(again.wh(Kind.REACTIVE)).isEqualByComparingTo("1.25");
    }

    @Test
    void changesNameOnlyTheSourcesCountedSinceTheLastCall() {
        PulseCounter c = new PulseCounter(BigDecimal.ONE);
        c.count(p("a", Kind.ACTIVE, 1000));
        c.count(p("b", Kind.ACTIVE, 1000));
        assertThat(c.changes()).containsKeys("last.active.a", "last.active.b").containsEntry("active.wh", "2");
        c.count(p("b", Kind.ACTIVE, 2000));
        assertThat(c.changes()).doesNotContainKey("last.active.a").containsEntry("last.active.b", "2000")
                .containsEntry("active.wh", "3");
    }

    @Test
    void anUnreadableStateIsAnErrorNotAZero() {
        assertThatThrownBy(() -> PulseCounter.fromState(BigDecimal.ONE, Map.of("active.wh", "12x")))
                .isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> new PulseCounter(BigDecimal.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
