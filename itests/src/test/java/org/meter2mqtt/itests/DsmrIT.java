package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.itests.MqttRecorder.Msg;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 4 in the real distribution: the DSMR simulator (its own JVM) writes P1 telegrams into one end of a socat
 * pseudo-terminal pair, the gateway reads the other end through jSerialComm, and the values arrive on the
 * embedded broker; the same over socket://; the pseudo-terminal disappears and comes back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DsmrIT extends GatewayTestSupport {

    private static final String GW = "itgw";
    private static final String SIMULATOR = "org.meter2mqtt.simulators.dsmr.DsmrSimulator";

    @Configuration
    public Option[] config() {
        return simulatorGatewayOptions(GW);
    }

    @Before
    public void mqttOutputConnected() throws InterruptedException {
        awaitMqttOutputHealthy(60);
    }

    @Test
    public void p1OverAPseudoTerminalReachesMqttAndSurvivesAnUnplug() throws Exception {
        Path dir = tempDir("p1-");
        Path meterEnd = dir.resolve("meter");
        Path gatewayEnd = dir.resolve("ttyP1");
        String id = "it-p1";
        String base = "meters/dsmr/" + id + "/";
        ExternalProcess socat = ExternalProcess.socatPair("socat-p1", meterEnd, gatewayEnd);
        ExternalProcess simulator = null;
        try (MqttRecorder live = MqttRecorder.subscribe(embeddedBrokerUrl(), "itest-p1", base + "#", 1)) {
            live.subscribe("homeassistant/sensor/" + GW + "_" + id + "/#", 1);
            simulator = ExternalProcess.simulator("dsmr-sim-serial", SIMULATOR, "--serial", meterEnd.toString(),
                    "--interval", "1000");
            writeCfg(id, "driver = dsmr", "port = " + gatewayEnd, "silence.timeout = 5");
            awaitState(id, DeviceState.ONLINE, 30);
            String stty = ExternalProcess.run(10, "stty", "-F", gatewayEnd.toString(), "-a");
            assertTrue("jSerialComm set DSMR 4/5 line settings: " + stty, stty.contains("speed 115200 baud")
                    && stty.contains(" cs8") && stty.contains("-parenb") && stty.contains("-cstopb"));

            assertTelegramValues(live, base, 0, 3);
            assertDiscovery(live, id);

            // unplugged: socat goes away and takes both pseudo-terminals with it
            int mark = live.size();
            socat.close();
            assertFalse("the gateway's device path is gone", Files.exists(gatewayEnd));
            awaitState(id, DeviceState.OFFLINE, 20);
            live.await("status offline", 10, mark, m -> m.topic.equals(base + "status") && m.text().equals("offline"));
            Thread.sleep(2_000);
            assertEquals(DeviceState.OFFLINE, state(id));

            // plugged in again: the same path, new pseudo-terminals; nobody touches the gateway
            socat = ExternalProcess.socatPair("socat-p1-again", meterEnd, gatewayEnd);
            awaitState(id, DeviceState.ONLINE, 40);
            live.await("status online", 10, mark, m -> m.topic.equals(base + "status") && m.text().equals("online"));
            assertTelegramValues(live, base, live.size(), 2);
        } finally {
            Files.deleteIfExists(cfg(id));
            if (simulator != null) {
                simulator.close();
            }
            socat.close();
        }
    }

    @Test
    public void p1OverSocketReachesMqtt() throws Exception {
        String id = "it-p1-tcp";
        String base = "meters/dsmr/" + id + "/";
        try (ExternalProcess simulator = ExternalProcess.simulator("dsmr-sim-tcp", SIMULATOR, "--tcp", "0",
                "--interval", "1000");
                MqttRecorder live = MqttRecorder.subscribe(embeddedBrokerUrl(), "itest-p1-tcp", base + "#", 1)) {
            live.subscribe("homeassistant/sensor/" + GW + "_" + id + "/#", 1);
            String port = simulator.awaitLine("listening on port (\\d+)", 30).group(1);
            writeCfg(id, "driver = dsmr", "port = socket://127.0.0.1:" + port);
            awaitState(id, DeviceState.ONLINE, 30);
            assertTelegramValues(live, base, 0, 3);
            assertDiscovery(live, id);
        } finally {
            Files.deleteIfExists(cfg(id));
        }
    }

    /**
     * {@code count} consecutive state messages (received from index {@code from}) hold the values of
     * consecutive simulator telegrams k (see TelegramBuilder): tariff 1 = 1234.567 + 0.010 k kWh, power
     * 500 + 100 (k mod 10) W, L1 230.0 + 0.1 (k mod 5) V, fixed registers, gas in m³; the per-channel topics
     * carry the same numbers.
     */
    private static void assertTelegramValues(MqttRecorder live, String base, int from, int count)
            throws InterruptedException {
        List<Msg> states = new ArrayList<>();
        int next = from;
        while (states.size() < count) {
            Msg m = live.await(count + " states on " + base, 20, next, x -> x.topic.equals(base + "state"));
            states.add(m);
            next = live.messages().indexOf(m) + 1;
        }
        long previousK = -1;
        for (Msg m : states) {
            JsonNode j = m.json();
            String what = m.toString();
            BigDecimal t1 = j.get("energy_import_t1").decimalValue();
            long k = t1.subtract(new BigDecimal("1234.567")).divide(new BigDecimal("0.010")).longValueExact();
            assertTrue(what, k >= 0 && k > previousK);
            previousK = k;
            assertEquals(what, 0, new BigDecimal("2345.678").compareTo(j.get("energy_import_t2").decimalValue()));
            assertEquals(what, 0, new BigDecimal("12.345").compareTo(j.get("energy_export_t1").decimalValue()));
            assertEquals(what, 0, new BigDecimal("0.5").compareTo(j.get("energy_export_t2").decimalValue()));
            assertEquals(what, 0, BigDecimal.valueOf(500 + 100 * (k % 10)).compareTo(
                    j.get("power_import").decimalValue()));
            assertEquals(what, 0, new BigDecimal("230.0").add(new BigDecimal("0.1").multiply(BigDecimal.valueOf(k % 5)))
                    .compareTo(j.get("voltage_l1").decimalValue()));
            BigDecimal gas = j.get("gas").decimalValue();
            assertTrue(what, gas.compareTo(new BigDecimal("456.789")) >= 0
                    && gas.compareTo(new BigDecimal("457.789")) < 0);
            assertTrue(what, j.get("timestamp").asText().endsWith("Z"));
        }
        // the plain per-channel topics carry the same numbers as the last state
        Msg last = states.get(states.size() - 1);
        List<Msg> all = live.messages();
        int at = all.indexOf(last);
        for (String ch : List.of("energy_import_t1", "energy_import_t2", "power_import", "voltage_l1", "gas")) {
            Msg value = null;
            for (int i = at - 1; i >= 0 && value == null; i--) {
                if (all.get(i).topic.equals(base + ch)) {
                    value = all.get(i);
                }
            }
            assertTrue("value on " + base + ch, value != null);
            assertEquals(value + " vs " + last, 0,
                    new BigDecimal(value.text()).compareTo(last.json().get(ch).decimalValue()));
        }
    }

    private static void assertDiscovery(MqttRecorder live, String id) throws InterruptedException {
        String node = "homeassistant/sensor/" + GW + "_" + id + "/";
        JsonNode t1 = live.await("config of energy_import_t1", 15,
                m -> m.topic.equals(node + "energy_import_t1/config") && m.payload.length > 0).json();
        assertEquals(t1.toString(), "kWh", t1.get("unit_of_measurement").asText());
        assertEquals(t1.toString(), "energy", t1.get("device_class").asText());
        assertEquals(t1.toString(), "total_increasing", t1.get("state_class").asText());
        assertEquals(t1.toString(), "meters/dsmr/" + id + "/energy_import_t1", t1.get("state_topic").asText());
        JsonNode gas = live.await("config of gas", 15,
                m -> m.topic.equals(node + "gas/config") && m.payload.length > 0).json();
        assertEquals(gas.toString(), "m³", gas.get("unit_of_measurement").asText());
        assertEquals(gas.toString(), "gas", gas.get("device_class").asText());
        assertEquals(gas.toString(), "total_increasing", gas.get("state_class").asText());
        JsonNode power = live.await("config of power_import", 15,
                m -> m.topic.equals(node + "power_import/config") && m.payload.length > 0).json();
        assertEquals(power.toString(), "W", power.get("unit_of_measurement").asText());
        assertEquals(power.toString(), "power", power.get("device_class").asText());
    }
}
