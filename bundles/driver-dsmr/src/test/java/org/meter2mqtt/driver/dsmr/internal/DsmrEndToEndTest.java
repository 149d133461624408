package org.meter2mqtt.driver.dsmr.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.core.DeviceManager;
import org.meter2mqtt.transport.Links;

/**
 * The whole path with real parts: the simulator (its own process) writes telegrams into a socat
 * pseudo-terminal or a TCP port; the real core DeviceManager runs the DSMR driver, which opens the other end
 * through jSerialComm (Links).
 */
class DsmrEndToEndTest {

    private static final String KEY = "00112233445566778899AABBCCDDEEFF";

    @TempDir
    Path dir;

    private DeviceManager manager;

    @BeforeEach
    void start() {
        manager = new DeviceManager(dir.resolve("state"), Clock.systemUTC());
        manager.setBackoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        manager.addLinkFactory(new Links());
        manager.addDriver(new DsmrDriver("7.7.7"));
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    private void configure(String port, String... more) {
        Map<String, String> cfg = new HashMap<>();
        cfg.put("driver", "dsmr");
        cfg.put("port", port);
        cfg.put("silence.timeout", "2");
        for (int i = 0; i < more.length; i += 2) {
            cfg.put(more[i], more[i + 1]);
        }
        manager.configure("p1", cfg);
    }

    private DeviceInfo device() {
        return manager.device("p1").orElseThrow();
    }

    private DeviceInfo awaitState(DeviceState... states) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(device().state()).as("%s", device()).isIn((Object[]) states));
        return device();
    }

    /** energy_import_t1 of telegram k is 1234.567 + 0.010 k: a value off that grid was not sent. */
    private static void assertSimulatorEnergy(Reading r) {
        BigDecimal steps = r.number().subtract(new BigDecimal("1234.567")).divide(new BigDecimal("0.010"));
        assertThat(steps.stripTrailingZeros().scale()).as("%s", r).isLessThanOrEqualTo(0);
        assertThat(steps.signum()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void dsmr5OverPseudoTerminalSkipsCorruptTelegrams() throws Exception {
        try (Processes.Pty pty = new Processes.Pty(dir.resolve("meter"), dir.resolve("ttyUSB0"));
                Processes.Simulator sim = new Processes.Simulator("--serial", pty.meterEnd.toString(), "--interval",
                        "100", "--gas-channel", "2", "--corrupt-every", "3", "--garbage-every", "4")) {
            configure(pty.gatewayEnd.toString());
            await().atMost(Duration.ofSeconds(20)).until(() -> device().readingCount() > 300 && device().errorCount() >= 3);
            DeviceInfo d = awaitState(DeviceState.ONLINE, DeviceState.DEGRADED);
            assertSimulatorEnergy(d.latest().get("energy_import_t1"));
            assertThat(d.latest().get("power_import").number().intValueExact()).isBetween(500, 1400);
            assertThat(d.latest().get("gas").number()).isGreaterThan(new BigDecimal("456.788"));
            assertThat(d.latest()).doesNotContainKeys("gas_1", "gas_2");
            assertThat(d.lastError()).contains("CRC error");
            assertThat(d.attributes()).containsEntry("p1.version", "5.0").containsEntry("mbus.2", "gas (device type 3)");
            assertThat(d.channels()).anyMatch(c -> c.id().equals("gas") && "m³".equals(c.unit()));
        }
    }

    @Test
    void belgianMeterOverTcpLikeSer2net() throws Exception {
        try (Processes.Simulator sim = new Processes.Simulator("--tcp", "0", "--version", "be", "--interval", "100")) {
            configure("socket://127.0.0.1:" + sim.port());
            await().atMost(Duration.ofSeconds(20)).until(() -> device().readingCount() > 100);
            DeviceInfo d = awaitState(DeviceState.ONLINE);
            assertSimulatorEnergy(d.latest().get("energy_import_t1"));
            assertThat(d.latest().get("tariff_name").textValue()).isEqualTo("day");
            assertThat(d.latest().get("water").number()).isEqualByComparingTo("78.900");
            assertThat(d.attributes()).containsEntry("p1.variant", "be");
            assertThat(d.errorCount()).isZero();
        }
    }

    @Test
    void smartyOverTcpIsDecrypted() throws Exception {
        try (Processes.Simulator sim = new Processes.Simulator("--tcp", "0", "--version", "smarty", "--smarty-key",
                KEY, "--interval", "100")) {
            configure("socket://127.0.0.1:" + sim.port(), "dsmr.version", "smarty", "smarty.key", KEY);
            await().atMost(Duration.ofSeconds(20)).until(() -> device().readingCount() > 50);
            assertSimulatorEnergy(device().latest().get("energy_import_t1"));
            assertThat(device().errorCount()).isZero();
        }
    }

    @Test
    void dsmr22MeterWith7E1Framing() throws Exception {
        try (Processes.Pty pty = new Processes.Pty(dir.resolve("meter"), dir.resolve("ttyS0"));
                Processes.Simulator sim = new Processes.Simulator("--serial", pty.meterEnd.toString(), "--version",
                        "2.2", "--7e1", "--interval", "100")) {
            configure(pty.gatewayEnd.toString(), "dsmr.version", "2.2");
            await().atMost(Duration.ofSeconds(20)).until(() -> device().readingCount() > 50);
            DeviceInfo d = awaitState(DeviceState.ONLINE);
            assertSimulatorEnergy(d.latest().get("energy_import_t1"));
            assertThat(d.latest().get("gas").number()).isGreaterThan(new BigDecimal("456.788"));
            assertThat(d.attributes()).containsEntry("p1.version", "2.2/3");
        }
    }

    @Test
    void unpluggedAdapterGoesOfflineAndComesBackByItself() throws Exception {
        Path meter = dir.resolve("meter");
        Path adapter = dir.resolve("ttyUSB0");
        try (Processes.Simulator sim = new Processes.Simulator("--serial", meter.toString(), "--interval", "100")) {
            try (Processes.Pty pty = new Processes.Pty(meter, adapter)) {
                configure(adapter.toString());
                awaitState(DeviceState.ONLINE);
            }
            // socat is gone: both device paths disappeared
            DeviceInfo offline = awaitState(DeviceState.OFFLINE);
            assertThat(offline.reason()).isNotBlank();
            long before = device().readingCount();
            try (Processes.Pty pty = new Processes.Pty(meter, adapter)) {
                DeviceInfo back = awaitState(DeviceState.ONLINE);
                await().atMost(Duration.ofSeconds(10)).until(() -> device().readingCount() > before + 30);
                assertSimulatorEnergy(back.latest().get("energy_import_t1"));
            }
        }
    }

    @Test
    void silentMeterGoesOfflineAfterTheSilenceTimeoutAndComesBack() throws Exception {
        try (Processes.Pty pty = new Processes.Pty(dir.resolve("meter"), dir.resolve("ttyUSB0"))) {
            try (Processes.Simulator sim = new Processes.Simulator("--serial", pty.meterEnd.toString(), "--interval",
                    "100", "--count", "20")) {
                configure(pty.gatewayEnd.toString());
                awaitState(DeviceState.ONLINE);
                DeviceInfo silent = awaitState(DeviceState.OFFLINE);
                assertThat(silent.reason()).contains("no data from the meter for 2 s");
            }
            try (Processes.Simulator sim = new Processes.Simulator("--serial", pty.meterEnd.toString(), "--interval",
                    "100")) {
                awaitState(DeviceState.ONLINE);
            }
        }
    }

    @Test
    void missingDeviceIsOfflineWithTheReason() {
        configure(dir.resolve("ttyUSB7").toString());
        DeviceInfo d = awaitState(DeviceState.OFFLINE);
        assertThat(d.reason()).contains("does not exist");
    }

    @Test
    void badSmartyKeyIsAConfigError() {
        configure("socket://127.0.0.1:9", "dsmr.version", "smarty", "smarty.key", "1234");
        DeviceInfo d = awaitState(DeviceState.CONFIG_ERROR);
        assertThat(d.reason()).contains("smarty.key").doesNotContain("1234");
    }
}
