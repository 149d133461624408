package org.meter2mqtt.driver.pulse.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Power from the interval of the last two pulses, its decay when pulses stop, and the sum over sources. */
class PowerTrackerTest {

    private static Pulse p(String source, Kind k, long ts) {
        return new Pulse(source, source, k, ts);
    }

    @Test
    void powerFromTheLastIntervalThenDecayThenZero() {
        PowerTracker t = new PowerTracker(1, 300_000);
        t.pulse(p("0", Kind.ACTIVE, 10_000), 50_000);
        assertThat(t.power(Kind.ACTIVE, 50_000)).isZero(); // one pulse: no interval yet
        t.pulse(p("0", Kind.ACTIVE, 13_600), 53_000); // 3.6 s apart in edge time: 1 kW
        assertThat(t.power(Kind.ACTIVE, 53_000)).isCloseTo(1000, within(1e-9));
        assertThat(t.power(Kind.ACTIVE, 56_600)).isCloseTo(1000, within(1e-9)); // not longer than the interval
        // 7.2 s since the last arrival on the gateway's clock: at most 500 W
        assertThat(t.power(Kind.ACTIVE, 60_200)).isCloseTo(500, within(1e-9));
        assertThat(t.power(Kind.ACTIVE, 53_000 + 300_000)).isCloseTo(12, within(1e-9));
        assertThat(t.power(Kind.ACTIVE, 53_000 + 300_001)).isZero(); // after power.timeout.s
        assertThat(t.power(Kind.REACTIVE, 53_000)).isZero();
    }

    @Test
    void pulseWeightAndSourcesAddUp() {
        PowerTracker t = new PowerTracker(2, 300_000);
        t.pulse(p("0", Kind.ACTIVE, 0), 0);
        t.pulse(p("0", Kind.ACTIVE, 2_000), 2_000); // 2 Wh in 2 s = 3600 W
        t.pulse(p("1", Kind.ACTIVE, 0), 0);
        t.pulse(p("1", Kind.ACTIVE, 7_200), 2_000); // 2 Wh in 7.2 s = 1000 W
        assertThat(t.power(Kind.ACTIVE, 2_000)).isCloseTo(4600, within(1e-9));
        assertThat(t.shortestInterval(Kind.ACTIVE)).isEqualTo(2_000);
    }

    @Test
    void aRedeliveredOlderPulseDoesNotMakeANegativeInterval() {
        PowerTracker t = new PowerTracker(1, 300_000);
        t.pulse(p("0", Kind.ACTIVE, 10_000), 0);
        t.pulse(p("0", Kind.ACTIVE, 13_600), 0);
        t.pulse(p("0", Kind.ACTIVE, 12_000), 0);
        assertThat(t.power(Kind.ACTIVE, 0)).isGreaterThan(0);
    }
}
