package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.itests.MqttRecorder.Msg;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 6 in the real distribution: three simulated KPM33B meters (each its own JVM) publish to the embedded
 * broker, which the driver reads in-process; Mosquitto, started by the test, is the central broker of the MQTT
 * output and of the kpm33b_proxy layout. One meter acknowledges its configuration, one rejects it, one never
 * answers; then the acknowledging meter's .cfg changes. An independent subscriber on each broker checks what
 * the meters sent against what the central broker got.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class Kpm33bIT extends GatewayTestSupport {

    private static final String GW = "itgw";
    private static final String SIMULATOR = "org.meter2mqtt.simulators.kpm33b.Kpm33bSimulator";
    private static final String DRIVER_CFG = "etc/org.meter2mqtt.driver.kpm33b.cfg";
    private static final String LOGGING_CFG = "etc/org.ops4j.pax.logging.cfg";

    /** Meter numbers 0, 1, 2 of the simulator (SimulatedMeter.idOf). */
    private static final String ACK_METER = "33B1225950027";
    private static final String ERR_METER = "33B1225950028";
    private static final String SILENT_METER = "33B1225950029";
    private static final String ACK = "kpm-ack";
    private static final String ERR = "kpm-err";
    private static final String SILENT = "kpm-silent";

    /**
     * The tags the simulator sends (not its "full" shape) that the default groups publish, with their names as
     * docs/architecture.md lists them; reactive and apparent power and apparent energy are in groups that are off.
     */
    private static final Map<String, String> RT_CHANNELS = channels(
            "ia current_l1", "ib current_l2", "ic current_l3",
            "ua voltage_l1", "ub voltage_l2", "uc voltage_l3",
            "uab voltage_l1_l2", "ubc voltage_l2_l3", "uca voltage_l3_l1",
            "pa active_power_l1", "pb active_power_l2", "pc active_power_l3", "zyggl active_power",
            "pfa power_factor_l1", "pfb power_factor_l2", "pfc power_factor_l3", "zglys power_factor",
            "f frequency");
    private static final Map<String, String> ENY_CHANNELS = channels(
            "zygsz energy_import", "fygsz energy_export", "zwgsz reactive_energy_import",
            "fwgsz reactive_energy_export",
            "zyjsz energy_import_t1", "fyjsz energy_export_t1", "zyfsz energy_import_t2", "fyfsz energy_export_t2",
            "zypsz energy_import_t3", "fypsz energy_export_t3", "zyvsz energy_import_t4", "fyvsz energy_export_t4",
            "zydvsz energy_import_t5", "fydvsz energy_export_t5");
    private static final Set<String> NOT_PUBLISHED = Set.of("qa", "qb", "qc", "zwggl", "sa", "sb", "sc", "zszgl",
            "zszsz");
    private static final DateTimeFormatter METER_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    @Configuration
    public Option[] config() {
        return baseOptions(composite(embeddedBrokerOptions(GW)), simulatorsClasspathOption(),
                keepRuntimeFolderOnRequest(),
                // only the meters with a .cfg: what reaches the central broker is then known exactly
                editConfigurationFilePut(DRIVER_CFG, "autodiscover", "false"),
                // the "sent ... oprid" line gives the moment a command left, for timing the ALERT
                editConfigurationFilePut(LOGGING_CFG, "log4j2.logger.kpm33bsession.name",
                        "org.meter2mqtt.driver.kpm33b.internal.Kpm33bSession"),
                editConfigurationFilePut(LOGGING_CFG, "log4j2.logger.kpm33bsession.level", "DEBUG"));
    }

    @Test
    public void metersConfigFlowsAndWhatTheCentralBrokerSees() throws Exception {
        awaitMqttOutputHealthy(60);
        // the demo devices of the distribution would publish to the central broker too
        for (String demo : List.of("demo-house", "demo-solar")) {
            Files.deleteIfExists(cfg(demo));
        }
        await("demo devices removed", 20,
                () -> registry.device("demo-house").isEmpty() && registry.device("demo-solar").isEmpty());

        int port = freePort();
        String central = "tcp://127.0.0.1:" + port;
        List<ExternalProcess> processes = new ArrayList<>();
        ExternalProcess mosquitto = ExternalProcess.mosquitto(tempDir("mosquitto"), port);
        processes.add(mosquitto);
        try (MqttRecorder onCentral = MqttRecorder.subscribe(central, "itest-central", "#", 1);
                MqttRecorder onInternal = MqttRecorder.subscribe(embeddedBrokerUrl(), "itest-internal", "#", 1)) {
            setCfgKey(etc().resolve("org.meter2mqtt.mqtt.cfg"), "url", central);
            setCfgKey(etc().resolve("org.meter2mqtt.driver.kpm33b.cfg"), "proxy.url", central);
            awaitCommandOutput("meter:list", "the MQTT output on Mosquitto", 30,
                    l -> l.contains("Output mqtt: CONNECTED " + central));
            int log = karafLogLines().size();

            ExternalProcess ack = ExternalProcess.simulator("kpm33b-sim-ack", SIMULATOR, "--broker",
                    embeddedBrokerUrl(), "--first", "0", "--rt-ms", "2000", "--eny-ms", "3000", "--seconds", "150");
            processes.add(ack);
            ExternalProcess err = ExternalProcess.simulator("kpm33b-sim-err", SIMULATOR, "--broker",
                    embeddedBrokerUrl(), "--first", "1", "--rt-ms", "0", "--eny-ms", "0", "--error-reply",
                    "--seconds", "150");
            processes.add(err);
            ExternalProcess silent = ExternalProcess.simulator("kpm33b-sim-silent", SIMULATOR, "--broker",
                    embeddedBrokerUrl(), "--first", "2", "--rt-ms", "0", "--eny-ms", "0", "--no-ack",
                    "--seconds", "150");
            processes.add(silent);
            for (ExternalProcess sim : List.of(ack, err, silent)) {
                sim.awaitLine("^READY 1$", 30);
            }

            writeCfg(ACK, "driver = kpm33b", "meter.id = " + ACK_METER, "upload.seconds = 60",
                    "upload.minutes = 15");
            writeCfg(ERR, "driver = kpm33b", "meter.id = " + ERR_METER, "upload.minutes = 15");
            writeCfg(SILENT, "driver = kpm33b", "meter.id = " + SILENT_METER, "upload.seconds = 60");

            Set<String> oprids = new HashSet<>();
            acknowledgedConfiguration(ack, onInternal, log, oprids);
            rejectedConfiguration(err, log, oprids);
            unansweredConfiguration(silent, onInternal, log, oprids);

            awaitPublished(onCentral);
            assertValuesAsSent(onInternal, onCentral.messages());
            assertDiscovery(central);
            assertProxyLayout(onInternal, onCentral);

            changedCfgResends(ack, onInternal, oprids);

            // what the central broker got over the whole run: the clean topics, each of them, and nothing raw
            onCentral.awaitQuiet(1500, 10);
            // (the output's replay marks, meters/gateway/<id>/sent/<device>, come only when a device has two
            // batches in flight at once: bookkeeping of the MQTT output, see bundles/mqtt/README.md, not counted)
            Set<String> seen = onCentral.messages().stream().map(m -> m.topic)
                    .filter(t -> !t.startsWith("meters/gateway/" + GW + "/sent/"))
                    .collect(Collectors.toCollection(TreeSet::new));
            List<String> raws = seen.stream().filter(t -> t.startsWith("MQTT_")).collect(Collectors.toList());
            assertEquals("raw meter topics on the central broker", List.of(), raws);
            assertEquals(expectedCentralTopics(), seen);
        } finally {
            for (String id : List.of(ACK, ERR, SILENT)) {
                Files.deleteIfExists(cfg(id));
            }
            for (ExternalProcess p : processes) {
                p.close();
            }
        }
    }

    // ---- the configuration flows ----

    /** Code 01: the command reached the meter, its reply is matched, INFO line, meter:show says OK. */
    private void acknowledgedConfiguration(ExternalProcess sim, MqttRecorder onInternal, int log, Set<String> oprids)
            throws Exception {
        for (String[] c : new String[][] {{"0000", "60", "upload.seconds"}, {"0001", "15", "upload.minutes"}}) {
            Matcher m = sim.awaitLine("^CONFIG " + ACK_METER + " " + c[0] + " " + c[1] + " (\\S+) (\\S+)$", 20);
            String oprid = m.group(1);
            assertEquals("the simulator replied success to " + m.group(), "01", m.group(2));
            assertTrue("a fresh oprid: " + m.group(), oprid.matches("[0-9a-f]{32}") && oprids.add(oprid));
            JsonNode command = onInternal.await("command " + oprid + " on the internal broker", 10,
                    x -> x.topic.equals("MQTT_COMMOD_SET_25950027") && x.text().contains(oprid)).json();
            assertEquals(command.toString(), c[0], command.get("Cmd").asText());
            assertEquals(command.toString(), c[1], command.get("value").asText());
            assertEquals(command.toString(), "1", command.get("types").asText());
            onInternal.await("reply to " + oprid, 10,
                    x -> x.topic.equals("MQTT_COMMOD_SET_REP") && x.text().contains(oprid));
            String line = awaitLogLine("INFO acknowledged " + c[2], 10, log, "KPM33B " + ACK_METER
                    + " \\(device " + ACK + "\\) acknowledged MQTT_COMMOD_SET Cmd " + c[0] + " \\(" + c[2] + "="
                    + c[1] + "\\)");
            assertTrue(line, line.contains("| INFO "));
        }
        awaitCommandOutput("meter:show " + ACK, "the acknowledged configuration", 10,
                s -> s.matches("(?s).*config\\.result\\s+OK: upload\\.(seconds=60|minutes=15) acknowledged at .*"));
        assertEquals("nothing rejected or missed by " + ACK, List.of(),
                karafLogMatches(log, "(rejected|ALERT).*" + ACK_METER));
    }

    /** Code 02: ERROR line with the meter's message, meter:show says why, no success logged. */
    private void rejectedConfiguration(ExternalProcess sim, int log, Set<String> oprids) throws Exception {
        Matcher m = sim.awaitLine("^CONFIG " + ERR_METER + " 0001 15 (\\S+) (\\S+)$", 20);
        assertEquals(m.group(), "02", m.group(2));
        assertTrue(m.group(), oprids.add(m.group(1)));
        String line = awaitLogLine("ERROR rejected", 10, log, "KPM33B " + ERR_METER + " \\(device " + ERR
                + "\\) rejected MQTT_COMMOD_SET Cmd 0001 \\(upload.minutes=15\\): code 02, parameter write failed");
        assertTrue(line, line.contains("| ERROR "));
        String show = awaitCommandOutput("meter:show " + ERR, "the rejection", 10,
                s -> s.contains("ERROR: upload.minutes=15 rejected at "));
        assertTrue(show, show.contains("(code 02: parameter write failed)"));
        assertEquals("no success or ALERT for " + ERR, List.of(),
                karafLogMatches(log, "KPM33B " + ERR_METER + " .*(acknowledged|did not acknowledge)"));
    }

    /** No reply: an ALERT line naming meter and command, 3 to 4 s after the command left. */
    private void unansweredConfiguration(ExternalProcess sim, MqttRecorder onInternal, int log, Set<String> oprids)
            throws Exception {
        Matcher m = sim.awaitLine("^CONFIG " + SILENT_METER + " 0000 60 (\\S+) (\\S+)$", 20);
        String oprid = m.group(1);
        assertEquals(m.group(), "none", m.group(2));
        assertTrue(m.group(), oprids.add(oprid));
        Msg command = onInternal.await("command " + oprid, 10,
                x -> x.topic.equals("MQTT_COMMOD_SET_25950029") && x.text().contains(oprid));
        String sent = awaitLogLine("the sent line of " + oprid, 10, log, "KPM33B " + SILENT_METER
                + ": sent MQTT_COMMOD_SET Cmd 0000 \\(upload.seconds=60\\) oprid " + oprid);
        String alert = awaitLogLine("the ALERT", 10, log, "ALERT: KPM33B " + SILENT_METER + " \\(device " + SILENT
                + "\\) did not acknowledge MQTT_COMMOD_SET Cmd 0000 \\(upload.seconds=60\\) within 3000 ms");
        assertTrue(alert, alert.contains("| ERROR "));
        long after = logMillis(alert) - logMillis(sent);
        assertTrue("ALERT " + after + " ms after sending:\n" + sent + "\n" + alert, after >= 3000 && after <= 4000);
        // the same from outside: the subscriber got the command right when it left (1 s slack for the clocks)
        long afterSeen = logMillis(alert) - command.receivedMillis;
        assertTrue("ALERT " + afterSeen + " ms after the command reached the broker",
                afterSeen >= 2000 && afterSeen <= 4000);
        String show = executeCommand("meter:show " + SILENT);
        assertTrue(show, show.matches("(?s).*config\\.result\\s+ALERT: no reply to upload\\.seconds=60 within 3000 ms.*"));
        assertEquals("exactly one ALERT so far (the retry is 30 s later)", 1,
                karafLogMatches(log, "ALERT: KPM33B " + SILENT_METER).size());
    }

    /** upload.seconds 60 -> 300: a new command with a new oprid, acknowledged. */
    private void changedCfgResends(ExternalProcess sim, MqttRecorder onInternal, Set<String> oprids)
            throws Exception {
        int log = karafLogLines().size();
        int mark = onInternal.size();
        setCfgKey(cfg(ACK), "upload.seconds", "300");
        Msg command = onInternal.await("a command with value 300", 20, mark,
                x -> x.topic.equals("MQTT_COMMOD_SET_25950027") && x.json().get("value").asText().equals("300"));
        String oprid = command.json().get("oprid").asText();
        assertEquals(command.toString(), "0000", command.json().get("Cmd").asText());
        assertTrue("new oprid " + oprid + ", earlier " + oprids, oprid.matches("[0-9a-f]{32}") && oprids.add(oprid));
        Matcher m = sim.awaitLine("^CONFIG " + ACK_METER + " 0000 300 " + oprid + " (\\S+)$", 10);
        assertEquals(m.group(), "01", m.group(1));
        awaitLogLine("INFO acknowledged upload.seconds=300", 10, log, "\\| INFO .*KPM33B " + ACK_METER
                + " \\(device " + ACK + "\\) acknowledged MQTT_COMMOD_SET Cmd 0000 \\(upload.seconds=300\\)");
        String show = awaitCommandOutput("meter:show " + ACK, "the new configuration acknowledged", 10,
                s -> s.matches("(?s).*config\\.result\\s+OK: .*") && s.contains("upload.seconds = 300"));
        assertFalse(show, show.contains("upload.seconds = 60"));
    }

    // ---- the data ----

    /**
     * Waits until at least 3 real-time and 2 energy states of the ack meter reached the central broker.
     */
    private static void awaitPublished(MqttRecorder onCentral) throws InterruptedException {
        String state = "meters/kpm33b/" + ACK + "/state";
        int[] rt = {0};
        int[] eny = {0};
        await("3 real-time and 2 energy states of " + ACK + " on the central broker", 30, () -> {
            rt[0] = 0;
            eny[0] = 0;
            for (Msg m : onCentral.on(state)) {
                JsonNode j = m.json();
                rt[0] += j.has("active_power") ? 1 : 0;
                eny[0] += j.has("energy_import") ? 1 : 0;
            }
            return rt[0] >= 3 && eny[0] >= 2;
        });
    }

    /**
     * Every state on the central broker is one message of the meter, same time, same numbers under the
     * documented names, and nothing else; the per-channel topics carry the same numbers.
     */
    private static void assertValuesAsSent(MqttRecorder onInternal, List<Msg> all) throws InterruptedException {
        String base = "meters/kpm33b/" + ACK + "/";
        int rt = 0;
        int eny = 0;
        for (int i = 0; i < all.size(); i++) {
            Msg state = all.get(i);
            if (!state.topic.equals(base + "state")) {
                continue;
            }
            JsonNode s = state.json();
            Instant t = Instant.parse(s.get("timestamp").asText());
            boolean realTime = s.has("active_power");
            Msg meter = sentBy(onInternal, realTime ? "MQTT_RT_DATA" : "MQTT_ENY_NOW",
                    LocalDateTime.ofInstant(t, ZoneId.systemDefault()).format(METER_TIME), state);
            JsonNode r = meter.json();
            Map<String, String> names = realTime ? RT_CHANNELS : ENY_CHANNELS;
            Set<String> expectedKeys = new TreeSet<>(names.values());
            expectedKeys.add("timestamp");
            Set<String> keys = new TreeSet<>();
            s.fieldNames().forEachRemaining(keys::add);
            assertEquals(state + " from " + meter, expectedKeys, keys);
            for (Iterator<String> tags = r.fieldNames(); tags.hasNext();) {
                String tag = tags.next();
                String channel = names.get(tag);
                if (channel == null) {
                    assertTrue("tag " + tag + " of " + meter, Set.of("id", "time", "isend").contains(tag)
                            || NOT_PUBLISHED.contains(tag));
                    continue;
                }
                BigDecimal sent = r.get(tag).decimalValue();
                assertEquals(channel + " in " + state + " vs " + meter, 0, sent.compareTo(s.get(channel)
                        .decimalValue()));
                // the plain value topic of this batch: the last one before the state
                Msg value = null;
                for (int k = i - 1; k >= 0 && value == null; k--) {
                    if (all.get(k).topic.equals(base + channel)) {
                        value = all.get(k);
                    }
                }
                assertNotNull(base + channel + " before " + state, value);
                assertEquals(value + " vs " + meter, 0, sent.compareTo(new BigDecimal(value.text())));
            }
            if (realTime) {
                rt++;
            } else {
                eny++;
            }
        }
        assertTrue("states checked: " + rt + " real-time, " + eny + " energy", rt >= 3 && eny >= 2);
    }

    /** The discovery configs are retained on the central broker, one per channel, with the right metadata. */
    private static void assertDiscovery(String central) throws Exception {
        String node = "homeassistant/sensor/" + GW + "_" + ACK + "/";
        Map<String, Msg> retained = MqttRecorder.retained(central, node + "#");
        Set<String> expected = new TreeSet<>();
        RT_CHANNELS.values().forEach(ch -> expected.add(node + ch + "/config"));
        ENY_CHANNELS.values().forEach(ch -> expected.add(node + ch + "/config"));
        expected.add(node + "info/config");
        assertEquals(expected, retained.keySet().stream().filter(t -> retained.get(t).payload.length > 0)
                .collect(Collectors.toCollection(TreeSet::new)));
        JsonNode power = retained.get(node + "active_power/config").json();
        assertEquals(power.toString(), "kW", power.get("unit_of_measurement").asText());
        assertEquals(power.toString(), "power", power.get("device_class").asText());
        assertEquals(power.toString(), "measurement", power.get("state_class").asText());
        assertEquals(power.toString(), "meters/kpm33b/" + ACK + "/active_power", power.get("state_topic").asText());
        assertEquals(power.toString(), GW + "_" + ACK + "_active_power", power.get("unique_id").asText());
        JsonNode energy = retained.get(node + "energy_import/config").json();
        assertEquals(energy.toString(), "kWh", energy.get("unit_of_measurement").asText());
        assertEquals(energy.toString(), "energy", energy.get("device_class").asText());
        assertEquals(energy.toString(), "total_increasing", energy.get("state_class").asText());
        assertEquals(energy.toString(), "meters/kpm33b/" + ACK + "/energy_import", energy.get("state_topic").asText());
        JsonNode voltage = retained.get(node + "voltage_l1/config").json();
        assertEquals(voltage.toString(), "V", voltage.get("unit_of_measurement").asText());
        assertEquals(voltage.toString(), "voltage", voltage.get("device_class").asText());
        JsonNode pf = retained.get(node + "power_factor/config").json();
        assertEquals(pf.toString(), "power_factor", pf.get("device_class").asText());
        assertFalse("a power factor has no unit: " + pf, pf.hasNonNull("unit_of_measurement"));
        JsonNode reactive = retained.get(node + "reactive_energy_import/config").json();
        assertEquals(reactive.toString(), "kvarh", reactive.get("unit_of_measurement").asText());
        assertEquals(reactive.toString(), "total_increasing", reactive.get("state_class").asText());
        Msg status = MqttRecorder.retained(central, "meters/kpm33b/" + ACK + "/status")
                .get("meters/kpm33b/" + ACK + "/status");
        assertNotNull("retained status of " + ACK, status);
        assertEquals("online", status.text());
        // a meter that never sent data is known to Home Assistant's side as an offline device, not absent
        Msg silent = MqttRecorder.retained(central, "meters/kpm33b/" + SILENT + "/status")
                .get("meters/kpm33b/" + SILENT + "/status");
        assertNotNull("retained status of " + SILENT, silent);
        assertEquals("offline", silent.text());
    }

    /** kpm33b/<id>/seconds {"id","time","active_power"} and .../minutes {"id","time","active_energy"}, as sent. */
    private static void assertProxyLayout(MqttRecorder onInternal, MqttRecorder onCentral)
            throws InterruptedException {
        onCentral.await("the proxy minutes message", 10, x -> x.topic.equals("kpm33b/" + ACK_METER + "/minutes"));
        int checked = 0;
        for (String[] kind : new String[][] {{"seconds", "MQTT_RT_DATA", "active_power", "zyggl"},
                {"minutes", "MQTT_ENY_NOW", "active_energy", "zygsz"}}) {
            List<Msg> proxied = onCentral.on("kpm33b/" + ACK_METER + "/" + kind[0]);
            assertFalse("proxy " + kind[0], proxied.isEmpty());
            for (Msg p : proxied) {
                JsonNode j = p.json();
                List<String> keys = new ArrayList<>();
                j.fieldNames().forEachRemaining(keys::add);
                assertEquals(p.toString(), List.of("id", "time", kind[2]), keys);
                assertEquals(p.toString(), ACK_METER, j.get("id").asText());
                JsonNode sent = sentBy(onInternal, kind[1], j.get("time").asText(), p).json();
                // as the meter printed it, decimals included
                assertEquals(p + " vs " + sent, sent.get(kind[3]).decimalValue(), j.get(kind[2]).decimalValue());
                checked++;
            }
        }
        assertTrue("proxy messages checked: " + checked, checked >= 4);
    }

    /**
     * The topics the central broker must have got: the gateway's status and its discovery, and for the meter
     * that sends data its status, state, value topics, their discovery configs and the proxy
     * layout. The two meters that send no data have no channels yet, but their devices exist: a status each.
     */
    private static Set<String> expectedCentralTopics() {
        Set<String> expected = new TreeSet<>();
        expected.add("meters/gateway/" + GW + "/status");
        expected.add("homeassistant/binary_sensor/" + GW + "/status/config");
        expected.add("meters/kpm33b/" + ACK + "/status");
        expected.add("meters/kpm33b/" + ACK + "/state");
        expected.add("meters/kpm33b/" + ERR + "/status");
        expected.add("meters/kpm33b/" + SILENT + "/status");
        // every device's info (state, reason) and its diagnostic sensor, channels or not
        for (String id : List.of(ACK, ERR, SILENT)) {
            expected.add("meters/kpm33b/" + id + "/info");
            expected.add("homeassistant/sensor/" + GW + "_" + id + "/info/config");
        }
        List<String> channels = new ArrayList<>(RT_CHANNELS.values());
        channels.addAll(ENY_CHANNELS.values());
        for (String ch : channels) {
            expected.add("meters/kpm33b/" + ACK + "/" + ch);
            expected.add("homeassistant/sensor/" + GW + "_" + ACK + "/" + ch + "/config");
        }
        expected.add("kpm33b/" + ACK_METER + "/seconds");
        expected.add("kpm33b/" + ACK_METER + "/minutes");
        return expected;
    }

    // ---- helpers ----

    /**
     * The ack meter's message on {@code topic} with meter time {@code time}, as the internal broker's subscriber
     * got it (it may get it a moment after the gateway published what it made of it).
     */
    private static Msg sentBy(MqttRecorder onInternal, String topic, String time, Msg published)
            throws InterruptedException {
        String id = "\"id\":\"" + ACK_METER + "\"";
        String at = "\"time\":\"" + time + "\"";
        return onInternal.await("the meter's " + topic + " at " + time + " for " + published, 5,
                m -> m.topic.equals(topic) && m.text().contains(id) && m.text().contains(at));
    }

    private static Map<String, String> channels(String... tagAndName) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : tagAndName) {
            String[] p = s.split(" ");
            m.put(p[0], p[1]);
        }
        return m;
    }
}
