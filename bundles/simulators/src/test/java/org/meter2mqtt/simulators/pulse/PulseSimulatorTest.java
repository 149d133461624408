package org.meter2mqtt.simulators.pulse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/** The two EMDC body shapes the simulated edge sends, and its power profile. */
class PulseSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oldAndNewBodyShapes() throws Exception {
        PulseSimulator.Options o = new PulseSimulator.Options();
        o.oldShape = true;
        JsonNode old = JSON.readTree(new PulseSimulator(o).body(1_733_300_000_000L, 3, true));
        assertThat(old.get("ts").asLong()).isEqualTo(1_733_300_000_000L);
        assertThat(old.get("dc_id").asInt()).isEqualTo(3);
        assertThat(old.get("rarr").asInt()).isEqualTo(1);
        assertThat(old.has("event_type")).isFalse();

        o.oldShape = false;
        JsonNode fresh = JSON.readTree(new PulseSimulator(o).body(1_733_300_000_000L, 0, false));
        assertThat(fresh.get("rarr").asInt()).isZero();
        assertThat(fresh.get("event_type").asText()).isEqualTo("energy.active");
        assertThat(fresh.get("device_id").asText()).isEqualTo("device-001");
        assertThat(fresh.get("value").asDouble()).isEqualTo(0.001);
        assertThat(fresh.get("unit").asText()).isEqualTo("kWh");
    }

    @Test
    void aPowerProfileRepeatsItsSteps() {
        PowerProfile p = PowerProfile.parse("300:60, 2500:20,0:40");
        assertThat(p.wattsAt(0)).isEqualTo(300);
        assertThat(p.wattsAt(59.9)).isEqualTo(300);
        assertThat(p.wattsAt(60)).isEqualTo(2500);
        assertThat(p.wattsAt(95)).isZero();
        assertThat(p.wattsAt(120 + 70)).isEqualTo(2500);
        assertThatThrownBy(() -> PowerProfile.parse("300:60,kettle")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'kettle'");
        assertThatThrownBy(() -> PowerProfile.parse("300:0")).isInstanceOf(IllegalArgumentException.class);
    }
}
