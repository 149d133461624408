package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.itests.MqttRecorder.Msg;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 5 in the real distribution: the KMP simulator (a MULTICAL 403 in its own JVM) behind a socat
 * pseudo-terminal that jSerialComm opens at 1200 8N2, and behind socket:// with CRC errors and silences
 * injected; what reaches MQTT, Home Assistant discovery and {@code meter:read}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KamstrupIT extends GatewayTestSupport {

    private static final String GW = "itgw";
    private static final String SIMULATOR = "org.meter2mqtt.simulators.kmp.KmpSimulator";
    private static final String PARAMETERS = "energy,power,temp1,temp2,tempdiff,flow,volume,hourcounter";
    private static final Pattern SERVED = Pattern.compile("^SERVED 0x([0-9A-F]{4}) (-?[0-9.]+)$");

    /** Parameter, its KMP register id, the unit it is published in and how the meter's number converts. */
    private static final class Param {
        final String name;
        final int register;
        final String unit;
        final BigDecimal divisor;

        Param(String name, int register, String unit, String divisor) {
            this.name = name;
            this.register = register;
            this.unit = unit;
            this.divisor = new BigDecimal(divisor);
        }
    }

    private static final List<Param> PARAMS = List.of(
            new Param("energy", 0x003C, "GJ", "1"),
            new Param("power", 0x0050, "kW", "1"),
            new Param("temp1", 0x0056, "°C", "1"),
            new Param("temp2", 0x0057, "°C", "1"),
            new Param("tempdiff", 0x0059, "K", "1"),
            // the meter counts l/h; published as m³/h
            new Param("flow", 0x004A, "m³/h", "1000"),
            new Param("volume", 0x0044, "m³", "1"),
            new Param("hourcounter", 0x03EC, "h", "1"));

    @Configuration
    public Option[] config() {
        return simulatorGatewayOptions(GW);
    }

    @Before
    public void mqttOutputConnected() throws InterruptedException {
        awaitMqttOutputHealthy(60);
    }

    @Test
    public void multical403OverAPseudoTerminalAt1200Baud8N2() throws Exception {
        Path dir = tempDir("kmp-");
        Path meterEnd = dir.resolve("meter");
        Path gatewayEnd = dir.resolve("ttyIR");
        String id = "it-kmp";
        String base = "meters/kamstrup/" + id + "/";
        String node = "homeassistant/sensor/" + GW + "_" + id + "/";
        try (ExternalProcess socat = ExternalProcess.socatPair("socat-kmp", meterEnd, gatewayEnd);
                ExternalProcess simulator = ExternalProcess.simulator("kmp-sim-serial", SIMULATOR, "--model", "403",
                        "--serial", meterEnd.toString(), "--tick", "--log-served");
                MqttRecorder live = MqttRecorder.subscribe(embeddedBrokerUrl(), "itest-kmp", base + "#", 1)) {
            live.subscribe(node + "#", 1);
            simulator.awaitLine("READY serial", 30);
            writeCfg(id, "driver = kamstrup", "model = 403", "port = " + gatewayEnd, "parameters = " + PARAMETERS,
                    "poll.interval = 2", "timeout = 1500");
            awaitState(id, DeviceState.ONLINE, 30);
            String stty = ExternalProcess.run(10, "stty", "-F", gatewayEnd.toString(), "-a");
            assertTrue("jSerialComm opened the optical head at 1200 8N2: " + stty, stty.contains("speed 1200 baud")
                    && stty.contains(" cs8") && stty.contains(" cstopb") && stty.contains("-parenb"));

            Msg state = live.await("a state with every parameter", 20, m -> m.topic.equals(base + "state")
                    && PARAMS.stream().allMatch(p -> m.json().has(p.name)));
            Map<Integer, Set<BigDecimal>> served = served(simulator);
            for (Param p : PARAMS) {
                assertServed(served, p, state.json().get(p.name).decimalValue(), state.toString());
                Msg value = live.await(p.name + " on its own topic", 10, m -> m.topic.equals(base + p.name));
                assertServed(served(simulator), p, new BigDecimal(value.text()), value.toString());
            }

            // Home Assistant: units and classes as the issue lists them
            assertConfig(live, node, "energy", "GJ", "energy", "total_increasing");
            assertConfig(live, node, "volume", "m³", "water", "total_increasing");
            assertConfig(live, node, "flow", "m³/h", "volume_flow_rate", null);
            assertConfig(live, node, "temp1", "°C", "temperature", null);
            assertConfig(live, node, "temp2", "°C", "temperature", null);
            assertConfig(live, node, "power", "kW", "power", null);
            // a difference in K must not be a temperature to HA (it would convert it as an absolute one)
            assertConfig(live, node, "tempdiff", "K", null, null);
            assertConfig(live, node, "hourcounter", "h", "duration", "total_increasing");

            String read = executeCommand("meter:read " + id);
            Map<Integer, Set<BigDecimal>> servedNow = served(simulator);
            for (Param p : PARAMS) {
                Matcher m = Pattern.compile("(?m)^\\s*" + p.name + "\\s.*?(-?\\d+(?:\\.\\d+)?) " + Pattern.quote(p.unit)
                        + "(\\s|$)").matcher(read);
                assertTrue(p.name + " with its unit " + p.unit + " in meter:read:\n" + read, m.find());
                assertServed(servedNow, p, new BigDecimal(m.group(1)), "meter:read " + p.name);
            }
        } finally {
            Files.deleteIfExists(cfg(id));
        }
    }

    @Test
    public void withCrcErrorsAndSilencesInjectedOnlyServedValuesArePublished() throws Exception {
        String id = "it-kmp-faults";
        String base = "meters/kamstrup/" + id + "/";
        try (ExternalProcess simulator = ExternalProcess.simulator("kmp-sim-faults", SIMULATOR, "--model", "403",
                "--tcp", "0", "--tick", "--log-served", "--crc-error-rate", "0.1", "--no-answer-rate", "0.1",
                "--seed", "7");
                MqttRecorder live = MqttRecorder.subscribe(embeddedBrokerUrl(), "itest-kmp-faults", base + "#", 1)) {
            String port = simulator.awaitLine("READY tcp (\\d+)", 30).group(1);
            writeCfg(id, "driver = kamstrup", "model = 403", "port = socket://127.0.0.1:" + port,
                    "parameters = " + PARAMETERS, "poll.interval = 1", "timeout = 400", "retries = 2");
            await("20 states and some injected faults seen by the driver", 90,
                    () -> live.on(base + "state").size() >= 20 && errors(id) > 0);
            DeviceInfo device = registry.device(id).get();
            Files.delete(cfg(id));
            await("device removed", 15, () -> registry.device(id).isEmpty());
            Thread.sleep(500);

            Map<Integer, Set<BigDecimal>> served = served(simulator);
            int values = 0;
            Set<String> channelsSeen = new HashSet<>();
            for (Msg m : live.messages()) {
                String channel = m.topic.substring(base.length());
                if (channel.equals("state")) {
                    JsonNode j = m.json();
                    for (Param p : PARAMS) {
                        if (j.has(p.name)) {
                            assertServed(served, p, j.get(p.name).decimalValue(), m.toString());
                            values++;
                        }
                    }
                } else if (!channel.equals("status") && !channel.equals("info")) {
                    // status and the device info topic (state, reason) are not readings
                    Param p = PARAMS.stream().filter(x -> x.name.equals(channel)).findFirst().orElse(null);
                    assertNotNull("unexpected topic " + m, p);
                    assertServed(served, p, new BigDecimal(m.text()), m.toString());
                    channelsSeen.add(channel);
                    values++;
                }
            }
            assertEquals("every parameter was published", PARAMS.size(), channelsSeen.size());
            System.out.println("METRIC kmp-faults values-checked " + values + " driver-errors " + device.errorCount()
                    + " served " + served.values().stream().mapToInt(Set::size).sum());
            assertTrue("the driver met the injected faults: " + device, device.errorCount() > 0);
        } finally {
            Files.deleteIfExists(cfg(id));
        }
    }

    private long errors(String id) {
        return registry.device(id).map(DeviceInfo::errorCount).orElse(0L);
    }

    /** What the simulator says it put into answers ({@code --log-served}), per register. */
    private static Map<Integer, Set<BigDecimal>> served(ExternalProcess simulator) {
        Map<Integer, Set<BigDecimal>> served = new HashMap<>();
        for (String line : simulator.lines()) {
            Matcher m = SERVED.matcher(line.trim());
            if (m.matches()) {
                served.computeIfAbsent(Integer.parseInt(m.group(1), 16), k -> new HashSet<>())
                        .add(new BigDecimal(m.group(2)).stripTrailingZeros());
            }
        }
        return served;
    }

    private static void assertServed(Map<Integer, Set<BigDecimal>> served, Param p, BigDecimal published,
            String where) {
        Set<BigDecimal> values = served.getOrDefault(p.register, Set.of());
        BigDecimal meter = published.multiply(p.divisor).stripTrailingZeros();
        assertTrue(where + ": " + p.name + " = " + published.toPlainString() + " " + p.unit
                + " is not a value the meter sent (" + values.size() + " sent, e.g. " + sample(values) + ")",
                values.contains(meter));
    }

    private static String sample(Set<BigDecimal> values) {
        return values.stream().limit(3).map(BigDecimal::toPlainString).reduce((a, b) -> a + ", " + b).orElse("-");
    }

    private static void assertConfig(MqttRecorder live, String node, String channel, String unit, String deviceClass,
            String stateClass) throws InterruptedException {
        JsonNode c = live.await("discovery config of " + channel, 15,
                m -> m.topic.equals(node + channel + "/config") && m.payload.length > 0).json();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("unit_of_measurement", unit);
        expected.put("device_class", deviceClass);
        expected.put("state_class", stateClass);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (e.getValue() == null) {
                if (e.getKey().equals("device_class")) {
                    assertFalse(channel + " has no device_class: " + c, c.has("device_class"));
                }
                continue;
            }
            assertEquals(channel + " " + e.getKey() + ": " + c, e.getValue(), c.path(e.getKey()).asText(null));
        }
    }
}
