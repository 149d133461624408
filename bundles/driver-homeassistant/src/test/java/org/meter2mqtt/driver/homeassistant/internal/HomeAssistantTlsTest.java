package org.meter2mqtt.driver.homeassistant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.core.DeviceManager;
import org.meter2mqtt.simulators.homeassistant.HaSimulator;

/**
 * https and wss against the simulator with a certificate from a CA made here with openssl: trusted through
 * {@code tls.ca.file}; without it the handshake fails (the JDK's trust store does not know that CA), which no
 * retry fixes: CONFIG_ERROR naming the key.
 */
class HomeAssistantTlsTest {

    @TempDir
    static Path pki;

    @TempDir
    Path tmp;

    private static HaSimulator sim;
    private DeviceManager manager;
    private final List<Reading> readings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
                "-keyout", "ca.key", "-out", "ca.pem");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
                "-out", "server.csr");
        Files.writeString(pki.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.pem");
        sim = new HaSimulator(HaSimulator.DEFAULT_TOKEN).loadDefaultEntities()
                .tls(pki.resolve("server.pem").toFile(), pki.resolve("server.key").toFile()).start("127.0.0.1", 0);
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true)
                .redirectOutput(pki.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(pki.resolve("openssl.log"))).isZero();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void startManager() {
        manager = new DeviceManager(tmp.resolve("state"), Clock.systemUTC());
        manager.setBackoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        manager.addOutput(new MeterOutput() {
            @Override
            public void deviceChanged(DeviceInfo device) {
            }

            @Override
            public void readings(DeviceInfo device, List<Reading> batch) {
                readings.addAll(batch);
            }

            @Override
            public void deviceRemoved(DeviceInfo device) {
            }
        });
        manager.addDriver(new HomeAssistantDriver("1.0.0", () -> "gw1"), "1.0.0");
    }

    @AfterEach
    void stopManager() {
        manager.close();
    }

    private void configure(String mode, boolean withCa) {
        Map<String, String> m = new HashMap<>();
        m.put("driver", "homeassistant");
        m.put("url", "https://127.0.0.1:" + sim.port());
        m.put("token", HaSimulator.DEFAULT_TOKEN);
        m.put("mode", mode);
        if (withCa) {
            m.put("tls.ca.file", pki.resolve("ca.pem").toString());
        }
        manager.configure("ha", m);
    }

    private void awaitState(DeviceState s) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(manager.device("ha").orElseThrow()
                .state()).isEqualTo(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void trustedThroughTheCaFile(String mode) {
        configure(mode, true);
        awaitState(DeviceState.ONLINE);
        await().atMost(Duration.ofSeconds(10)).until(() -> readings.stream().anyMatch(r -> r.channel().equals(
                "total_power")));
        if (mode.equals("push")) {
            assertThat(manager.device("ha").orElseThrow().attributes().get("ha.mode")).contains("wss://127.0.0.1:");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"push", "poll"})
    void refusedWithoutItAsAConfigErrorNamingTheKey(String mode) {
        configure(mode, false);
        awaitState(DeviceState.CONFIG_ERROR);
        assertThat(manager.device("ha").orElseThrow().reason()).containsIgnoringCase("certification path")
                .contains("set 'tls.ca.file'");
        assertThat(readings).isEmpty();
    }
}
