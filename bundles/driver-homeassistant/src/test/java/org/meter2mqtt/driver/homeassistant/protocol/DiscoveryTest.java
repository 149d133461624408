package org.meter2mqtt.driver.homeassistant.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The discovery rules over a recorded-shape {@code /api/states} document (states_house.json). */
class DiscoveryTest {

    static List<EntityState> house() throws IOException {
        try (InputStream in = DiscoveryTest.class.getResourceAsStream("states_house.json")) {
            return RestClient.parseStates(new ObjectMapper().readTree(in));
        }
    }

    private static Map<String, String> channels(Plan p) {
        return p.sources().stream().collect(Collectors.toMap(Source::channelId, Source::entityId));
    }

    @Test
    void discoversWholeHomeDailyAndCircuitsAsTheUsersServiceDoes() throws IOException {
        Plan p = new Discovery(List.of()).plan(house(), LoopGuard.prefixOnly("gw1"));

        assertThat(channels(p)).containsExactlyInAnyOrderEntriesOf(Map.of(
                // sensor.total_power and sensor.power_total are absent: sensor.home_power is the first present
                "total_power", "sensor.home_power",
                // present though "unknown": existence decides, or a glitch would switch the meaning of the channel
                "daily_energy", "sensor.energy_daily",
                "circuit_power_garage", "sensor.power_garage",
                "circuit_power_heat_pump", "sensor.power_heat_pump",
                "circuit_power_kitchen", "sensor.power_kitchen",
                "circuit_washing_machine_power", "sensor.washing_machine_power",
                "circuit_ev_charger_power", "sensor.ev_charger_power",
                // gw10_ is another gateway: only sensor.gw1_ is ours
                "circuit_gw10_other_power", "sensor.gw10_other_power"));
        assertThat(p.sources().get(0).channelId()).isEqualTo("total_power");
        assertThat(p.sources().get(1).channelId()).isEqualTo("daily_energy");
        assertThat(p.forEntity("sensor.home_power").orElseThrow().why()).contains("first present of sensor.total_power");
        assertThat(p.forEntity("sensor.power_garage").orElseThrow().why()).contains("sensor.power_*");
        assertThat(p.forEntity("sensor.washing_machine_power").orElseThrow().why()).contains("device_class power in W");

        assertThat(p.skipped()).containsOnlyKeys("sensor.power_consumption", "sensor.energy_today",
                "sensor.power_factor_grid", "sensor.gw1_p1_power_import", "sensor.gw1_p1_energy_import_t1");
        assertThat(p.skipped().get("sensor.power_consumption")).contains("not a circuit");
        assertThat(p.skipped().get("sensor.power_factor_grid")).contains("%");
        assertThat(p.skipped().get("sensor.gw1_p1_power_import")).contains("announced by this gateway");
        // neither power in VA nor in MW, nor temperatures, switches and binary sensors are circuits
        assertThat(channels(p).values()).doesNotContain("sensor.dryer_power", "sensor.solar_power",
                "sensor.outdoor_temperature", "switch.heat_pump", "binary_sensor.power_outage");
    }

    @Test
    void theFirstPresentWholeHomeSensorWinsInTheDocumentedOrder() {
        Instant t = Instant.parse("2026-12-04T12:00:00Z");
        List<EntityState> states = List.of(
                new EntityState("sensor.power_consumption", "1", t, "W", "power", null, null),
                new EntityState("sensor.power_total", "2", t, "W", "power", null, null),
                new EntityState("sensor.total_power", "3", t, "W", "power", null, null),
                new EntityState("sensor.energy_today", "4", t, "kWh", "energy", null, null),
                new EntityState("sensor.daily_energy", "5", t, "kWh", "energy", null, null));
        Plan p = new Discovery(List.of()).plan(states, LoopGuard.prefixOnly("gw"));
        assertThat(p.ofKind(Source.Kind.TOTAL_POWER).orElseThrow().entityId()).isEqualTo("sensor.total_power");
        assertThat(p.ofKind(Source.Kind.DAILY_ENERGY).orElseThrow().entityId()).isEqualTo("sensor.daily_energy");
        // the whole-home sensors that lost are not circuits either
        assertThat(p.sources()).hasSize(2);
    }

    @Test
    void entitiesKeyRestrictsToNamedIdsAndGlobsAndKeepsOthersAsPlainChannels() throws IOException {
        Discovery d = new Discovery(List.of("sensor.power_k*", "sensor.outdoor_temperature", "sensor.home_power",
                "sensor.gw1_*"));
        Plan p = d.plan(house(), LoopGuard.prefixOnly("gw1"));
        assertThat(channels(p)).containsExactlyInAnyOrderEntriesOf(Map.of("total_power", "sensor.home_power",
                "circuit_power_kitchen", "sensor.power_kitchen", "outdoor_temperature", "sensor.outdoor_temperature"));
        assertThat(p.forEntity("sensor.outdoor_temperature").orElseThrow().kind()).isEqualTo(Source.Kind.OTHER);
        // naming the gateway's own entities does not defeat the loop rule
        assertThat(p.skipped()).containsKeys("sensor.gw1_p1_power_import", "sensor.gw1_p1_energy_import_t1");
        assertThat(d.explicitIdsOnly()).isFalse();
        assertThat(new Discovery(List.of("sensor.a", "sensor.b")).explicitIdsOnly()).isTrue();
    }

    @Test
    void noLoopRuleSkipsByEntityIdPrefixAndByRegistryEntry() throws IOException {
        LoopGuard byPrefix = LoopGuard.prefixOnly("GW-1");
        // HA slugs the suggested id: gateway GW-1 shows as sensor.gw_1_...
        assertThat(byPrefix.ownReason("sensor.gw_1_p1_power")).contains("sensor.gw_1_");
        assertThat(byPrefix.ownReason("sensor.gw_10_p1_power")).isNull();
        assertThat(byPrefix.ownReason("sensor.power_kitchen")).isNull();

        // a user renamed the entity: only the registry (platform mqtt, unique id gw1_...) still tells it is ours
        assertThat(LoopGuard.isOwnRegistryEntry("gw1", "mqtt", "gw1_p1_power_import")).isTrue();
        assertThat(LoopGuard.isOwnRegistryEntry("gw1", "mqtt", "gw10_p1_power_import")).isFalse();
        assertThat(LoopGuard.isOwnRegistryEntry("gw1", "template", "gw1_p1_power_import")).isFalse();
        Instant t = Instant.parse("2026-12-04T12:00:00Z");
        List<EntityState> states = List.of(new EntityState("sensor.renamed_import", "5", t, "W", "power", null, null),
                new EntityState("sensor.power_kitchen", "6", t, "W", "power", null, null));
        Plan p = new Discovery(List.of()).plan(states, new LoopGuard("gw1", Set.of("sensor.renamed_import")));
        assertThat(channels(p)).containsOnlyKeys("circuit_power_kitchen");
        assertThat(p.skipped().get("sensor.renamed_import")).contains("entity registry");
        assertThat(Discovery.describeSkipped(p.skipped())).startsWith("sensor.renamed_import: announced by this gateway");
    }

    @Test
    void stateObjectsAreReadWithTheirTimestampAndAttributes() throws IOException {
        EntityState s = house().stream().filter(x -> x.entityId().equals("sensor.power_heat_pump")).findFirst()
                .orElseThrow();
        assertThat(s.lastUpdated()).isEqualTo(Instant.parse("2026-12-04T11:58:06.123462Z"));
        assertThat(s.unit()).isEqualTo("kW");
        assertThat(s.deviceClass()).isEqualTo("power");
        assertThat(s.stateClass()).isEqualTo("measurement");
        assertThat(s.friendlyName()).isEqualTo("Heat pump");
        assertThat(s.objectId()).isEqualTo("power_heat_pump");
    }
}
