package org.meter2mqtt.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;

import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.itests.MqttRecorder.Msg;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 3 in the real distribution: what an independent MQTT client sees of a demo device (topics, payloads,
 * retained flags, Home Assistant discovery), the HA birth and removal flows, a malformed configuration, and a
 * Mosquitto outage with a gateway restart in the middle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MqttIT extends GatewayTestSupport {

    private static final String GW = "itgw";
    private static final String HA = "homeassistant";
    private static final List<String> DEMO_CHANNELS = List.of("energy_import", "energy_export", "power_import",
            "power_export", "voltage_l1", "voltage_l2", "voltage_l3", "current_l1", "current_l2", "current_l3",
            "frequency");
    private static final Pattern PLAIN_NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern BUFFERED = Pattern.compile("Output mqtt: .*buffered (\\d+)");

    @Inject
    BundleContext bundleContext;

    @Configuration
    public Option[] config() {
        return baseOptions(composite(embeddedBrokerOptions(GW)), keepRuntimeFolderOnRequest());
    }

    @Before
    public void mqttOutputConnected() throws InterruptedException {
        awaitMqttOutputHealthy(60);
    }

    /**
     * The client layer's weaving hook (bundles/mqtt-client, PahoWeaving) was in place before the output's Paho
     * client decoded its first packet: Paho's CountingInputStream, loaded by then, has the block read.
     */
    @Test
    public void pahoDecodesReceivedPacketsWithBlockReads() throws Exception {
        Bundle paho = Arrays.stream(bundleContext.getBundles())
                .filter(b -> "org.eclipse.paho.client.mqttv3".equals(b.getSymbolicName())).findFirst().orElseThrow();
        Class<?> counting = paho.loadClass("org.eclipse.paho.client.mqttv3.internal.wire.CountingInputStream");
        assertNotNull(counting.getDeclaredMethod("read", byte[].class, int.class, int.class));
    }

    /**
     * The same hook changed Paho's ClientState: a QoS 1 publish at a time, the sender thread of a client made from
     * Paho's bundle waits about once per message (the shipped class: about twice, woken again by every PUBACK). The
     * waits are Linux's count of the thread's voluntary context switches; the JVM gives threads their names there.
     */
    @Test
    public void anAcknowledgementWakesPahosSenderOnlyForAQueuedPublish() throws Exception {
        double perMessage = waitsPerMessage("itwk", "MQTT Snd: ");
        assertTrue("Paho's sender waited " + perMessage + " times per message", perMessage < 1.3);
    }

    /**
     * And Paho's CommsCallback: the receiver completes each delivery itself, so the callback thread no longer wakes
     * at every PUBACK (the shipped class: about once per message).
     */
    @Test
    public void aDeliveryNoLongerWakesPahosCallbackThread() throws Exception {
        double perMessage = waitsPerMessage("itcb", "MQTT Call: ");
        assertTrue("Paho's callback thread waited " + perMessage + " times per message", perMessage < 0.1);
    }

    /** A QoS 1 publish at a time from a client of Paho's bundle: the waits per message of its thread so named. */
    private double waitsPerMessage(String clientId, String threadPrefix) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttAsyncClient c = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(
                embeddedBrokerUrl(), clientId, new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o.setCleanSession(true);
        c.connect(o).waitForCompletion(10_000);
        try {
            byte[] payload = new byte[584];
            for (int i = 0; i < 50; i++) {
                publishWhenRoom(c, payload);
            }
            Path task = null;
            for (Path t : Files.list(Path.of("/proc/self/task")).collect(Collectors.toList())) {
                if (Files.readString(t.resolve("comm")).trim().equals(threadPrefix + clientId)) {
                    task = t;
                }
            }
            assertNotNull("Paho's " + threadPrefix + "thread among this JVM's threads", task);
            int messages = 300;
            long before = voluntarySwitches(task);
            for (int i = 0; i < messages; i++) {
                publishWhenRoom(c, payload);
                Thread.sleep(1); // the threads settle into their waits, as between meter messages
            }
            return (voluntarySwitches(task) - before) / (double) messages;
        } finally {
            c.disconnect().waitForCompletion(10_000);
            c.close();
        }
    }

    /**
     * A QoS 1 publish, waited for. Paho lets the waiter go at the PUBACK and frees the in-flight slot a moment later
     * (as shipped on its callback thread, patched on the receiver), so a publish right after can find the window
     * still counted full: it is tried again.
     */
    private static void publishWhenRoom(org.eclipse.paho.client.mqttv3.MqttAsyncClient c, byte[] payload)
            throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                c.publish("itest/wake", payload, 1, false).waitForCompletion(10_000);
                return;
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (e.getReasonCode() != org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_MAX_INFLIGHT
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1);
            }
        }
    }

    private static long voluntarySwitches(Path task) throws java.io.IOException {
        return Files.readAllLines(task.resolve("status")).stream()
                .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
    }

    @Test
    public void demoDeviceTopicsPayloadsRetainedFlagsAndDiscovery() throws Exception {
        awaitState("demo-house", DeviceState.ONLINE, 20);
        DeviceInfo house = registry.device("demo-house").get();
        String url = embeddedBrokerUrl();
        String base = "meters/demo/demo-house/";

        try (MqttRecorder live = MqttRecorder.subscribe(url, "itest-live", "meters/#", 1)) {
            // the second state: the subscription surely saw all the value messages of its batch before it
            Msg first = live.await("a state of demo-house", 15, m -> m.topic.equals(base + "state"));
            List<Msg> sofar = live.messages();
            Msg state = live.await("a second state of demo-house", 15, sofar.indexOf(first) + 1,
                    m -> m.topic.equals(base + "state"));
            JsonNode json = state.json();
            Set<String> keys = new TreeSet<>();
            json.fieldNames().forEachRemaining(keys::add);
            Set<String> expectedKeys = new TreeSet<>(DEMO_CHANNELS);
            expectedKeys.add("timestamp");
            assertEquals(state.text(), expectedKeys, keys);
            String ts = json.get("timestamp").asText();
            assertTrue("ISO-8601 UTC: " + ts, ts.endsWith("Z"));
            Instant when = Instant.parse(ts);
            assertTrue("recent meter time " + ts, Duration.between(when, Instant.now()).abs().getSeconds() < 60);

            // one plain number per channel: the same values as the state, sent just before it
            List<Msg> all = live.messages();
            int at = all.indexOf(state);
            for (String ch : DEMO_CHANNELS) {
                Msg value = null;
                for (int i = at - 1; i >= 0 && value == null; i--) {
                    if (all.get(i).topic.equals(base + ch)) {
                        value = all.get(i);
                    }
                }
                assertNotNull("value message on " + base + ch + " before " + state, value);
                assertTrue(value.toString(), PLAIN_NUMBER.matcher(value.text()).matches());
                BigDecimal fromState = json.get(ch).decimalValue();
                assertEquals(value + " vs " + state, 0, new BigDecimal(value.text()).compareTo(fromState));
            }
        }

        Map<String, Msg> retained = MqttRecorder.retained(url, "#");
        assertEquals(retained.keySet().toString(), "online", text(retained, "meters/gateway/" + GW + "/status"));
        assertEquals("online", text(retained, base + "status"));
        assertFalse("readings are not retained (retain = false)", retained.containsKey(base + "state"));
        for (String ch : DEMO_CHANNELS) {
            assertFalse(ch + " not retained", retained.containsKey(base + ch));
        }

        JsonNode gateway = json(retained, HA + "/binary_sensor/" + GW + "/status/config");
        assertEquals("meters/gateway/" + GW + "/status", gateway.get("state_topic").asText());
        assertEquals("connectivity", gateway.get("device_class").asText());
        assertEquals(GW, gateway.get("device").get("identifiers").get(0).asText());

        String node = HA + "/sensor/" + GW + "_demo-house/";
        Set<String> houseConfigs = retained.keySet().stream().filter(t -> t.startsWith(node))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> expectedConfigs = DEMO_CHANNELS.stream().map(ch -> node + ch + "/config").collect(
                Collectors.toCollection(TreeSet::new));
        // and the diagnostic sensor on the device's info topic (state and reason)
        expectedConfigs.add(node + "info/config");
        assertEquals(expectedConfigs, houseConfigs);
        for (Channel ch : house.channels()) {
            JsonNode c = json(retained, node + ch.id() + "/config");
            String what = "config of " + ch.id() + ": " + c;
            assertEquals(what, ch.name(), c.get("name").asText());
            assertEquals(what, GW + "_demo-house_" + ch.id(), c.get("unique_id").asText());
            assertEquals(what, base + ch.id(), c.get("state_topic").asText());
            assertEquals(what, ch.unit(), c.get("unit_of_measurement").asText());
            assertEquals(what, ch.deviceClass(), c.path("device_class").asText(null));
            assertEquals(what, ch.stateClass().haName(), c.path("state_class").asText(null));
            List<String> availability = new ArrayList<>();
            c.get("availability").forEach(a -> availability.add(a.get("topic").asText()));
            assertEquals(what, List.of("meters/gateway/" + GW + "/status", base + "status"), availability);
            assertEquals(what, "all", c.get("availability_mode").asText());
            assertEquals(what, "online", c.get("payload_available").asText());
            assertEquals(what, "offline", c.get("payload_not_available").asText());
            JsonNode dev = c.get("device");
            assertEquals(what, 1, dev.get("identifiers").size());
            assertEquals(what, GW + "_demo-house", dev.get("identifiers").get(0).asText());
            assertEquals(what, "Demo house (simulated)", dev.get("name").asText());
            assertEquals(what, house.driverVersion(), dev.get("sw_version").asText());
            assertEquals(what, GW, dev.get("via_device").asText());
            assertEquals(what, "meter2mqtt", c.get("origin").get("name").asText());
            assertTrue(what, c.get("origin").hasNonNull("sw_version"));
        }
        JsonNode energy = json(retained, node + "energy_import/config");
        assertEquals("kWh", energy.get("unit_of_measurement").asText());
        assertEquals("energy", energy.get("device_class").asText());
        assertEquals("total_increasing", energy.get("state_class").asText());
    }

    @Test
    public void homeAssistantBirthResendsEveryDiscoveryConfig() throws Exception {
        awaitState("demo-house", DeviceState.ONLINE, 20);
        awaitState("demo-solar", DeviceState.ONLINE, 20);
        String url = embeddedBrokerUrl();
        Set<String> expected = new TreeSet<>();
        expected.add(HA + "/binary_sensor/" + GW + "/status/config");
        for (String device : List.of("demo-house", "demo-solar")) {
            for (String ch : DEMO_CHANNELS) {
                expected.add(HA + "/sensor/" + GW + "_" + device + "/" + ch + "/config");
            }
        }
        // right after boot the output may still be connecting: wait until the broker holds every config
        Map<String, byte[]> configs = new java.util.LinkedHashMap<>();
        long until = System.nanoTime() + 30_000_000_000L;
        while (!configs.keySet().containsAll(expected) && System.nanoTime() < until) {
            configs.clear();
            MqttRecorder.retained(url, HA + "/#").forEach((t, m) -> {
                if (t.endsWith("/config") && m.payload.length > 0) {
                    configs.put(t, m.payload);
                }
            });
        }
        Set<String> absent = new TreeSet<>(expected);
        absent.removeAll(configs.keySet());
        assertTrue("retained configs missing: " + absent, absent.isEmpty());

        try (MqttRecorder live = MqttRecorder.subscribe(url, "itest-ha", HA + "/#", 1)) {
            live.subscribe("meters/demo/demo-house/status", 1);
            live.awaitQuiet(1000, 10);
            int mark = live.size();
            live.publish(HA + "/status", "online", false);
            Set<String> missing = new LinkedHashSet<>(configs.keySet());
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                for (Msg m : live.since(mark)) {
                    if (m.payload.length > 0 && missing.contains(m.topic)) {
                        assertArrayEquals("re-sent config equals the retained one: " + m, configs.get(m.topic),
                                m.payload);
                        missing.remove(m.topic);
                    }
                }
                Thread.sleep(100);
            }
            assertTrue("configs not re-sent after HA birth: " + missing, missing.isEmpty());
            live.await("device status re-sent after the configs", 10, mark,
                    m -> m.topic.equals("meters/demo/demo-house/status") && m.text().equals("online"));
        }
    }

    /**
     * A compatibility layout through the real distribution: kamstrup2mqtt's per-parameter topics (Python floats of the
     * same values) and its retained status, next to the device's own topics; an unknown layout is the device's
     * CONFIG_ERROR naming the layouts that exist (the output validates its mqtt.* keys).
     */
    @Test
    public void aDeviceAlsoInACompatibilityLayout() throws Exception {
        String url = embeddedBrokerUrl();
        try (MqttRecorder live = MqttRecorder.subscribe(url, "itest-layout", "it/kamstrup/#", 1)) {
            live.subscribe("meters/demo/it-layout/#", 1);
            writeCfg("it-layout", "driver = demo", "poll.interval = 1", "mqtt.layouts = kamstrup2mqtt",
                    "mqtt.layout.kamstrup2mqtt.topic = it/kamstrup");
            awaitState("it-layout", DeviceState.ONLINE, 15);
            // the layout's status is retained: a subscriber that comes now must find it online (the live recorder
            // can see it before or after the device's first batch, which CI once showed as a 15 s miss)
            try (MqttRecorder status = MqttRecorder.subscribe(url, "itest-layout-status", "it/kamstrup/status", 1)) {
                status.await("kamstrup2mqtt status", 15, m -> m.topic.equals("it/kamstrup/status")
                        && m.text().equals("online"));
            }
            Msg power = live.await("power in the layout", 15, m -> m.topic.equals("it/kamstrup/power_import"));
            // as Python prints a float, the value of one of the device's own states (the broker does not keep the
            // order across topics, so the state of the same batch is found by its value)
            assertTrue(power.toString(), power.text().matches("-?\\d+\\.\\d+(e[+-]\\d+)?"));
            BigDecimal v = new BigDecimal(power.text());
            live.await("a state with power_import " + v, 15, m -> m.topic.equals("meters/demo/it-layout/state")
                    && m.json().get("power_import").decimalValue().compareTo(v) == 0);

            writeCfg("it-layout", "driver = demo", "poll.interval = 1", "mqtt.layouts = kamstrup");
            awaitState("it-layout", DeviceState.CONFIG_ERROR, 15);
            String reason = registry.device("it-layout").get().reason();
            assertTrue(reason, reason.contains("mqtt.layouts: no layout 'kamstrup' (layouts: emdc, kamstrup2mqtt, "
                    + "kpm33b-proxy)"));
        } finally {
            Files.deleteIfExists(cfg("it-layout"));
        }
    }

    @Test
    public void deletingADeviceCfgRetractsItsEntities() throws Exception {
        String url = embeddedBrokerUrl();
        String node = HA + "/sensor/" + GW + "_it-gone/";
        String status = "meters/demo/it-gone/status";
        writeCfg("it-gone", "driver = demo", "poll.interval = 1", "name = Going away");
        // the status on a client of its own: a second SUBSCRIBE on one Moquette connection once missed its
        // retained message in CI
        try (MqttRecorder live = MqttRecorder.subscribe(url, "itest-gone", node + "#", 1);
                MqttRecorder statusLive = MqttRecorder.subscribe(url, "itest-gone-status", status, 1)) {
            awaitState("it-gone", DeviceState.ONLINE, 15);
            for (String ch : DEMO_CHANNELS) {
                live.await("config of " + ch, 15, m -> m.topic.equals(node + ch + "/config") && m.payload.length > 0);
            }
            statusLive.await("status online", 15, m -> m.topic.equals(status) && m.text().equals("online"));
            // a config per channel and the info sensor's
            live.await("config of the info sensor", 15, m -> m.topic.equals(node + "info/config"));
            assertEquals(DEMO_CHANNELS.size() + 1, MqttRecorder.retained(url, node + "#").size());

            int mark = live.size();
            int statusMark = statusLive.size();
            Files.delete(cfg("it-gone"));
            await("device removed", 15, () -> registry.device("it-gone").isEmpty());
            for (String ch : DEMO_CHANNELS) {
                live.await("empty config of " + ch, 15, mark,
                        m -> m.topic.equals(node + ch + "/config") && m.payload.length == 0);
            }
            statusLive.await("empty status", 15, statusMark, m -> m.topic.equals(status) && m.payload.length == 0);
        } finally {
            Files.deleteIfExists(cfg("it-gone"));
        }
        assertEquals(Map.of(), MqttRecorder.retained(url, node + "#"));
        assertEquals(Map.of(), MqttRecorder.retained(url, "meters/demo/it-gone/#"));
    }

    @Test
    public void malformedUrlIsShownByMeterListAndReadingsAreBufferedNotLost() throws Exception {
        String url = embeddedBrokerUrl();
        Path mqttCfg = etc().resolve("org.meter2mqtt.mqtt.cfg");
        String original = Files.readString(mqttCfg);
        String bad = "tcp//127.0.0.1:" + System.getProperty("meter2mqtt.itest.broker.port");
        writeCfg("it-buffer", "driver = demo", "poll.interval = 1");
        try (BatchRecorder produced = new BatchRecorder(bundleContext, "it-buffer");
                MqttRecorder live = MqttRecorder.subscribe(url, "itest-buffer", "meters/demo/it-buffer/state", 1)) {
            awaitState("it-buffer", DeviceState.ONLINE, 15);
            live.await("a state before the change", 15, m -> true);

            replaceFile(mqttCfg, withKey(original, "url", bad));
            String list = awaitMeterList("Output mqtt: CONFIG_ERROR", 20, l -> l.contains("Output mqtt: CONFIG_ERROR"));
            assertTrue(list, list.contains("url '" + bad + "' must start with tcp:// or ssl://"));
            int cut = produced.timestamps().size();
            int received = live.size();
            Thread.sleep(5_000);
            list = executeCommand("meter:list");
            assertTrue(list, list.contains("Output mqtt: CONFIG_ERROR"));
            long buffered = buffered(list);
            assertTrue("readings are buffered meanwhile: " + list, buffered >= 3);
            assertEquals("nothing reaches the broker: " + live.since(received), received, live.size());
            List<String> owed = produced.timestamps().subList(cut, produced.timestamps().size());
            assertTrue("readings while misconfigured: " + owed, owed.size() >= 3);

            replaceFile(mqttCfg, original);
            awaitMeterList("Output mqtt: CONNECTED", 30, l -> l.contains("Output mqtt: CONNECTED"));
            String lastOwed = owed.get(owed.size() - 1);
            live.await("the last reading made while misconfigured", 30,
                    m -> m.json().get("timestamp").asText().equals(lastOwed));
            List<String> got = live.messages().stream().map(m -> m.json().get("timestamp").asText())
                    .collect(Collectors.toList());
            assertOnceInOrder(owed, got);
        } finally {
            if (!Files.readString(mqttCfg).equals(original)) {
                replaceFile(mqttCfg, original);
            }
            Files.deleteIfExists(cfg("it-buffer"));
        }
        awaitMeterList("Output mqtt: CONNECTED", 30, l -> l.contains("Output mqtt: CONNECTED"));
    }

    /**
     * Mosquitto as the broker; it stops for 30 s, and meanwhile the gateway restarts (core and MQTT output
     * bundles stop and start: the closest a test inside the container gets to restarting the container).
     */
    @Test
    public void readingsDuringABrokerOutageAndAGatewayRestartArriveOnceInOrder() throws Exception {
        Path mqttCfg = etc().resolve("org.meter2mqtt.mqtt.cfg");
        String original = Files.readString(mqttCfg);
        int port = freePort();
        String mosquittoUrl = "tcp://127.0.0.1:" + port;
        Path dir = tempDir("mosquitto");
        writeCfg("it-outage", "driver = demo", "poll.interval = 1");
        ExternalProcess mosquitto = startMosquitto(dir, port);
        try (BatchRecorder produced = new BatchRecorder(bundleContext, "it-outage");
                MqttRecorder sub = new MqttRecorder(mosquittoUrl, "itest-outage", false)) {
            // a persistent session: Mosquitto keeps what arrives for it while it reconnects after the outage
            sub.subscribe("meters/demo/it-outage/state", 1);
            replaceFile(mqttCfg, withKey(original, "url", mosquittoUrl));
            awaitMeterList("connected to Mosquitto", 30, l -> l.contains("Output mqtt: CONNECTED " + mosquittoUrl));
            Msg lastBefore = sub.await("readings via Mosquitto", 20, m -> true);
            // stop between two readings (1 s apart) rather than while a batch is in flight
            await("the next reading via Mosquitto", 10, () -> sub.size() > sub.messages().indexOf(lastBefore) + 1);
            Thread.sleep(400);

            Instant down = Instant.now();
            mosquitto.close();
            awaitMeterList("connection lost", 20, l -> l.contains("Output mqtt: CONNECTING"));
            sleepUntil(down.plusSeconds(10));
            long bufferedBefore = buffered(executeCommand("meter:list"));
            assertTrue("buffered while Mosquitto is down: " + bufferedBefore, bufferedBefore >= 5);

            Instant restart = Instant.now();
            restartGateway();
            awaitState("it-outage", DeviceState.ONLINE, 30);
            String afterRestart = awaitMeterList("the MQTT output back after the restart", 20,
                    l -> l.contains("Output mqtt: CONNECTING"));
            assertTrue("the buffer survived the restart: " + afterRestart + " (before: " + bufferedBefore + ")",
                    buffered(afterRestart) >= bufferedBefore);
            System.out.println("METRIC gateway-restart-ms " + Duration.between(restart, Instant.now()).toMillis());

            sleepUntil(down.plusSeconds(30));
            mosquitto = startMosquitto(dir, port);
            Instant up = Instant.now();
            sub.reconnect(15);
            String reconnected = awaitMeterList("reconnected to Mosquitto", 90,
                    l -> l.contains("Output mqtt: CONNECTED " + mosquittoUrl));
            System.out.println("METRIC mqtt-reconnect-after-outage-ms "
                    + Duration.between(up, Instant.now()).toMillis());
            Thread.sleep(2_000);
            produced.stopRecording();
            List<String> made = produced.timestamps();
            String last = made.get(made.size() - 1);
            sub.await("the last reading made", 60, m -> m.json().get("timestamp").asText().equals(last));

            // what the subscriber got, without the broker's own redeliveries to it (DUP, same payload)
            List<Msg> states = new ArrayList<>();
            Set<String> payloads = new HashSet<>();
            for (Msg m : sub.messages()) {
                if (!(m.duplicate && payloads.contains(m.text()))) {
                    states.add(m);
                }
                payloads.add(m.text());
            }
            List<String> got = states.stream().map(m -> m.json().get("timestamp").asText())
                    .collect(Collectors.toList());
            int from = made.indexOf(got.get(0));
            assertTrue("first received " + got.get(0) + " was produced", from >= 0);
            List<String> expected = made.subList(from, made.size());
            List<String> gotUpToLast = got.subList(0, got.indexOf(last) + 1);
            List<String> meanwhile = expected.stream().filter(t -> Instant.parse(t).isAfter(down))
                    .collect(Collectors.toList());
            long outage = meanwhile.stream().filter(t -> Instant.parse(t).isBefore(up)).count();
            assertTrue("readings produced during the outage: " + outage, outage >= 15);
            // a message in flight when the broker went away may come twice (at least once); none made later may
            assertOnceInOrder(meanwhile, gotUpToLast);
            assertEquals("every reading, in order (" + reconnected + ")", expected,
                    new ArrayList<>(new LinkedHashSet<>(gotUpToLast)));
            List<String> twice = gotUpToLast.stream()
                    .filter(t -> gotUpToLast.indexOf(t) != gotUpToLast.lastIndexOf(t)).distinct()
                    .collect(Collectors.toList());
            System.out.println("METRIC outage-readings " + outage + " duplicates " + twice + " (broker stopped " + down
                    + ", back " + up + ")");

            BigDecimal energy = BigDecimal.ZERO;
            Instant previous = Instant.MIN;
            Set<String> seen = new HashSet<>();
            for (Msg m : states.subList(0, gotUpToLast.size())) {
                if (!seen.add(m.text())) {
                    continue;
                }
                Instant t = Instant.parse(m.json().get("timestamp").asText());
                BigDecimal e = m.json().get("energy_import").decimalValue();
                assertTrue("time goes forward: " + m, t.isAfter(previous));
                assertTrue("energy counter never goes back: " + m, e.compareTo(energy) >= 0);
                previous = t;
                energy = e;
            }
        } finally {
            if (!Files.readString(mqttCfg).equals(original)) {
                replaceFile(mqttCfg, original);
            }
            Files.deleteIfExists(cfg("it-outage"));
            mosquitto.close();
        }
        awaitMeterList("back on the embedded broker", 60, l -> l.contains("Output mqtt: CONNECTED tcp://127.0.0.1:"
                + System.getProperty("meter2mqtt.itest.broker.port")));
    }

    // ---- helpers ----

    /** Stops the core and the MQTT output and starts them again (the probe bundle and the broker stay). */
    private void restartGateway() throws Exception {
        Bundle core = bundle("org.meter2mqtt.core");
        Bundle mqtt = bundle("org.meter2mqtt.mqtt");
        // devices stop first, so that every reading they made reached the MQTT output's buffer
        core.stop();
        mqtt.stop();
        mqtt.start();
        core.start();
        ServiceTracker<DeviceRegistry, DeviceRegistry> tracker = new ServiceTracker<>(bundleContext,
                DeviceRegistry.class, null);
        tracker.open();
        try {
            registry = tracker.waitForService(20_000);
            assertNotNull("DeviceRegistry after the restart", registry);
        } finally {
            tracker.close();
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : bundleContext.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    private static ExternalProcess startMosquitto(Path dir, int port) throws Exception {
        return ExternalProcess.mosquitto(dir, port, "set_tcp_nodelay true",
                // sessions and their queued messages survive the restart of the outage
                "persistence true", "persistence_location " + dir + "/", "max_queued_messages 100000",
                "log_type information");
    }

    private String awaitMeterList(String what, long seconds, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        String out = "";
        while (System.nanoTime() < deadline) {
            out = executeCommand("meter:list");
            if (condition.test(out)) {
                return out;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("timed out after " + seconds + " s waiting for " + what + " in meter:list:\n" + out);
    }

    private static long buffered(String meterList) {
        Matcher m = BUFFERED.matcher(meterList);
        assertTrue(meterList, m.find());
        return Long.parseLong(m.group(1));
    }

    /** Each expected item exactly once in {@code got}, in the same order. */
    private static void assertOnceInOrder(List<String> expected, List<String> got) {
        int previous = -1;
        for (String e : expected) {
            int first = got.indexOf(e);
            int lastIndex = got.lastIndexOf(e);
            assertTrue("missing " + e + " in " + got, first >= 0);
            assertEquals("more than once: " + e + " in " + got, first, lastIndex);
            assertTrue("out of order: " + e + " in " + got, first > previous);
            previous = first;
        }
    }

    private static String withKey(String cfgText, String key, String value) {
        Pattern line = Pattern.compile("(?m)^" + Pattern.quote(key) + "\\s*[=:].*$");
        assertTrue("key " + key + " in\n" + cfgText, line.matcher(cfgText).find());
        return line.matcher(cfgText).replaceFirst(Matcher.quoteReplacement(key + " = " + value));
    }

    /** Written beside and moved in, so FileInstall never reads half a file. */
    private static void replaceFile(Path file, String content) throws java.io.IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void sleepUntil(Instant t) throws InterruptedException {
        long ms = Duration.between(Instant.now(), t).toMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    private static String text(Map<String, Msg> retained, String topic) {
        Msg m = retained.get(topic);
        assertNotNull("retained " + topic + " in " + retained.keySet(), m);
        return m.text();
    }

    private static JsonNode json(Map<String, Msg> retained, String topic) {
        Msg m = retained.get(topic);
        assertNotNull("retained " + topic + " in " + retained.keySet(), m);
        return m.json();
    }
}
