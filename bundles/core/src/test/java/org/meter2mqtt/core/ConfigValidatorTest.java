package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConfigValidatorTest {

    @ParameterizedTest
    @CsvSource({ "poll.interval,poll.intervall,1", "driver,drivr,1", "channels,channel,1", "name,name,0" })
    void editDistance(String a, String b, int expected) {
        assertThat(ConfigValidator.distance(a, b)).isEqualTo(expected);
    }

    @Test
    void frameworkKeysAreNotUserKeys() {
        assertThat(ConfigValidator.userKeys(Map.of("service.pid", "x", "felix.fileinstall.filename", "f",
                "driver", "demo", "poll.interval", 5, "channels", new String[] { "a", "b" })))
                .containsOnlyKeys("driver", "poll.interval", "channels").containsEntry("channels", "a,b")
                .containsEntry("poll.interval", "5");
    }

    @ParameterizedTest
    @CsvSource({ "1.0.0,1.0.0,0", "1.10.0,1.9.0,1", "1.0.0.SNAPSHOT,1.0.0,1", "2.0,1.9.9,1", "0.1.0.SNAPSHOT,0.1.1,-1" })
    void versionsCompareNumerically(String a, String b, int sign) {
        assertThat(Integer.signum(DeviceManager.compareVersions(a, b))).isEqualTo(sign);
    }
}
