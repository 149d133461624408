package org.meter2mqtt.driver.homeassistant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.core.DeviceManager;
import org.meter2mqtt.simulators.homeassistant.HaSimulator;
import org.meter2mqtt.tck.RecordingContext;

/**
 * The driver in the real core (DeviceManager) against the Home Assistant simulator (REST and WebSocket, written
 * from HA's API documentation), in push and poll mode: discovery, readings with HA's timestamps, shares, a change
 * pushed, a dropped socket with resync, a refused token, unavailable entities, an unreachable HA. One simulator
 * for the class; each test sets the states it relies on.
 */
class HomeAssistantDeviceTest {

    private static final String GW = "gw1";
    private static HaSimulator sim;

    @TempDir
    Path tmp;

    private DeviceManager manager;
    private final List<Reading> readings = new CopyOnWriteArrayList<>();
    private final List<DeviceState> states = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startSimulator() throws Exception {
        sim = new HaSimulator(HaSimulator.DEFAULT_TOKEN).loadDefaultEntities().start("127.0.0.1", 0);
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @BeforeEach
    void start() {
        sim.rejectTokens(false);
        sim.slowAnswers(0);
        sim.setState("sensor.total_power", "2000");
        sim.setState("sensor.power_kitchen", "500");
        sim.setState("sensor.power_heat_pump", "0.750");
        sim.setState("sensor.energy_today", "7.5");
        manager = new DeviceManager(tmp.resolve("state"), Clock.systemUTC());
        manager.setBackoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        manager.addOutput(new MeterOutput() {
            @Override
            public void deviceChanged(DeviceInfo device) {
                states.add(device.state());
            }

            @Override
            public void readings(DeviceInfo device, List<Reading> batch) {
                readings.addAll(batch);
            }

            @Override
            public void deviceRemoved(DeviceInfo device) {
            }
        });
        manager.addDriver(new HomeAssistantDriver("1.0.0", () -> GW), "1.0.0");
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    private void configure(String id, String mode, String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("driver", "homeassistant");
        m.put("url", "http://127.0.0.1:" + sim.port());
        m.put("token", HaSimulator.DEFAULT_TOKEN);
        m.put("mode", mode);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        manager.configure(id, m);
    }

    /** A port nothing listens on (bound once, then released). */
    private static int closedPort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private DeviceInfo info(String id) {
        return manager.device(id).orElseThrow();
    }

    private void awaitState(String id, DeviceState s) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(info(id).state()).as(
                () -> info(id).toString()).isEqualTo(s));
    }

    private Reading awaitReading(String channel, String value, int from) {
        await().atMost(Duration.ofSeconds(15)).until(() -> find(channel, value, from).isPresent());
        return find(channel, value, from).orElseThrow();
    }

    private Optional<Reading> find(String channel, String value, int from) {
        List<Reading> r = new ArrayList<>(readings);
        return r.subList(Math.min(from, r.size()), r.size()).stream().filter(x -> x.channel().equals(channel)
                && x.number() != null && x.number().compareTo(new BigDecimal(value)) == 0).findFirst();
    }

    private List<Reading> since(int from, String channel) {
        List<Reading> r = new ArrayList<>(readings);
        return r.subList(Math.min(from, r.size()), r.size()).stream().filter(x -> x.channel().equals(channel))
                .collect(Collectors.toList());
    }

    private static Instant lastUpdated(String entityId) {
        return OffsetDateTime.parse(sim.entities().get(entityId).path("last_updated").asText()).toInstant();
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void discoversAndPublishesWithHomeAssistantsTimestamps(String mode) {
        configure("ha", mode);
        awaitState("ha", DeviceState.ONLINE);
        Reading total = awaitReading("total_power", "2000", 0);
        assertThat(total.timestamp()).isEqualTo(lastUpdated("sensor.total_power"));
        // kW to W
        awaitReading("circuit_power_heat_pump", "750", 0);
        // 500 of 2000 W
        assertThat(awaitReading("circuit_power_kitchen_share", "25", 0).timestamp())
                .isEqualTo(lastUpdated("sensor.power_kitchen"));
        awaitReading("circuit_power_heat_pump_share", "37.5", 0);
        Reading daily = awaitReading("daily_energy", "7.5", 0);
        assertThat(daily.timestamp()).isEqualTo(lastUpdated("sensor.energy_today"));

        DeviceInfo d = info("ha");
        Map<String, Channel> ch = d.channels().stream().collect(Collectors.toMap(Channel::id, c -> c));
        assertThat(ch).containsKeys("total_power", "daily_energy", "circuit_power_kitchen",
                "circuit_power_kitchen_share", "circuit_power_heat_pump", "circuit_washing_machine_power",
                "circuit_solar_inverter_power");
        assertThat(ch.get("total_power").unit()).isEqualTo("W");
        assertThat(ch.get("circuit_power_heat_pump").unit()).isEqualTo("W");
        assertThat(ch.get("daily_energy").unit()).isEqualTo("kWh");
        assertThat(ch.get("daily_energy").deviceClass()).isEqualTo("energy");
        assertThat(ch.get("daily_energy").stateClass()).isEqualTo(Channel.StateClass.TOTAL_INCREASING);
        assertThat(ch.get("circuit_power_kitchen_share").unit()).isEqualTo("%");
        // the gateway's own entity is never read; the home_power sensor after total_power is not a circuit
        assertThat(ch).doesNotContainKeys("circuit_gw1_p1_power_import", "circuit_home_power");
        assertThat(d.attributes().get("source.total_power")).startsWith("sensor.total_power: whole-home power");
        assertThat(d.attributes().get("skipped")).contains("sensor.gw1_p1_power_import: announced by this gateway");
        if (mode.equals("push")) {
            // renamed in HA: only the entity registry (platform mqtt, unique id gw1_...) tells it is ours
            assertThat(d.attributes().get("skipped")).contains("sensor.p1_meter_power_import");
            assertThat(ch).doesNotContainKey("circuit_p1_meter_power_import");
        }
        // the solar inverter is unavailable: a channel, shown stale, but never a value
        assertThat(d.attributes().get("stale.circuit_solar_inverter_power")).startsWith("unavailable");
        assertThat(since(0, "circuit_solar_inverter_power")).isEmpty();
        assertThat(since(0, "circuit_solar_inverter_power_share")).isEmpty();
    }

    @Test
    void pushDeliversAChangeAsAnEventWithoutPollingOrReconnecting() {
        configure("ha", "push");
        awaitState("ha", DeviceState.ONLINE);
        awaitReading("circuit_power_kitchen", "500", 0);
        long rest = sim.restRequests();
        long sockets = sim.webSocketConnections();
        int mark = readings.size();

        long t0 = System.nanoTime();
        sim.setState("sensor.power_kitchen", "640.5");
        Reading r = awaitReading("circuit_power_kitchen", "640.5", mark);
        long micros = (System.nanoTime() - t0) / 1000;
        System.out.println("push latency from HA state change to reading: " + micros + " µs");

        assertThat(r.timestamp()).isEqualTo(lastUpdated("sensor.power_kitchen"));
        // the share follows the circuit, against the current total
        awaitReading("circuit_power_kitchen_share", "32.03", mark);
        // one event, no poll and no new connection delivered it
        assertThat(sim.restRequests()).isEqualTo(rest);
        assertThat(sim.webSocketConnections()).isEqualTo(sockets);
        // a new total recomputes every share
        mark = readings.size();
        sim.setState("sensor.total_power", "1281");
        awaitReading("circuit_power_kitchen_share", "50", mark);
        awaitReading("circuit_power_heat_pump_share", new BigDecimal(75000).divide(new BigDecimal(1281),
                MathContext.DECIMAL64).setScale(2, RoundingMode.HALF_UP).toPlainString(), mark);
    }

    @Test
    void droppedSocketGoesOfflineReconnectsAndResyncsWhatChangedMeanwhile() {
        manager.setBackoff(Duration.ofSeconds(2), Duration.ofSeconds(4));
        configure("ha", "push");
        awaitState("ha", DeviceState.ONLINE);
        awaitReading("circuit_power_kitchen", "500", 0);
        long sockets = sim.webSocketConnections();

        assertThat(sim.dropSockets()).isEqualTo(1);
        awaitState("ha", DeviceState.OFFLINE);
        assertThat(info("ha").reason()).contains("WebSocket");
        // changed while nobody listens: only the resync after the reconnect can deliver it
        assertThat(sim.openSockets()).isZero();
        int mark = readings.size();
        sim.setState("sensor.power_kitchen", "901");
        Instant changed = lastUpdated("sensor.power_kitchen");

        awaitState("ha", DeviceState.ONLINE);
        Reading r = awaitReading("circuit_power_kitchen", "901", mark);
        assertThat(r.timestamp()).isEqualTo(changed);
        assertThat(sim.webSocketConnections()).isEqualTo(sockets + 1);
        // and events flow on the new socket
        mark = readings.size();
        sim.setState("sensor.power_kitchen", "902");
        awaitReading("circuit_power_kitchen", "902", mark);
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void refusedTokenIsAConfigErrorNamingTheKeyButNotTheToken(String mode) {
        sim.rejectTokens(true);
        configure("ha", mode);
        awaitState("ha", DeviceState.CONFIG_ERROR);
        String reason = info("ha").reason();
        assertThat(reason).contains("refused the access token in 'token'").doesNotContain(HaSimulator.DEFAULT_TOKEN);
        assertThat(info("ha").config().get("token")).doesNotContain(HaSimulator.DEFAULT_TOKEN);
        assertThat(readings).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void unavailableAndUnknownPublishNothingAndShowStale(String mode) throws Exception {
        configure("ha", mode, "poll.interval", "1");
        awaitState("ha", DeviceState.ONLINE);
        awaitReading("circuit_power_kitchen", "500", 0);
        sim.setState("sensor.power_kitchen", "unavailable");
        await().atMost(Duration.ofSeconds(15)).until(() -> info("ha").attributes().getOrDefault(
                "stale.circuit_power_kitchen", "").startsWith("unavailable (sensor.power_kitchen since "));
        // from here on (a poll may have been under way before) nothing more for the kitchen
        int kitchenGone = readings.size();
        assertThat(info("ha").attributes().get("stale.circuit_power_kitchen_share")).contains("no value");
        sim.setState("sensor.total_power", "unknown");
        await().atMost(Duration.ofSeconds(15)).until(() -> info("ha").attributes().getOrDefault(
                "stale.total_power", "").startsWith("unknown"));
        int totalGone = readings.size();
        // the heat pump still publishes, but its share has no total to be a share of
        sim.setState("sensor.power_heat_pump", "0.8");
        awaitReading("circuit_power_heat_pump", "800", totalGone);
        if (mode.equals("poll")) {
            // two more polls
            Thread.sleep(2_500);
        }
        assertThat(since(kitchenGone, "circuit_power_kitchen")).as("no 0 and no old value for an unavailable "
                + "entity").isEmpty();
        assertThat(since(kitchenGone, "circuit_power_kitchen_share")).isEmpty();
        assertThat(since(totalGone, "total_power")).isEmpty();
        assertThat(since(totalGone, "circuit_power_heat_pump_share")).isEmpty();
        int mark = readings.size();
        assertThat(info("ha").state()).isEqualTo(DeviceState.ONLINE);

        sim.setState("sensor.total_power", "1000");
        sim.setState("sensor.power_kitchen", "250");
        awaitReading("circuit_power_kitchen_share", "25", mark);
        assertThat(info("ha").attributes()).doesNotContainKeys("stale.circuit_power_kitchen", "stale.total_power",
                "stale.circuit_power_kitchen_share");
    }

    @Test
    void pollModeReadsAgainEveryInterval() {
        configure("ha", "poll", "poll.interval", "1");
        awaitState("ha", DeviceState.ONLINE);
        awaitReading("total_power", "2000", 0);
        int mark = readings.size();
        sim.setState("sensor.total_power", "2100");
        Reading r = awaitReading("total_power", "2100", mark);
        assertThat(r.timestamp()).isEqualTo(lastUpdated("sensor.total_power"));
        assertThat(sim.restRequests()).isGreaterThanOrEqualTo(2);
        assertThat(info("ha").attributes().get("ha.mode")).startsWith("poll every 1 s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void missingTokenIsAConfigErrorEvenWhenHomeAssistantIsUnreachable(String mode) throws Exception {
        int closedPort = closedPort();
        HomeAssistantDriver driver = new HomeAssistantDriver("1.0.0", () -> GW);
        for (String token : new String[] {null, " "}) {
            Map<String, String> m = new HashMap<>(Map.of("driver", "homeassistant", "mode", mode,
                    "url", "http://127.0.0.1:" + closedPort));
            if (token != null) {
                m.put("token", token);
            }
            RecordingContext ctx = new RecordingContext("ha", driver.describe(), m, null);
            try {
                // the driver's own check, as a driver used without the core's validation (the compliance kit)
                assertThatThrownBy(() -> driver.open(ctx)).isInstanceOf(ConfigException.class)
                        .hasMessageContaining("'token' is required");
            } finally {
                ctx.release();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void unreachableHomeAssistantIsOfflineAtOnceAndRetried(String mode) throws Exception {
        int closedPort = closedPort();
        configure("ha", mode, "url", "http://127.0.0.1:" + closedPort);
        awaitState("ha", DeviceState.OFFLINE);
        assertThat(info("ha").reason()).contains("not reachable");
        assertThat(states).doesNotContain(DeviceState.ONLINE);
        // retried with backoff: it comes up once something listens there
        try (HaSimulator late = new HaSimulator(HaSimulator.DEFAULT_TOKEN).loadDefaultEntities()
                .start("127.0.0.1", closedPort)) {
            awaitState("ha", DeviceState.ONLINE);
        }
        assertThat(readings).isNotEmpty();
    }

    @Test
    void namedEntitiesUseAServerSideStateTrigger() {
        configure("ha", "push", "entities", "sensor.total_power, sensor.power_kitchen, sensor.living_room_temperature");
        awaitState("ha", DeviceState.ONLINE);
        awaitReading("living_room_temperature", "21.4", 0);
        assertThat(info("ha").attributes().get("ha.mode")).contains("subscribe_trigger");
        assertThat(info("ha").channels().stream().map(Channel::id)).containsExactlyInAnyOrder("total_power",
                "circuit_power_kitchen", "circuit_power_kitchen_share", "living_room_temperature");
        int mark = readings.size();
        sim.setState("sensor.power_kitchen", "1000");
        sim.setState("sensor.power_heat_pump", "2.0");
        awaitReading("circuit_power_kitchen_share", "50", mark);
        assertThat(since(mark, "circuit_power_heat_pump")).isEmpty();
    }

    @Test
    void slowHomeAssistantBeyondTheTimeoutIsOffline() {
        sim.slowAnswers(3_000);
        configure("ha", "poll", "timeout", "1");
        awaitState("ha", DeviceState.OFFLINE);
        assertThat(info("ha").reason()).contains("not reachable").contains("HttpTimeoutException");
        assertThat(readings).isEmpty();
        sim.slowAnswers(0);
        awaitState("ha", DeviceState.ONLINE);
    }

    @Test
    void unusableCaFileIsAConfigError() throws Exception {
        Path ca = tmp.resolve("ca.pem");
        java.nio.file.Files.writeString(ca, "not a certificate");
        configure("ha", "push", "url", "https://127.0.0.1:" + sim.port(), "tls.ca.file", ca.toString());
        awaitState("ha", DeviceState.CONFIG_ERROR);
        assertThat(info("ha").reason()).contains("'tls.ca.file'");
    }

    @Test
    void anEntityRemovedFromHomeAssistantStopsBeingASourceAndIsFoundAgainWhenItReturns() {
        sim.setState("sensor.power_garage", "75");
        try {
            configure("ha", "push");
            awaitState("ha", DeviceState.ONLINE);
            awaitReading("circuit_power_garage", "75", 0);
            sim.entities().remove("sensor.power_garage");
            await().atMost(Duration.ofSeconds(15)).until(() -> !info("ha").attributes().containsKey(
                    "source.circuit_power_garage"));
            // a new circuit appearing later is discovered without a reconnect
            int mark = readings.size();
            sim.setState("sensor.power_garage", "80");
            awaitReading("circuit_power_garage", "80", mark);
            assertThat(info("ha").attributes()).containsKey("source.circuit_power_garage");
        } finally {
            sim.entities().remove("sensor.power_garage");
        }
    }

    @Test
    void aHomeAssistantThatStopsAnsweringPingsIsOffline() {
        configure("ha", "push", "ping.interval", "1");
        awaitState("ha", DeviceState.ONLINE);
        // the socket stays open, but nothing answers in time any more (a hung HA)
        sim.slowAnswers(5_000);
        awaitState("ha", DeviceState.OFFLINE);
        assertThat(info("ha").reason()).contains("did not answer a ping within 1 s");
        sim.slowAnswers(0);
        awaitState("ha", DeviceState.ONLINE);
    }

    @Test
    void badUrlIsAConfigError() {
        configure("ha", "push", "url", "ftp://ha.lan");
        awaitState("ha", DeviceState.CONFIG_ERROR);
        assertThat(info("ha").reason()).contains("'url' must be http://host:8123");
    }
}
