package org.meter2mqtt.http.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.http.Fixtures;

class HealthRulesTest {

    private final HealthRules rules = new HealthRules();

    private static Map<String, DeviceState> states(Object... idState) {
        Map<String, DeviceState> m = new LinkedHashMap<>();
        for (int i = 0; i < idState.length; i += 2) {
            m.put((String) idState[i], (DeviceState) idState[i + 1]);
        }
        return m;
    }

    private static OutputView mqtt(boolean healthy, long buffered, long dropped) {
        return new OutputView("mqtt", healthy, "summary", 10, buffered, dropped);
    }

    @Test
    void everythingOnlineAndDeliveringIsHealthyWith200() {
        var v = rules.evaluate(states("a", DeviceState.ONLINE, "b", DeviceState.ONLINE, "c", DeviceState.DISABLED),
                List.of(mqtt(true, 0, 0)), Fixtures.NOW);
        assertThat(v.status()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(v.status().httpStatus()).isEqualTo(200);
        assertThat(v.reasons()).isEmpty();
    }

    @Test
    void oneDeviceNotOnlineIsDegradedWithItsName() {
        var v = rules.evaluate(states("a", DeviceState.ONLINE, "b", DeviceState.CONFIG_ERROR),
                List.of(mqtt(true, 0, 0)), Fixtures.NOW);
        assertThat(v.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(v.status().httpStatus()).isEqualTo(200);
        assertThat(v.reasons()).containsExactly("device b is CONFIG_ERROR");
    }

    @Test
    void anOutputThatBuffersOrReconnectsIsDegraded() {
        assertThat(rules.evaluate(states("a", DeviceState.ONLINE), List.of(mqtt(true, 3, 0)), Fixtures.NOW)
                .status()).isEqualTo(HealthStatus.DEGRADED);
        var v = rules.evaluate(states("a", DeviceState.ONLINE), List.of(mqtt(false, 0, 0)), Fixtures.NOW);
        assertThat(v.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(v.reasons().get(0)).startsWith("output mqtt is not delivering");
    }

    @Test
    void noDeviceDeliveringIsUnhealthyWith503() {
        var v = rules.evaluate(states("a", DeviceState.OFFLINE, "b", DeviceState.STARTING),
                List.of(mqtt(true, 0, 0)), Fixtures.NOW);
        assertThat(v.status()).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(v.status().httpStatus()).isEqualTo(503);
        assertThat(v.reasons()).contains("no device delivers readings", "device a is OFFLINE");
    }

    @Test
    void aDegradedDeviceStillDelivers() {
        assertThat(rules.evaluate(states("a", DeviceState.DEGRADED), List.of(), Fixtures.NOW).status())
                .isEqualTo(HealthStatus.DEGRADED);
    }

    @Test
    void noConfiguredDeviceIsDegradedNotUnhealthy() {
        assertThat(rules.evaluate(states("a", DeviceState.DISABLED), List.of(), Fixtures.NOW).status())
                .isEqualTo(HealthStatus.DEGRADED);
    }

    @Test
    void anOutputDroppingIsUnhealthyUntilTheWindowPassesWithoutNewDrops() {
        var online = states("a", DeviceState.ONLINE);
        assertThat(rules.evaluate(online, List.of(mqtt(true, 0, 0)), Fixtures.NOW).status())
                .isEqualTo(HealthStatus.HEALTHY);
        var t1 = Fixtures.NOW.plusSeconds(60);
        assertThat(rules.evaluate(online, List.of(mqtt(true, 0, 5)), t1).status()).isEqualTo(HealthStatus.UNHEALTHY);
        var later = t1.plus(HealthRules.DROP_WINDOW).minusSeconds(1);
        assertThat(rules.evaluate(online, List.of(mqtt(true, 0, 5)), later).status())
                .isEqualTo(HealthStatus.UNHEALTHY);
        var after = t1.plus(HealthRules.DROP_WINDOW).plusSeconds(1);
        assertThat(rules.evaluate(online, List.of(mqtt(true, 0, 5)), after).status())
                .isEqualTo(HealthStatus.HEALTHY);
        assertThat(rules.evaluate(online, List.of(mqtt(true, 0, 6)), after.plusSeconds(1)).status())
                .isEqualTo(HealthStatus.UNHEALTHY);
    }

    @Test
    void anOutputThatDoesNotCountDropsIsNeverDropping() {
        assertThat(rules.evaluate(states("a", DeviceState.ONLINE), List.of(mqtt(true, -1, -1)), Fixtures.NOW)
                .status()).isEqualTo(HealthStatus.HEALTHY);
    }
}
