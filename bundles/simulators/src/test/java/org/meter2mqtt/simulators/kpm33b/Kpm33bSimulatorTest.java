package org.meter2mqtt.simulators.kpm33b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The simulated KPM33B: message shapes as real meters write them, and its command replies over Mosquitto. */
class Kpm33bSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void realTimeMessageHasTheRealShape() throws Exception {
        SimulatedMeter m = new SimulatedMeter(SimulatedMeter.idOf(0), 1, ZoneId.of("UTC"));
        assertThat(m.id()).isEqualTo("33B1225950027");
        assertThat(m.last8()).isEqualTo("25950027");
        String time = m.nextTime(1_768_235_940L); // 2026-01-12T16:39:00Z
        assertThat(time).isEqualTo("20260112163900");
        assertThat(m.nextTime(1_768_235_940L)).isEqualTo("20260112163901");
        byte[] compact = m.realTime(time, false, false);
        byte[] full = m.realTime(time, true, false);
        assertThat(compact.length).isBetween(380, 470);
        assertThat(full.length).isBetween(540, 640);
        String s = new String(full, StandardCharsets.US_ASCII);
        assertThat(s).startsWith("{\"id\":\"33B1225950027\",\"ia\":").endsWith(",\"time\":\"20260112163900\","
                + "\"isend\":\"1\"}").contains(",\"f\":49.959,").contains(",\"uxja\":0.000,");
        JsonNode n = JSON.readTree(full);
        Iterator<String> names = n.fieldNames();
        int count = 0;
        while (names.hasNext()) {
            names.next();
            count++;
        }
        assertThat(count).isEqualTo(43); // id, 40 measurements, time, isend: as the real capture
        assertThat(s).containsPattern(",\"zyggl\":\\d+\\.\\d{4},\"qa\":-\\d+\\.\\d{4},");
        assertThat(n.get("zyggl").decimalValue().doubleValue()).isCloseTo(
                n.get("pa").doubleValue() + n.get("pb").doubleValue() + n.get("pc").doubleValue(),
                org.assertj.core.data.Offset.offset(0.001));
        assertThat(n.get("qa").asText()).startsWith("-");
    }

    @Test
    void energySplitAndZeroMessages() throws Exception {
        SimulatedMeter m = new SimulatedMeter(SimulatedMeter.idOf(3), 7, ZoneId.of("UTC"));
        JsonNode e1 = JSON.readTree(m.energy("20260117211500", false));
        JsonNode e2 = JSON.readTree(m.energy("20260117211600", false));
        assertThat(e2.get("zygsz").doubleValue()).isGreaterThan(e1.get("zygsz").doubleValue());
        assertThat(new String(m.energy("20260117211700", false), StandardCharsets.US_ASCII)).contains("\"fygsz\":0.000,");
        JsonNode zeros = JSON.readTree(m.energy("20260117211800", true));
        zeros.fields().forEachRemaining(f -> {
            if (f.getValue().isNumber()) {
                assertThat(f.getValue().doubleValue()).as(f.getKey()).isZero();
            }
        });
        byte[][] parts = m.realTimeSplit("20260117211500");
        assertThat(JSON.readTree(parts[0]).get("isend").asText()).isEqualTo("0");
        assertThat(JSON.readTree(parts[1]).get("isend").asText()).isEqualTo("1");
        assertThat(JSON.readTree(parts[0]).has("zyggl")).isTrue();
        assertThat(JSON.readTree(parts[1]).has("f")).isTrue();
    }

    @Test
    void fixedDecimals() {
        StringBuilder sb = new StringBuilder();
        SimulatedMeter.fixed(sb, -0.16484, 4);
        sb.append(' ');
        SimulatedMeter.fixed(sb, 0, 3);
        sb.append(' ');
        SimulatedMeter.fixed(sb, 229.0969, 3);
        sb.append(' ');
        SimulatedMeter.fixed(sb, -0.00001, 3);
        assertThat(sb.toString()).isEqualTo("-0.1648 0.000 229.097 0.000");
    }

    /** Publishes and answers commands through a real Mosquitto. */
    @Test
    void answersCommandsAndPublishesOverMosquitto() throws Exception {
        Path mosquitto = Path.of("/usr/sbin/mosquitto");
        assumeTrue(Files.isExecutable(mosquitto), "mosquitto is not installed (apt-get install mosquitto)");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = tmp.resolve("m.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\n");
        Process broker = new ProcessBuilder(mosquitto.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("m.log").toFile()).start();
        Kpm33bSimulator.Options o = new Kpm33bSimulator.Options();
        o.broker = "tcp://127.0.0.1:" + port;
        o.meters = 2;
        o.rtMillis = 0;
        o.enyMillis = 0;
        MqttClient platform = new MqttClient(o.broker, "platform", new MemoryPersistence());
        try (Kpm33bSimulator sim = new Kpm33bSimulator(o)) {
            long until = System.currentTimeMillis() + 5_000;
            while (true) {
                try {
                    platform.connect(new MqttConnectOptions());
                    break;
                } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                    if (System.currentTimeMillis() > until) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
            platform.subscribe(new String[] { "MQTT_RT_DATA", "MQTT_COMMOD_SET_REP" }, new int[] { 1, 1 });
            platform.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    got.add("LOST " + cause);
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    got.add(topic + " " + new String(m.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                    got.add("DELIVERED");
                }
            });
            sim.start();
            sim.publishAll(true);
            List<String> data = List.of(got.poll(5, TimeUnit.SECONDS), got.poll(5, TimeUnit.SECONDS));
            assertThat(data).allMatch(d -> d.startsWith("MQTT_RT_DATA {\"id\":\"33B12259500"));

            String oprid = "0123456789abcdef0123456789abcdef";
            platform.publish("MQTT_COMMOD_SET_25950028", ("{\"oprid\":\"" + oprid
                    + "\",\"Cmd\":\"0001\",\"value\":\"15\",\"types\":\"1\"}").getBytes(StandardCharsets.UTF_8), 1,
                    false);
            String reply = poll(got, "MQTT_COMMOD_SET_REP");
            assertThat(JSON.readValue(reply.substring(reply.indexOf('{')), Map.class))
                    .isEqualTo(Map.of("id", "33B1225950028", "oprid", oprid, "code", "01"));
            platform.publish("MQTT_COMMOD_SET_25950027", ("{\"oprid\":\"" + oprid
                    + "\",\"Cmd\":\"0000\",\"value\":\"45\",\"types\":\"1\"}").getBytes(StandardCharsets.UTF_8), 1,
                    false);
            reply = poll(got, "MQTT_COMMOD_SET_REP");
            assertThat(reply).contains("\"code\":\"02\"").contains("value 45 not allowed");
            assertThat(sim.commands()).extracting(c -> c.meterId + " " + c.cmd + " " + c.value + " " + c.reply)
                    .containsExactly("33B1225950028 0001 15 01", "33B1225950027 0000 45 02");
        } finally {
            if (platform.isConnected()) {
                platform.disconnect();
            }
            platform.close();
            broker.destroy();
            broker.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void reconnectsAndAnswersCommandsAgainAfterTheBrokerRestarts() throws Exception {
        Path mosquitto = Path.of("/usr/sbin/mosquitto");
        assumeTrue(Files.isExecutable(mosquitto), "mosquitto is not installed (apt-get install mosquitto)");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = tmp.resolve("r.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\n");
        ProcessBuilder pb = new ProcessBuilder(mosquitto.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("r.log").toFile()));
        Process broker = pb.start();
        Kpm33bSimulator.Options o = new Kpm33bSimulator.Options();
        o.broker = "tcp://127.0.0.1:" + port;
        o.meters = 1;
        o.rtMillis = 0;
        o.enyMillis = 0;
        try (Kpm33bSimulator sim = new Kpm33bSimulator(o)) {
            awaitStarted(sim);
            broker.destroy();
            broker.waitFor(5, TimeUnit.SECONDS);
            broker = pb.start();
            // after the restart the meter must be back, subscribed to its command topic, without any help
            LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
            MqttClient platform = connect(o.broker, "platform-after-restart");
            try {
                platform.subscribe("MQTT_COMMOD_SET_REP", 1, (t, m) -> got.add(new String(m.getPayload(),
                        StandardCharsets.UTF_8)));
                String reply = null;
                long until = System.currentTimeMillis() + 20_000;
                while (reply == null && System.currentTimeMillis() < until) {
                    platform.publish("MQTT_COMMOD_SET_25950027", ("{\"oprid\":\"00112233445566778899aabbccddeeff\","
                            + "\"Cmd\":\"0001\",\"value\":\"5\",\"types\":\"1\"}").getBytes(StandardCharsets.UTF_8),
                            1, false);
                    reply = got.poll(1, TimeUnit.SECONDS);
                }
                assertThat(reply).isNotNull().contains("\"code\":\"01\"");
            } finally {
                platform.disconnect();
                platform.close();
            }
        } finally {
            broker.destroy();
            broker.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void awaitStarted(Kpm33bSimulator sim) throws Exception {
        long until = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                sim.start();
                return;
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (System.currentTimeMillis() > until) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static MqttClient connect(String broker, String id) throws Exception {
        MqttClient c = new MqttClient(broker, id, new MemoryPersistence());
        long until = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                c.connect(new MqttConnectOptions());
                return c;
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (System.currentTimeMillis() > until) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String poll(LinkedBlockingQueue<String> q, String prefix) throws InterruptedException {
        long until = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < until) {
            String s = q.poll(100, TimeUnit.MILLISECONDS);
            if (s != null && s.startsWith(prefix)) {
                return s;
            }
        }
        throw new AssertionError("nothing on " + prefix);
    }
}
