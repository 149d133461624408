package org.meter2mqtt.influxdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Learning float fields from InfluxDB 1.x's refusal, rewriting only those, and keeping them across a restart. */
class FloatFieldsTest {

    private static final String REFUSAL = "{\"error\":\"partial write: field type conflict: input field "
            + "\\\"power_failures\\\" on measurement \\\"dsmr\\\" is type integer, already exists as type float "
            + "dropped=1\"}";

    private static String rewrite(FloatFields f, String lines) {
        return new String(f.rewrite(lines.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void learnsTheFieldAndRewritesOnlyItsIntegersInItsMeasurement(@TempDir Path dir) {
        FloatFields f = new FloatFields(dir.resolve("ff.txt"));
        String lines = "dsmr,device=p1,name=a\\ power_failures\\=4i x=1,power_failures=5i,tariff=2i,"
                + "note=\"power_failures=6i\" 17\n"
                + "other,device=p1 power_failures=7i 18\n";
        assertThat(rewrite(f, lines)).isEqualTo(lines);
        assertThat(f.learn(REFUSAL)).isTrue();
        assertThat(f.learn(REFUSAL)).isFalse();
        assertThat(rewrite(f, lines)).isEqualTo("dsmr,device=p1,name=a\\ power_failures\\=4i x=1,power_failures=5,"
                + "tariff=2i,note=\"power_failures=6i\" 17\n"
                + "other,device=p1 power_failures=7i 18\n");
        assertThat(new FloatFields(dir.resolve("ff.txt")).contains("dsmr", "power_failures")).isTrue();
        assertThat(new FloatFields(dir.resolve("ff.txt")).contains("dsmr", "tariff")).isFalse();
    }

    @Test
    void otherRefusalsTeachNothing() {
        FloatFields f = new FloatFields(null);
        assertThat(f.learn("{\"error\":\"unable to parse 'x': missing fields\"}")).isFalse();
        assertThat(f.learn("field type conflict: input field \"a\" on measurement \"m\" is type string, already "
                + "exists as type float")).isFalse();
        assertThat(f.learn(null)).isFalse();
    }
}
