package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.mqtt.status.MqttOutputStatus;

import com.fasterxml.jackson.databind.JsonNode;

/** The publisher against real brokers: the embedded Moquette and a mosquitto process. */
class PublisherTest {

    static final Instant T0 = Instant.parse("2024-03-01T10:15:30Z");

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    static Stream<String> brokers() {
        return Stream.of("embedded", "mosquitto");
    }

    private TestBroker broker(String kind, String name) throws Exception {
        Path d = tmp.resolve(name);
        TestBroker b = kind.equals("embedded") ? new TestBroker.Embedded(d) : new TestBroker.Mosquitto(d);
        b.start();
        open.add(b);
        return b;
    }

    private Subscriber subscriber(TestBroker b, String... filters) throws Exception {
        Subscriber s = new Subscriber(b.url(), "witness-" + System.nanoTime(), true, filters);
        open.add(0, s);
        return s;
    }

    private Subscriber retained(TestBroker b, String... filters) throws Exception {
        Subscriber s = Subscriber.retained(b.url(), filters);
        open.add(0, s);
        return s;
    }

    static MqttSettings.Builder settings(String url) {
        return MqttSettings.builder().url(url).gatewayId("gw").birthDelayMax(Duration.ofMillis(200))
                .reconnectMax(Duration.ofMillis(500)).buffer(8L << 20, Duration.ofDays(1), Duration.ZERO);
    }

    private MqttPublisher publisher(MqttSettings s, Path dir) {
        MqttPublisher p = new MqttPublisher(dir, "0.1.0", Clock.systemUTC());
        p.start(s);
        open.add(0, p);
        return p;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    static void awaitConnected(MqttPublisher p) {
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::state, s -> s == MqttOutputStatus.State.CONNECTED);
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void publishesValuesStateStatusAndDiscovery(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/#");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY, Devices.POWER, Devices.GAS, Devices.RSSI,
                Devices.EQUIPMENT);
        p.deviceChanged(e1);
        p.readings(e1, Devices.readings(T0, "energy_import", "1234.500", "power", "230", "gas", "10.001", "rssi",
                "-70", "equipment_id", "E0043"));

        assertThat(live.await("meters/demo/e1/state").payload()).isEqualTo("{\"timestamp\":\"2024-03-01T10:15:30Z\","
                + "\"energy_import\":1234.500,\"power\":230,\"gas\":10.001,\"rssi\":-70,\"equipment_id\":\"E0043\"}");
        assertThat(live.payloads("meters/demo/e1/energy_import")).containsExactly("1234.500");
        assertThat(live.payloads("meters/demo/e1/gas")).containsExactly("10.001");
        assertThat(live.payloads("meters/demo/e1/equipment_id")).containsExactly("E0043");
        assertThat(live.on("meters/demo/e1/power").get(0).retained()).isFalse();
        // to a QoS 1 subscriber: the state at qos, the channel topics at channel.qos (0 as shipped)
        assertThat(live.await("meters/demo/e1/state").qos()).isEqualTo(1);
        assertThat(live.on("meters/demo/e1/power").get(0).qos()).isZero();
        awaitConnected(p);
        assertThat(p.detail()).isEqualTo(b.url());

        // What a client connecting later (Home Assistant after a restart) finds retained.
        Subscriber late = retained(b, "meters/+/+/status", "meters/gateway/#", "homeassistant/#");
        assertThat(late.await("meters/gateway/gw/status")).isEqualTo(
                new Subscriber.Msg("meters/gateway/gw/status", "online", true, 0));
        assertThat(late.await("meters/demo/e1/status").payload()).isEqualTo("online");
        assertThat(late.await("meters/demo/e1/status").retained()).isTrue();
        Subscriber.Msg cfg = late.await("homeassistant/sensor/gw_e1/energy_import/config");
        assertThat(cfg.retained()).isTrue();
        JsonNode json = Payloads.mapper().readTree(cfg.payload());
        assertThat(json.get("unique_id").asText()).isEqualTo("gw_e1_energy_import");
        assertThat(json.get("state_class").asText()).isEqualTo("total_increasing");
        assertThat(json.get("unit_of_measurement").asText()).isEqualTo("kWh");
        assertThat(json.get("device").get("via_device").asText()).isEqualTo("gw");
        assertThat(late.await("homeassistant/sensor/gw_e1/gas/config").payload()).contains("\"m\u00b3\"");
        assertThat(late.await("homeassistant/sensor/gw_e1/rssi/config").payload())
                .contains("\"entity_category\":\"diagnostic\"");
        assertThat(late.await("homeassistant/binary_sensor/gw/status/config").retained()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> late.messages.stream()
                .filter(m -> m.topic().startsWith("homeassistant/sensor/")).count() == 6); // 5 channels, the info

        // The device goes offline: its retained status follows.
        p.deviceChanged(Devices.meter("e1", DeviceState.OFFLINE, Devices.ENERGY, Devices.POWER, Devices.GAS,
                Devices.RSSI, Devices.EQUIPMENT));
        assertThat(live.await("meters/demo/e1/status", m -> m.payload().equals("offline")).retained()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void homeAssistantBirthResendsDiscoveryAndRemovalRetractsIt(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber ha = subscriber(b, "homeassistant/#", "meters/+/+/status");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY, Devices.POWER);
        p.deviceChanged(e1);
        p.readings(e1, Devices.readings(T0, "energy_import", "5", "power", "100"));
        String energyCfg = "homeassistant/sensor/gw_e1/energy_import/config";
        String powerCfg = "homeassistant/sensor/gw_e1/power/config";
        ha.await(energyCfg);
        ha.await(powerCfg);
        Subscriber values = subscriber(b, "meters/demo/e1/power");

        ha.publish("homeassistant/status", "online", false);
        ha.awaitCount(energyCfg, 2);
        ha.awaitCount(powerCfg, 2);
        assertThat(ha.on(energyCfg).get(1).payload()).isEqualTo(ha.on(energyCfg).get(0).payload());
        // ...and then the current state, so HA shows values without waiting for the next reading.
        assertThat(values.await("meters/demo/e1/power").payload()).isEqualTo("100");

        p.deviceRemoved(e1);
        assertThat(ha.await(energyCfg, m -> m.payload().isEmpty())).isNotNull();
        assertThat(ha.await(powerCfg, m -> m.payload().isEmpty())).isNotNull();
        assertThat(ha.await("meters/demo/e1/status", m -> m.payload().isEmpty())).isNotNull();
        Subscriber late = retained(b, "homeassistant/sensor/#", "meters/demo/#");
        Thread.sleep(500);
        assertThat(late.messages).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void aChannelThatDisappearsAcrossARestartIsRemoved(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Path dir = tmp.resolve("pub");
        MqttPublisher first = publisher(settings(b.url()).build(), dir);
        first.deviceChanged(Devices.meter("e1", Devices.ENERGY, Devices.POWER));
        Subscriber ha = subscriber(b, "homeassistant/sensor/#");
        ha.await("homeassistant/sensor/gw_e1/power/config");
        first.close();

        MqttPublisher second = publisher(settings(b.url()).build(), dir);
        second.deviceChanged(Devices.meter("e1", Devices.ENERGY));
        assertThat(ha.await("homeassistant/sensor/gw_e1/power/config", m -> m.payload().isEmpty())).isNotNull();
        awaitConnected(second);
        Subscriber late = retained(b, "homeassistant/sensor/#");
        late.await("homeassistant/sensor/gw_e1/energy_import/config");
        Thread.sleep(300);
        assertThat(late.messages).extracting(Subscriber.Msg::topic).containsExactlyInAnyOrder(
                "homeassistant/sensor/gw_e1/energy_import/config", "homeassistant/sensor/gw_e1/info/config");
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void aDeviceDeletedWhileTheGatewayWasStoppedIsRetracted(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Path dir = tmp.resolve("pub");
        MqttPublisher first = publisher(settings(b.url()).build(), dir);
        first.deviceChanged(Devices.meter("e1", Devices.ENERGY));
        first.deviceChanged(Devices.meter("e2", Devices.ENERGY, Devices.POWER));
        Subscriber ha = subscriber(b, "homeassistant/sensor/#", "meters/demo/+/status");
        ha.await("homeassistant/sensor/gw_e2/power/config");
        ha.await("meters/demo/e2/status");
        first.close();

        // e2's .cfg was deleted meanwhile: the core never reports it again, so nobody calls deviceRemoved.
        MqttPublisher second = publisher(settings(b.url()).orphanDelay(Duration.ofSeconds(1)).build(), dir);
        second.deviceChanged(Devices.meter("e1", Devices.ENERGY));
        assertThat(ha.await("homeassistant/sensor/gw_e2/power/config", m -> m.payload().isEmpty()).retained())
                .isFalse();
        ha.await("homeassistant/sensor/gw_e2/energy_import/config", m -> m.payload().isEmpty());
        ha.await("meters/demo/e2/status", m -> m.payload().isEmpty());
        Subscriber late = retained(b, "homeassistant/sensor/#", "meters/demo/+/status");
        late.await("homeassistant/sensor/gw_e1/energy_import/config");
        late.await("meters/demo/e1/status");
        Thread.sleep(300);
        assertThat(late.messages).extracting(Subscriber.Msg::topic).containsExactlyInAnyOrder(
                "homeassistant/sensor/gw_e1/energy_import/config", "homeassistant/sensor/gw_e1/info/config",
                "meters/demo/e1/status");

        // Forgotten for good: a third start has nothing left to retract, and e1 is untouched.
        second.close();
        Subscriber watch = subscriber(b, "homeassistant/sensor/#", "meters/demo/+/status");
        MqttPublisher third = publisher(settings(b.url()).orphanDelay(Duration.ofMillis(300)).build(), dir);
        third.deviceChanged(Devices.meter("e1", Devices.ENERGY));
        awaitConnected(third);
        Thread.sleep(1000);
        assertThat(watch.messages).noneMatch(m -> m.payload().isEmpty());
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void turningDiscoveryOffRetractsItAndMovingItMovesIt(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber ha = subscriber(b, "homeassistant/#", "ha2/#");
        Subscriber values = subscriber(b, "meters/demo/e1/power");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY, Devices.POWER);
        p.deviceChanged(e1);
        ha.await("homeassistant/sensor/gw_e1/power/config");
        ha.await("homeassistant/binary_sensor/gw/status/config");

        p.configure(settings(b.url()).discovery(false, "homeassistant").build());
        ha.await("homeassistant/sensor/gw_e1/power/config", m -> m.payload().isEmpty());
        ha.await("homeassistant/sensor/gw_e1/energy_import/config", m -> m.payload().isEmpty());
        ha.await("homeassistant/binary_sensor/gw/status/config", m -> m.payload().isEmpty());
        p.readings(e1, Devices.readings(T0, "energy_import", "5", "power", "100"));
        assertThat(values.await("meters/demo/e1/power").payload()).isEqualTo("100");
        Subscriber none = retained(b, "homeassistant/#");
        Thread.sleep(500);
        assertThat(none.messages).isEmpty();

        // On again, under another prefix: announced there; nothing comes back under the old one.
        p.configure(settings(b.url()).discovery(true, "ha2").build());
        ha.await("ha2/sensor/gw_e1/power/config");
        ha.await("ha2/binary_sensor/gw/status/config");
        p.configure(settings(b.url()).discovery(true, "homeassistant").build());
        ha.await("ha2/sensor/gw_e1/power/config", m -> m.payload().isEmpty());
        ha.await("ha2/binary_sensor/gw/status/config", m -> m.payload().isEmpty());
        Subscriber late = retained(b, "homeassistant/#", "ha2/#");
        late.await("homeassistant/sensor/gw_e1/power/config");
        Thread.sleep(500);
        assertThat(late.messages).extracting(Subscriber.Msg::topic).containsExactlyInAnyOrder(
                "homeassistant/sensor/gw_e1/power/config", "homeassistant/sensor/gw_e1/energy_import/config",
                "homeassistant/sensor/gw_e1/info/config", "homeassistant/binary_sensor/gw/status/config");
    }

    /** The status topics move with topic.prefix and gateway.id; the old retained ones must not linger. */
    @ParameterizedTest
    @MethodSource("brokers")
    void movingTheTopicPrefixOrGatewayIdClearsTheOldStatuses(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/#", "m2/#");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        p.deviceChanged(Devices.meter("e1", Devices.POWER));
        live.await("meters/demo/e1/status", m -> m.payload().equals("online"));

        p.configure(settings(b.url()).topicPrefix("m2").build());
        live.await("m2/demo/e1/status", m -> m.payload().equals("online"));
        live.await("meters/demo/e1/status", m -> m.payload().isEmpty());
        live.await("meters/gateway/gw/status", m -> m.payload().isEmpty());
        assertRetained(b, "m2/gateway/gw/status", "m2/demo/e1/status");

        p.configure(settings(b.url()).topicPrefix("m2").gatewayId("gw2").build());
        live.await("m2/gateway/gw/status", m -> m.payload().isEmpty());
        assertRetained(b, "m2/gateway/gw2/status", "m2/demo/e1/status");

        // Back to the first gateway id: its status is set again, the one of gw2 cleared.
        p.configure(settings(b.url()).topicPrefix("m2").build());
        live.await("m2/gateway/gw/status", m -> m.payload().equals("online"));
        live.await("m2/gateway/gw2/status", m -> m.payload().isEmpty());
        assertRetained(b, "m2/gateway/gw/status", "m2/demo/e1/status");
    }

    /**
     * What a client connecting now finds retained under both prefixes: exactly these status topics, all "online",
     * and next to each device status its info, nothing more (the info moves with the status).
     */
    private void assertRetained(TestBroker b, String... topics) throws Exception {
        List<String> infos = Stream.of(topics).filter(t -> !t.contains("/gateway/"))
                .map(t -> t.replaceFirst("/status$", "/info")).collect(Collectors.toList());
        Subscriber late = retained(b, "meters/#", "m2/#");
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> late.messages.size() >= topics.length + infos.size());
        Thread.sleep(500);
        List<Subscriber.Msg> statuses = late.messages.stream().filter(m -> !m.topic().endsWith("/info"))
                .collect(Collectors.toList());
        assertThat(statuses).extracting(Subscriber.Msg::topic).containsExactlyInAnyOrder(topics);
        assertThat(statuses).extracting(Subscriber.Msg::payload).containsOnly("online");
        assertThat(late.messages.stream().filter(m -> m.topic().endsWith("/info")))
                .extracting(Subscriber.Msg::topic).containsExactlyInAnyOrderElementsOf(infos);
    }

    /**
     * Thousands of messages handed to Paho at once, discovery configs (over 127 bytes: longer length fields)
     * among them: Paho's sender has a queue, so the socket stream holds flushes back; everything must still
     * arrive, in order, without the idle loop's safety net ever having to write a held flush.
     */
    @ParameterizedTest
    @MethodSource("brokers")
    void aBurstArrivesCompleteAndInOrderWithNoFlushLeftHeld(String kind) throws Exception {
        MqttPublisher p = fiftyMetersInOrder(kind, 40, 0);
        // The last message of the burst went out with the burst, not after the 20 ms safety net.
        assertThat(p.heldFlushes()).isZero();
        assertThat(p.buffered()).isZero();
    }

    /**
     * Readings at a sustained rate far above what a turn waits for (about 25 000 batches a second for 0.3 s): the
     * publisher gathers batches before its turns ({@link Linger}), and everything still arrives, in order, with no
     * flush left held.
     */
    @ParameterizedTest
    @MethodSource("brokers")
    void aSustainedHighRateIsGatheredAndArrivesCompleteAndInOrder(String kind) throws Exception {
        MqttPublisher p = fiftyMetersInOrder(kind, 150, 2);
        assertThat(p.gatheredTurns()).as("turns that waited to gather batches").isPositive();
        assertThat(p.heldFlushes()).isZero();
        assertThat(p.buffered()).isZero();
    }

    /**
     * Four device threads, five meters each, hand over a reading per meter every 10 ms (about 2000 batches a
     * second, below the gathering rate): while the publisher waits they take turns themselves, competing for the
     * lock, and every meter's readings still arrive complete and in order, with nothing left in the buffer. An fsync
     * every second: with {@code buffer.fsync.ms = 0}, as in the other tests here, every turn is the publisher's.
     */
    @ParameterizedTest
    @MethodSource("brokers")
    void deviceThreadsSendWhileThePublisherWaitsAndEverythingArrivesInOrder(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/demo/#");
        MqttPublisher p = publisher(settings(b.url()).buffer(8L << 20, Duration.ofDays(1), Duration.ofSeconds(1))
                .build(), tmp.resolve("pub"));
        awaitConnected(p);
        List<DeviceInfo> devices = fiftyMeters(p).subList(0, 20);
        int rounds = 100;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            List<DeviceInfo> mine = devices.subList(5 * t, 5 * t + 5);
            Thread th = new Thread(() -> {
                try {
                    for (int i = 1; i <= rounds; i++) {
                        for (DeviceInfo d : mine) {
                            p.readings(d, Devices.readings(T0.plusSeconds(i), "seq", i));
                        }
                        Thread.sleep(10);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "device-" + t);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(30_000);
        }
        assertThat(failures).isEmpty();
        awaitInOrder(live, devices, rounds);
        assertThat(p.inlineTurns()).as("turns the device threads took themselves").isGreaterThan(rounds);
        assertThat(p.heldFlushes()).isZero();
        assertThat(p.buffered()).isZero();
    }

    /**
     * {@code gather.above = 0}: the same high rate as above is never gathered, and everything still arrives in order;
     * set back to the default while running (no restart, no reconnect), the turns wait again.
     */
    @ParameterizedTest
    @MethodSource("brokers")
    void gatheringFollowsItsSettingWhileRunning(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/demo/#");
        MqttPublisher p = publisher(settings(b.url()).gatherAbove(0).build(), tmp.resolve("pub"));
        awaitConnected(p);
        List<DeviceInfo> devices = fiftyMeters(p);
        sendRounds(p, live, devices, 1, 150, 2);
        assertThat(p.gatheredTurns()).as("turns that waited with gather.above = 0").isZero();

        p.configure(settings(b.url()).build());
        sendRounds(p, live, devices, 151, 300, 2);
        assertThat(p.gatheredTurns()).as("turns that waited after gather.above went back to 4000").isPositive();
        assertThat(p.heldFlushes()).isZero();
        assertThat(p.buffered()).isZero();
    }

    /**
     * 50 meters send {@code rounds} readings each, one round after another with {@code pauseMillis} between rounds;
     * asserts that every meter's readings arrived complete and in order, and returns the publisher.
     */
    private MqttPublisher fiftyMetersInOrder(String kind, int rounds, long pauseMillis) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/demo/#");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        awaitConnected(p);
        sendRounds(p, live, fiftyMeters(p), 1, rounds, pauseMillis);
        return p;
    }

    private static List<DeviceInfo> fiftyMeters(MqttPublisher p) {
        List<DeviceInfo> devices = new ArrayList<>();
        for (int d = 0; d < 50; d++) {
            devices.add(Devices.meter("m" + d, Devices.SEQ));
            p.deviceChanged(devices.get(d));
        }
        return devices;
    }

    /** Rounds {@code from} to {@code to}; asserts that every meter's readings up to {@code to} arrived, in order. */
    private static void sendRounds(MqttPublisher p, Subscriber live, List<DeviceInfo> devices, int from, int to,
            long pauseMillis) throws Exception {
        for (int i = from; i <= to; i++) {
            for (DeviceInfo d : devices) {
                p.readings(d, Devices.readings(T0.plusSeconds(i), "seq", i));
            }
            if (pauseMillis > 0) {
                Thread.sleep(pauseMillis);
            }
        }
        awaitInOrder(live, devices, to);
    }

    /** Waits until every meter's readings 1 to {@code to} arrived, then asserts they came once each, in order. */
    private static void awaitInOrder(Subscriber live, List<DeviceInfo> devices, int to) throws Exception {
        for (DeviceInfo d : devices) {
            live.awaitCount("meters/demo/" + d.id() + "/state", to);
        }
        // time for the idle loop's safety net to write a held flush, were one left
        Thread.sleep(300);
        for (DeviceInfo d : devices) {
            assertThat(seqs(live, "meters/demo/" + d.id() + "/state")).as(d.id())
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, to).boxed().toList());
        }
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void aCounterGoingBackwardsIsNotPublished(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/demo/e1/#");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY, Devices.POWER);
        p.deviceChanged(e1);
        p.readings(e1, Devices.readings(T0, "energy_import", "100.5", "power", "1"));
        p.readings(e1, Devices.readings(T0.plusSeconds(1), "energy_import", "99.0", "power", "2"));
        p.readings(e1, Devices.readings(T0.plusSeconds(2), "energy_import", "101", "power", "3"));
        live.awaitCount("meters/demo/e1/state", 3);
        assertThat(live.payloads("meters/demo/e1/energy_import")).containsExactly("100.5", "101");
        assertThat(live.payloads("meters/demo/e1/state").get(1))
                .isEqualTo("{\"timestamp\":\"2024-03-01T10:15:31Z\",\"power\":2}");
        assertThat(p.rejected()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void aDailyCounterStartingAgainAtMidnightIsPublished(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/homeassistant/ha/#");
        MqttPublisher p = publisher(settings(b.url()).build(), tmp.resolve("pub"));
        Channel daily = Channel.builder("daily_energy").unit("kWh").deviceClass("energy")
                .stateClass(Channel.StateClass.TOTAL_INCREASING).resets(true).build();
        DeviceInfo ha = DeviceInfo.builder("ha", org.meter2mqtt.api.DeviceState.ONLINE)
                .driver("homeassistant", "1.0.0").channels(java.util.List.of(daily)).build();
        p.deviceChanged(ha);
        p.readings(ha, Devices.readings(T0, "daily_energy", "12.5"));
        p.readings(ha, Devices.readings(T0.plusSeconds(60), "daily_energy", "0.1"));
        live.awaitCount("meters/homeassistant/ha/daily_energy", 2);
        assertThat(live.payloads("meters/homeassistant/ha/daily_energy")).containsExactly("12.5", "0.1");
        assertThat(p.rejected()).isZero();
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void aCounterGoingBackwardsAcrossARestartIsNotPublished(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Path dir = tmp.resolve("pub");
        Subscriber live = subscriber(b, "meters/demo/e1/#");
        MqttPublisher first = publisher(settings(b.url()).build(), dir);
        DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY, Devices.POWER);
        first.deviceChanged(e1);
        first.readings(e1, Devices.readings(T0, "energy_import", "100.5", "power", "1"));
        live.await("meters/demo/e1/energy_import");
        first.close();

        MqttPublisher second = publisher(settings(b.url()).build(), dir);
        second.deviceChanged(e1);
        second.readings(e1, Devices.readings(T0.plusSeconds(1), "energy_import", "99.0", "power", "2"));
        second.readings(e1, Devices.readings(T0.plusSeconds(2), "energy_import", "100.5", "power", "3"));
        live.awaitCount("meters/demo/e1/state", 3);
        assertThat(live.payloads("meters/demo/e1/energy_import")).containsExactly("100.5", "100.5");
        assertThat(second.rejected()).isEqualTo(1);

        // Removing the device (a replaced meter) forgets its totals: the new meter's low reading is published.
        second.deviceRemoved(e1);
        second.deviceChanged(e1);
        second.readings(e1, Devices.readings(T0.plusSeconds(3), "energy_import", "0.5", "power", "4"));
        assertThat(live.await("meters/demo/e1/energy_import", m -> m.payload().equals("0.5"))).isNotNull();
    }

    @ParameterizedTest
    @MethodSource("brokers")
    void aBadConfigurationBuffersReadingsAndAFixDeliversThem(String kind) throws Exception {
        TestBroker b = broker(kind, "b");
        Subscriber live = subscriber(b, "meters/demo/+/state", "meters/gateway/#");
        MqttPublisher p = publisher(settings("tcp//broker-without-scheme:1883").build(), tmp.resolve("pub"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(p::state,
                s -> s == MqttOutputStatus.State.CONFIG_ERROR);
        assertThat(p.detail()).contains("must start with tcp:// or ssl://");
        DeviceInfo e1 = Devices.meter("e1", Devices.SEQ);
        p.deviceChanged(e1);
        for (int i = 1; i <= 5; i++) {
            p.readings(e1, Devices.readings(T0.plusSeconds(i), "seq", i));
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(p::buffered, n -> n == 5);

        // A missing key file is just as clear.
        p.configure(settings("ssl://localhost:8883").tls(null, tmp.resolve("client.crt").toString(),
                tmp.resolve("client.key").toString(), true).build());
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(p::detail, d -> d.contains("client.key does not exist"));
        assertThat(p.state()).isEqualTo(MqttOutputStatus.State.CONFIG_ERROR);

        // Fixing the configuration (what @Modified does) connects without a restart and sends the backlog.
        p.configure(settings(b.url()).build());
        live.awaitCount("meters/demo/e1/state", 5);
        assertThat(live.payloads("meters/demo/e1/state")).extracting(s -> Payloads.mapper().readTree(s))
                .extracting(j -> j.get("seq").asInt()).containsExactly(1, 2, 3, 4, 5);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(p::buffered, n -> n == 0);

        // Moving to another broker: the old one is told we left, the new one gets everything retained.
        TestBroker other = broker(kind, "other");
        Subscriber late = retained(other, "homeassistant/sensor/#");
        p.configure(settings(other.url()).build());
        assertThat(live.await("meters/gateway/gw/status", m -> m.payload().equals("offline"))).isNotNull();
        late.await("homeassistant/sensor/gw_e1/seq/config");
        awaitConnected(p);
        assertThat(p.detail()).isEqualTo(other.url());
    }

    static List<Integer> seqs(Subscriber s, String topic) {
        return s.payloads(topic).stream().map(PublisherTest::seq).collect(Collectors.toList());
    }

    static int seq(String json) {
        try {
            return Payloads.mapper().readTree(json).get("seq").asInt();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
