package org.meter2mqtt.driver.kamstrup.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.core.DeviceManager;
import org.meter2mqtt.driver.kamstrup.kmp.KmpRegister;
import org.meter2mqtt.simulators.kmp.KmpResponder;
import org.meter2mqtt.simulators.kmp.KmpSimulator;
import org.meter2mqtt.transport.Links;

/**
 * The driver in the real core (DeviceManager), over the real transport, against the independently written
 * KMP simulator: over TCP (as ser2net), through a socat pseudo-terminal at 1200 8N2, and with faults.
 */
class KamstrupDeviceTest {

    /** A version no build has, so the test sees the one it passed (inside Karaf the bundle's version). */
    static final String TEST_VERSION = "7.7.7";

    /** What the simulator's registers must be published as (converted to the channel units). */
    private static final Map<String, String> EXPECTED_COMMON = Map.ofEntries(
            Map.entry("power", "12.3"), Map.entry("temp1", "65.43"), Map.entry("temp2", "40.12"),
            Map.entry("tempdiff", "25.31"), Map.entry("flow", "0.523"), Map.entry("volume", "831.403"),
            Map.entry("minflow_m", "0.000"), Map.entry("maxflow_m", "1.210"),
            Map.entry("minflowdate_m", "2025-01-02"), Map.entry("maxflowdate_m", "2025-01-03"),
            Map.entry("minpower_m", "1.3"), Map.entry("maxpower_m", "21.0"),
            Map.entry("minpowerdate_m", "2025-01-01"), Map.entry("maxpowerdate_m", "2025-01-04"),
            Map.entry("avgtemp1_m", "66.12"), Map.entry("avgtemp2_m", "39.87"),
            Map.entry("minflow_y", "0.000"), Map.entry("maxflow_y", "1.920"),
            Map.entry("minflowdate_y", "2024-07-03"), Map.entry("maxflowdate_y", "2024-01-15"),
            Map.entry("minpower_y", "0.0"), Map.entry("maxpower_y", "18.7"),
            Map.entry("minpowerdate_y", "2024-08-01"), Map.entry("maxpowerdate_y", "2024-01-22"),
            Map.entry("avgtemp1_y", "64.80"), Map.entry("avgtemp2_y", "41.02"),
            Map.entry("temp1xm3", "54321"), Map.entry("temp2xm3", "6939"),
            Map.entry("infoevent", "0"), Map.entry("hourcounter", "16390"));

    private static Map<String, String> expected(String model) {
        Map<String, String> m = new HashMap<>(EXPECTED_COMMON);
        boolean sixty = !model.startsWith("40");
        m.put("energy", sixty ? "345678" : "1234.567");
        if (sixty) {
            m.put("temp3", "-5.25");
        }
        return m;
    }

    @TempDir
    Path tmp;

    private DeviceManager manager;
    private KmpSimulator simulator;
    private final List<Reading> published = new CopyOnWriteArrayList<>();
    private final Map<String, DeviceInfo> lastInfo = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        manager = new DeviceManager(tmp.resolve("state"), Clock.systemUTC());
        manager.setBackoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        manager.addDriver(new KamstrupDriver(TEST_VERSION));
        manager.addLinkFactory(new Links());
        manager.addOutput(new MeterOutput() {
            @Override
            public void deviceChanged(DeviceInfo device) {
                lastInfo.put(device.id(), device);
            }

            @Override
            public void readings(DeviceInfo device, List<Reading> batch) {
                published.addAll(batch);
            }

            @Override
            public void deviceRemoved(DeviceInfo device) {
                lastInfo.remove(device.id());
            }
        });
    }

    @AfterEach
    void stop() {
        manager.close();
        if (simulator != null) {
            simulator.close();
        }
    }

    private int simulate(String model, KmpResponder.Options o) throws Exception {
        simulator = new KmpSimulator(new KmpResponder(model, o));
        return simulator.responder() == null ? -1 : simulator.startTcp(0);
    }

    private static String allParameters(String model) {
        return KamstrupChannels.parameterNames(KamstrupChannels.model(model)).stream()
                .collect(Collectors.joining(","));
    }

    private Map<String, String> config(String port, String model, String parameters, String... more) {
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("driver", "kamstrup");
        cfg.put("port", port);
        cfg.put("model", model);
        cfg.put("poll.interval", "3600");
        cfg.put("timeout", "1000");
        if (parameters != null) {
            cfg.put("parameters", parameters);
        }
        for (int i = 0; i < more.length; i += 2) {
            cfg.put(more[i], more[i + 1]);
        }
        return cfg;
    }

    private DeviceState awaitState(String id, DeviceState... states) {
        await().atMost(15, TimeUnit.SECONDS).until(
                () -> manager.device(id).map(d -> Set.of(states).contains(d.state())).orElse(false));
        return manager.device(id).orElseThrow().state();
    }

    private static Map<String, String> byChannel(List<Reading> readings) {
        Map<String, String> m = new HashMap<>();
        readings.forEach(r -> m.put(r.channel(), r.formatted()));
        return m;
    }

    /** meter:read: every configured parameter comes back, with the simulator's value and a unit. */
    @ParameterizedTest
    @CsvSource({"402,false", "403,true", "603,true", "601,false", "801,true"})
    void readsEveryConfiguredParameterOverTcp(String model, boolean echo) throws Exception {
        KmpResponder.Options o = new KmpResponder.Options();
        o.echo = echo;
        int port = simulate(model, o);
        manager.configure("heat", config("socket://127.0.0.1:" + port, model, allParameters(model)));
        awaitState("heat", DeviceState.ONLINE);

        List<Reading> readings = manager.readNow("heat", Duration.ofSeconds(20));
        assertThat(byChannel(readings)).isEqualTo(expected(model));

        DeviceInfo info = manager.device("heat").orElseThrow();
        Map<String, Channel> channels = info.channels().stream()
                .collect(Collectors.toMap(Channel::id, Function.identity()));
        assertThat(channels.keySet()).containsAll(expected(model).keySet());
        assertThat(channels.get("energy").unit()).isEqualTo(model.startsWith("40") ? "GJ" : "kWh");
        assertThat(channels.get("volume").unit()).isEqualTo("m³");
        assertThat(channels.get("volume").deviceClass()).isEqualTo("water");
        assertThat(channels.get("flow").unit()).isEqualTo("m³/h");
        assertThat(channels.get("flow").deviceClass()).isEqualTo("volume_flow_rate");
        assertThat(channels.get("temp1").deviceClass()).isEqualTo("temperature");
        assertThat(channels.get("hourcounter").unit()).isEqualTo("h");
        assertThat(info.state()).isEqualTo(DeviceState.ONLINE);
        // 32 (402/403) or 33 registers: four or five requests of at most eight
        assertThat(simulator.responder().requests()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void defaultParametersAreTheBasicSet() throws Exception {
        int port = simulate("403", new KmpResponder.Options());
        manager.configure("heat", config("socket://127.0.0.1:" + port, "403", null));
        awaitState("heat", DeviceState.ONLINE);
        assertThat(byChannel(manager.readNow("heat", Duration.ofSeconds(10))).keySet())
                .containsExactlyInAnyOrder("energy", "power", "temp1", "temp2", "tempdiff", "flow", "volume");
        assertThat(manager.drivers().get(0).defaultPollSeconds()).isEqualTo(300);
    }

    /** The gateway opens the pseudo-terminal with jSerialComm at 1200 8N2; the simulator sits on the other end. */
    @Test
    void readsThroughASocatPseudoTerminal() throws Exception {
        KmpResponder.Options o = new KmpResponder.Options();
        o.echo = true;
        try (Socat socat = new Socat(tmp)) {
            simulator = new KmpSimulator(new KmpResponder("603", o));
            simulator.startSerial(socat.meterEnd.toString());
            manager.configure("heat", config(socat.gatewayEnd.toString(), "603", allParameters("603")));
            awaitState("heat", DeviceState.ONLINE);
            assertThat(byChannel(manager.readNow("heat", Duration.ofSeconds(20)))).isEqualTo(expected("603"));
            assertThat(manager.device("heat").orElseThrow().state()).isEqualTo(DeviceState.ONLINE);
        }
    }

    /**
     * 10 % corrupted answers and 10 % unanswered requests, counters growing between answers: every value
     * published equals one the simulator sent, faults are counted, and reading goes on.
     */
    @Test
    void injectedFaultsNeverPublishAWrongValue() throws Exception {
        KmpResponder.Options o = new KmpResponder.Options();
        o.crcErrorRate = 0.1;
        o.noAnswerRate = 0.1;
        o.echo = true;
        o.tick = true;
        o.seed = 7;
        int port = simulate("402", o);
        manager.configure("heat", config("socket://127.0.0.1:" + port, "402", allParameters("402"), "timeout",
                "300", "retries", "2"));
        awaitState("heat", DeviceState.ONLINE, DeviceState.DEGRADED);

        int failedReads = 0;
        for (int i = 0; i < 40; i++) {
            try {
                manager.readNow("heat", Duration.ofSeconds(30));
            } catch (DriverException e) {
                failedReads++; // a poll whose every attempt failed: nothing published, which is right
            }
        }
        assertThat(simulator.responder().corruptedAnswers()).isGreaterThan(5);
        assertThat(simulator.responder().unanswered()).isGreaterThan(5);
        assertThat(failedReads).isLessThan(5);
        assertThat(manager.device("heat").orElseThrow().errorCount()).isGreaterThan(10);

        Map<Integer, Set<BigDecimal>> served = simulator.responder().served();
        Map<String, String> fixed = expected("402");
        Set<String> ticking = Set.of("energy", "volume", "hourcounter");
        assertThat(published).hasSizeGreaterThan(30 * 32);
        for (Reading r : published) {
            if (ticking.contains(r.channel())) {
                int id = KmpRegister.byParameter(r.channel()).orElseThrow().id();
                // These three are published in the meter's own unit (GJ, m³, h): equal to a value sent.
                assertThat(served.get(id)).as(r.toString()).anySatisfy(v -> assertThat(v).isEqualByComparingTo(
                        r.number()));
            } else {
                assertThat(r.formatted()).as(r.toString()).isEqualTo(fixed.get(r.channel()));
            }
        }
    }

    @Test
    void silentMeterGoesOfflineAndRecovers() throws Exception {
        KmpResponder.Options o = new KmpResponder.Options();
        o.noAnswerRate = 1.0;
        int port = simulate("403", o);
        manager.configure("heat", config("socket://127.0.0.1:" + port, "403", null, "timeout", "200", "retries",
                "1"));
        awaitState("heat", DeviceState.OFFLINE);
        assertThat(manager.device("heat").orElseThrow().reason()).contains("does not answer");
        assertThat(published).isEmpty();

        // The meter wakes up: the core's retry brings the device back.
        o.noAnswerRate = 0;
        // The core keeps it DEGRADED for a while after errors (its policy); what matters is that it reads again.
        awaitState("heat", DeviceState.ONLINE, DeviceState.DEGRADED);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !published.isEmpty());
        assertThat(byChannel(published)).containsEntry("energy", "1234.567");
    }

    @Test
    void closedPortIsOffline() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        manager.configure("heat", config("socket://127.0.0.1:" + port, "402", null));
        awaitState("heat", DeviceState.OFFLINE);
        assertThatThrownBy(() -> manager.readNow("heat", Duration.ofSeconds(5))).isInstanceOf(DriverException.class);
    }

    /** T3 asked of a meter without it: the rest is published, the device is DEGRADED with the reason. */
    @Test
    void missingRegisterDegradesButPublishesTheRest() throws Exception {
        int port = simulate("402", new KmpResponder.Options());
        manager.configure("heat", config("socket://127.0.0.1:" + port, "603", "energy,temp3,volume"));
        awaitState("heat", DeviceState.DEGRADED);
        DeviceInfo info = manager.device("heat").orElseThrow();
        assertThat(info.reason()).contains("0x0058").contains("temp3");
        assertThat(byChannel(published)).containsOnlyKeys("energy", "volume").containsEntry("volume", "831.403");
    }

    @Test
    void t3OnA402IsAConfigError() throws Exception {
        int port = simulate("402", new KmpResponder.Options());
        manager.configure("heat", config("socket://127.0.0.1:" + port, "402", "energy,temp3"));
        awaitState("heat", DeviceState.CONFIG_ERROR);
        assertThat(manager.device("heat").orElseThrow().reason()).contains("temp3");
        manager.configure("typo", config("socket://127.0.0.1:" + port, "402", "energy,tmp1"));
        awaitState("typo", DeviceState.CONFIG_ERROR);
    }

    /** A 60x set up in kWh behind a device configured as a 402 (GJ by default): the channel follows the meter. */
    @Test
    void energyChannelAdoptsTheMetersUnitAndKeepsIt() throws Exception {
        int port = simulate("603", new KmpResponder.Options());
        manager.configure("heat", config("socket://127.0.0.1:" + port, "402", "energy"));
        awaitState("heat", DeviceState.ONLINE);
        await().atMost(10, TimeUnit.SECONDS).until(() -> lastInfo.containsKey("heat")
                && "kWh".equals(energyUnit(lastInfo.get("heat"))));
        assertThat(byChannel(published)).containsEntry("energy", "345678");

        // A new session (configuration change) starts in kWh right away, from the device state.
        published.clear();
        manager.configure("heat", config("socket://127.0.0.1:" + port, "402", "energy,volume"));
        awaitState("heat", DeviceState.ONLINE);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !published.isEmpty());
        assertThat(energyUnit(manager.device("heat").orElseThrow())).isEqualTo("kWh");

        // An explicit unit converts instead.
        published.clear();
        manager.configure("heat", config("socket://127.0.0.1:" + port, "402", "energy", "energy.unit", "MWh"));
        awaitState("heat", DeviceState.ONLINE);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !published.isEmpty());
        assertThat(energyUnit(manager.device("heat").orElseThrow())).isEqualTo("MWh");
        assertThat(byChannel(published)).containsEntry("energy", "345.678");
    }

    /**
     * Unit quirks, from a hand-made meter: power in code 0x15 (listed as kW), volume in litres, energy in a
     * power unit (nonsense: reported, not published), a date never set (0: not published, not an error).
     */
    @Test
    void unitQuirks() throws Exception {
        byte[] answer = org.meter2mqtt.driver.kamstrup.kmp.KmpFrames.frame(0x40,
                org.meter2mqtt.driver.kamstrup.kmp.Hex.parse("3F 10"
                        + " 00 3C 16 04 43 00 12 D6 87" // energy 1234.567 but in kW
                        + " 00 50 15 04 41 00 00 00 7B" // power 12.3 in code 0x15
                        + " 00 44 27 04 00 00 0C AF AB" // volume 831403 l
                        + " 00 7B 30 04 00 00 00 00 00")); // max flow date (year): not set
        try (ServerSocket server = new ServerSocket(0)) {
            Thread meter = new Thread(() -> {
                try (java.net.Socket s = server.accept()) {
                    byte[] buf = new byte[64];
                    int n;
                    while ((n = s.getInputStream().read(buf)) > 0) {
                        if (buf[n - 1] == 0x0D) {
                            s.getOutputStream().write(answer);
                        }
                    }
                } catch (java.io.IOException e) {
                    published.add(Reading.text("meter_thread_failed", e.toString(), null));
                }
            });
            meter.setDaemon(true);
            meter.start();
            manager.configure("heat", config("socket://127.0.0.1:" + server.getLocalPort(), "402",
                    "energy,power,volume,maxflowdate_y"));
            awaitState("heat", DeviceState.DEGRADED);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !published.isEmpty());
            assertThat(byChannel(published)).isEqualTo(Map.of("power", "12.3", "volume", "831.403"));
            assertThat(manager.device("heat").orElseThrow().lastError()).contains("energy").contains("0x16");
        }
    }

    private static String energyUnit(DeviceInfo info) {
        return info.channels().stream().filter(c -> c.id().equals("energy")).findFirst().map(Channel::unit)
                .orElse(null);
    }

    /** The simulator as its own process (as the demo runs it), with its --log-served record as the truth. */
    @Test
    void simulatorAsASeparateProcess() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), KmpSimulator.class.getName(), "--model", "403", "--tcp", "0",
                "--echo", "--tick", "--log-served").redirectError(tmp.resolve("sim.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).startsWith("READY tcp ");
            int port = Integer.parseInt(ready.substring("READY tcp ".length()).trim());
            Map<String, List<String>> servedLines = new ConcurrentHashMap<>();
            Thread reader = new Thread(() -> out.lines().forEach(l -> {
                String[] f = l.split(" ");
                servedLines.computeIfAbsent(f[1], k -> new CopyOnWriteArrayList<>()).add(f[2]);
            }));
            reader.setDaemon(true);
            reader.start();

            manager.configure("heat", config("socket://127.0.0.1:" + port, "403", null));
            awaitState("heat", DeviceState.ONLINE);
            List<Reading> readings = manager.readNow("heat", Duration.ofSeconds(10));
            await().atMost(5, TimeUnit.SECONDS).until(() -> servedLines.containsKey("0x003C")
                    && servedLines.get("0x003C").size() >= 2);
            Map<String, String> values = byChannel(readings);
            assertThat(servedLines.get("0x003C")).contains(values.get("energy"));
            assertThat(servedLines.get("0x0044")).contains(values.get("volume"));
            assertThat(values).containsEntry("flow", "0.523");
        } finally {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void descriptionDeclaresKeysAndModels() {
        var d = new KamstrupDriver(TEST_VERSION).describe();
        assertThat(d.id()).isEqualTo("kamstrup");
        assertThat(d.version()).isEqualTo(TEST_VERSION);
        assertThat(d.models()).extracting(m -> m.id()).containsExactly("402", "403", "601", "603", "801");
        assertThat(d.configKey("parameters").orElseThrow().defaultValue())
                .hasValue("energy,power,temp1,temp2,tempdiff,flow,volume");
        assertThat(d.configKey("port").orElseThrow().required()).isTrue();
        List<String> names = new ArrayList<>();
        d.model("402").orElseThrow().channels().forEach(c -> names.add(c.id()));
        assertThat(names).containsExactly("energy", "power", "temp1", "temp2", "tempdiff", "flow", "volume");
        Channel energy = d.model("402").orElseThrow().channel("energy").orElseThrow();
        assertThat(energy.unit()).isEqualTo("GJ");
        assertThat(energy.deviceClass()).isEqualTo("energy");
        assertThat(energy.monotonic()).isTrue();
        Channel tempdiff = d.model("603").orElseThrow().channel("tempdiff").orElseThrow();
        assertThat(tempdiff.unit()).isEqualTo("K");
        assertThat(tempdiff.deviceClass()).isNull();
    }
}
