package org.meter2mqtt.http.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.http.Fixtures;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class HealthReportTest {

    @Test
    void sumsFetchesOverDevicesAndListsDevicesOutputsAndDrivers() {
        HealthReport report = new HealthReport(new ObjectMapper(), new HealthRules());
        var result = report.build(
                List.of(Fixtures.device("a", DeviceState.ONLINE, 90, 10, 1),
                        Fixtures.device("b", DeviceState.CONFIG_ERROR, 0, 0, 2)),
                List.of(new OutputView("mqtt", true, "CONNECTED", 7, 0, -1)),
                List.of(Fixtures.driver()), "0.1.0",
                Duration.ofSeconds(3661), Fixtures.NOW);
        JsonNode j = result.json();
        assertThat(result.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(j.get("status").asText()).isEqualTo("degraded");
        assertThat(j.get("service").asText()).isEqualTo("meter2mqtt");
        assertThat(j.get("uptime_seconds").asLong()).isEqualTo(3661);
        assertThat(j.get("total_fetches").asLong()).isEqualTo(100);
        assertThat(j.get("failed_fetches").asLong()).isEqualTo(10);
        assertThat(j.get("success_rate").asDouble()).isEqualTo(0.9);
        assertThat(j.get("last_successful_fetch").asText()).isEqualTo(Fixtures.NOW.minusSeconds(5).toString());
        JsonNode b = j.get("devices").get(1);
        assertThat(b.get("id").asText()).isEqualTo("b");
        assertThat(b.get("state").asText()).isEqualTo("CONFIG_ERROR");
        assertThat(b.get("reason").asText()).contains("poll.interval");
        assertThat(b.get("success_rate").isNull()).isTrue();
        assertThat(b.get("last_successful_fetch").isNull()).isTrue();
        JsonNode out = j.get("outputs").get(0);
        assertThat(out.get("published").asLong()).isEqualTo(7);
        assertThat(out.get("dropped").isNull()).isTrue();
        assertThat(j.get("drivers").get(0).get("version").asText()).isEqualTo("1.2.3");
    }
}
