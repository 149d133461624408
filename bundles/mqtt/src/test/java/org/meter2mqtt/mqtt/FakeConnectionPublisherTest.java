package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.mqtt.FakeConnections.Sent;
import org.meter2mqtt.mqtt.status.MqttOutputStatus.State;

/**
 * The publisher's own rules on a fake connection ({@link FakeConnections}), without a broker: retained messages
 * first after every connect, disk order kept across a stop and start, at least once over a lost connection, the
 * status it reports, and the in-flight window. Acknowledgements come when the test gives them, so what is "in
 * flight" is exact here, which no real broker allows.
 */
class FakeConnectionPublisherTest {

    private static final Instant T0 = Instant.parse("2024-03-01T10:15:30Z");
    private static final String URL = "tcp://fake.invalid:1883";
    private static final String STATE = "meters/demo/e1/state";
    private static final String ENERGY = "meters/demo/e1/energy_import";

    @TempDir
    Path tmp;

    private final List<MqttPublisher> open = new ArrayList<>();
    private final DeviceInfo e1 = Devices.meter("e1", Devices.ENERGY);

    @AfterEach
    void closeAll() {
        open.forEach(MqttPublisher::close);
    }

    private static MqttSettings.Builder settings() {
        return MqttSettings.builder().url(URL).gatewayId("gw").birthDelayMax(Duration.ofMillis(100))
                .reconnectMax(Duration.ofMillis(200)).buffer(8L << 20, Duration.ofDays(1), Duration.ZERO);
    }

    private MqttPublisher publisher(FakeConnections fake, MqttSettings s) {
        return publisher(fake, s, "gateway");
    }

    private MqttPublisher publisher(FakeConnections fake, MqttSettings s, String dir) {
        MqttPublisher p = new MqttPublisher(tmp.resolve(dir), "0.1.0", Clock.systemUTC(), fake);
        open.add(p);
        p.start(s);
        return p;
    }

    private void feed(MqttPublisher p, int from, int to) {
        for (int i = from; i <= to; i++) {
            p.readings(e1, Devices.readings(T0.plusSeconds(i), "energy_import", String.valueOf(1000 + i)));
        }
    }

    /** The energy values of the state messages, in the order they were handed over. */
    private static List<Integer> states(List<Sent> sent) {
        return sent.stream().filter(m -> m.topic().equals(STATE)).map(m -> energy(m.payload())).toList();
    }

    private static int energy(String state) {
        try {
            return Payloads.mapper().readTree(state).get("energy_import").asInt();
        } catch (java.io.IOException e) {
            throw new AssertionError(state, e);
        }
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).map(i -> 1000 + i).boxed().toList();
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10)).until(condition);
    }

    /** No retained message after the first reading on the same connection: statuses and discovery went first. */
    private static void assertRetainedFirst(List<Sent> sent, int connection) {
        // the replay marks and their probe (SentTotals, MarkReader) are the output's bookkeeping, not readings
        List<Sent> on = sent.stream().filter(m -> m.connection() == connection)
                .filter(m -> !m.topic().startsWith("meters/gateway/gw/sent")).toList();
        int firstReading = IntStream.range(0, on.size()).filter(i -> !on.get(i).retain()).findFirst()
                .orElseThrow(() -> new AssertionError("no reading on connection " + connection + ": " + on));
        assertThat(on.subList(0, firstReading)).as("retained first on connection %d", connection)
                .extracting(Sent::topic).contains("meters/gateway/gw/status", "meters/demo/e1/status",
                        "meters/demo/e1/info", "homeassistant/sensor/gw_e1/energy_import/config");
        assertThat(on.subList(firstReading, on.size())).as("after the first reading on connection %d", connection)
                .noneMatch(Sent::retain);
    }

    @Test
    void retainedMessagesGoFirstAfterEveryConnect() {
        FakeConnections fake = new FakeConnections().refuse("Connection refused").autoAck(true);
        MqttPublisher p = publisher(fake, settings().build());
        p.deviceChanged(e1);
        feed(p, 1, 3);
        await("attempts", () -> fake.attempts() >= 2);

        fake.refuse(null);
        await("first three", () -> states(fake.sent()).size() == 3);
        assertRetainedFirst(fake.sent(), 1);
        assertThat(fake.will()).isNotNull();
        assertThat(fake.will().topic()).isEqualTo("meters/gateway/gw/status");
        assertThat(new String(fake.will().payload())).isEqualTo("offline");
        assertThat(fake.will().retain()).isTrue();

        // broker gone; readings meanwhile wait on disk and follow the retained messages of the next connection
        fake.refuse("Connection refused");
        fake.drop("broker restarted");
        await("lost", () -> p.state() == State.CONNECTING);
        feed(p, 4, 5);
        fake.refuse(null);
        await("second connection", () -> states(fake.sent(m -> m.connection() == 2)).size() == 2);
        assertRetainedFirst(fake.sent(), 2);
        assertThat(states(fake.sent(m -> m.connection() == 2))).isEqualTo(range(4, 5));
    }

    @Test
    void aDevicePublishedOnlyInItsLayoutsHasNoOwnTopicsAndItsEntitiesAreRetracted() {
        FakeConnections fake = new FakeConnections().autoAck(true);
        MqttPublisher p = publisher(fake, settings().build());
        org.meter2mqtt.api.Channel energy = org.meter2mqtt.api.Channel.builder("active_energy")
                .unit(org.meter2mqtt.api.Units.KWH).stateClass(org.meter2mqtt.api.Channel.StateClass.TOTAL_INCREASING)
                .build();
        java.util.function.Function<java.util.Map<String, String>, DeviceInfo> house = config -> DeviceInfo
                .builder("house", org.meter2mqtt.api.DeviceState.ONLINE).driver("pulse", "1.0.0")
                .channels(List.of(energy)).config(config).build();
        String config = "homeassistant/sensor/gw_house/active_energy/config";

        // first in its own topics too, with its entity
        p.deviceChanged(house.apply(java.util.Map.of("mqtt.layouts", "emdc")));
        p.readings(house.apply(java.util.Map.of("mqtt.layouts", "emdc")),
                Devices.readings(T0, "active_energy", "1.5"));
        await("own and layout", () -> fake.sent().stream().anyMatch(m -> m.topic().equals("home/energy/active_energy"))
                && fake.sent().stream().anyMatch(m -> m.topic().equals("meters/pulse/house/state")));
        assertThat(fake.sent()).filteredOn(m -> m.topic().equals(config)).singleElement()
                .satisfies(m -> assertThat(m.payload()).isNotEmpty());

        // then only in its layout: the entity is retracted (empty retained config), no own topics any more
        DeviceInfo layoutsOnly = house.apply(java.util.Map.of("mqtt.layouts", "emdc", "mqtt.own.topics", "false"));
        p.deviceChanged(layoutsOnly);
        int before = fake.sent().size();
        p.readings(layoutsOnly, Devices.readings(T0.plusSeconds(1), "active_energy", "1.6"));
        await("layout only", () -> fake.sent().subList(before, fake.sent().size()).stream()
                .anyMatch(m -> m.topic().equals("home/energy/active_energy") && m.payload().equals("1.6")));
        assertThat(fake.sent()).filteredOn(m -> m.topic().equals(config)).extracting(Sent::payload)
                .containsExactly(fake.sent().stream().filter(m -> m.topic().equals(config)).findFirst()
                        .orElseThrow().payload(), "");
        assertThat(fake.sent().subList(before, fake.sent().size())).extracting(Sent::topic)
                .noneMatch(t -> t.startsWith("meters/pulse/house/") && !t.endsWith("/info")
                        && !t.endsWith("/status"));

        // Home Assistant coming online re-sends latest states: none in the own topics of a layouts-only device
        int beforeBirth = fake.sent().size();
        fake.deliver("homeassistant/status", "online");
        await("rebirth", () -> fake.sent().subList(beforeBirth, fake.sent().size()).stream()
                .anyMatch(m -> m.topic().equals("homeassistant/binary_sensor/gw/status/config")));
        p.readings(layoutsOnly, Devices.readings(T0.plusSeconds(2), "active_energy", "1.7"));
        await("after rebirth", () -> fake.sent().subList(beforeBirth, fake.sent().size()).stream()
                .anyMatch(m -> m.topic().equals("home/energy/active_energy") && m.payload().equals("1.7")));
        assertThat(fake.sent().subList(beforeBirth, fake.sent().size())).extracting(Sent::topic)
                .noneMatch(t -> t.startsWith("meters/pulse/house/") && !t.endsWith("/info")
                        && !t.endsWith("/status"));
    }

    @Test
    void homeAssistantComingOnlineGetsDiscoveryAgain() {
        FakeConnections fake = new FakeConnections().autoAck(true);
        MqttPublisher p = publisher(fake, settings().build());
        p.deviceChanged(e1);
        feed(p, 1, 1);
        await("first", () -> states(fake.sent()).size() == 1);
        assertThat(fake.subscriptions()).containsExactly("homeassistant/status");
        int before = fake.sent().size();

        fake.deliver("homeassistant/status", "offline");
        fake.deliver("homeassistant/status", "online");
        await("rebirth", () -> fake.sent().size() > before
                && fake.sent().subList(before, fake.sent().size()).stream().anyMatch(m -> m.topic().equals(STATE)));
        List<Sent> again = fake.sent().subList(before, fake.sent().size());
        // configs, then statuses, then the last state (retained only if retain=true: here not)
        assertThat(again).extracting(Sent::topic).contains("homeassistant/binary_sensor/gw/status/config",
                "homeassistant/sensor/gw_e1/energy_import/config", "meters/demo/e1/status");
        assertThat(states(again)).containsExactly(1001);
        assertThat(fake.connects()).isEqualTo(1);
    }

    @Test
    void diskOrderIsKeptAcrossAStopAndStart() {
        FakeConnections down = new FakeConnections().refuse("Connection refused");
        MqttPublisher p = publisher(down, settings().build());
        p.deviceChanged(e1);
        feed(p, 1, 200);
        await("buffered", () -> p.buffered() == 200);
        p.close();
        assertThat(p.state()).isEqualTo(State.STOPPED);
        assertThat(down.sent()).isEmpty();

        FakeConnections up = new FakeConnections().autoAck(true);
        MqttPublisher q = publisher(up, settings().build());
        q.deviceChanged(e1);
        await("all", () -> states(up.sent()).size() >= 200);
        assertThat(states(up.sent())).isEqualTo(range(1, 200));
        await("committed", () -> q.buffered() == 0);
    }

    @Test
    void aLostConnectionResendsEveryUnacknowledgedBatchInOrder() {
        FakeConnections fake = new FakeConnections();
        // every message acknowledged on its own, so the cut can fall inside a batch (channel.qos = 0: see
        // channelTopicsAreCommittedWithTheirStatesAcknowledgement)
        MqttPublisher p = publisher(fake, settings().channelQos(1).build());
        p.deviceChanged(e1);
        feed(p, 1, 20);
        await("all sent", () -> states(fake.sent()).size() == 20);

        // the broker acknowledges up to the 10th batch, then the connection dies (the replay marks, QoS 0 and
        // not readings, are never waiting for an acknowledgement)
        List<Sent> sent = fake.sent(m -> !m.topic().startsWith("meters/gateway/gw/sent"));
        int tenth = 0;
        for (int seen = 0; seen < 10; tenth++) {
            if (sent.get(tenth).topic().equals(STATE)) {
                seen++;
            }
        }
        int acked = fake.ack(tenth);
        assertThat(acked).isEqualTo(tenth);
        await("reaped", () -> p.published() == acked);
        fake.drop("connection reset");
        fake.autoAck(true);

        await("second connection", () -> states(fake.sent(m -> m.connection() == 2)).size() == 10);
        // nothing acknowledged is sent again, nothing unacknowledged is lost, the order is kept
        assertThat(states(fake.sent(m -> m.connection() == 2))).isEqualTo(range(11, 20));
        assertThat(states(fake.acked())).isEqualTo(range(1, 20));
        await("committed", () -> p.buffered() == 0);
    }

    /**
     * channel.qos (0 as shipped): the per-channel topics wait for no acknowledgement of their own, the state after
     * them on the same connection does. A batch leaves the disk buffer only with its state's acknowledgement, and a
     * connection lost before that sends the whole batch again, channel topics included: the same guarantee as with
     * a PUBACK each.
     */
    @ParameterizedTest
    @ValueSource(ints = { 0, 1 })
    void channelTopicsAreCommittedWithTheirStatesAcknowledgement(int channelQos) {
        FakeConnections fake = new FakeConnections();
        MqttPublisher p = publisher(fake, settings().channelQos(channelQos).discovery(false, "homeassistant").build());
        p.deviceChanged(e1);
        feed(p, 1, 3);
        await("all sent", () -> states(fake.sent()).size() == 3);
        assertThat(fake.sent(m -> m.topic().equals(ENERGY) || m.topic().equals(STATE)))
                .extracting(Sent::topic, Sent::payload, Sent::qos)
                .containsExactly(tuple(ENERGY, "1001", channelQos), tuple(STATE, state(1001), 1),
                        tuple(ENERGY, "1002", channelQos), tuple(STATE, state(1002), 1),
                        tuple(ENERGY, "1003", channelQos), tuple(STATE, state(1003), 1));
        assertThat(p.buffered()).isEqualTo(3);

        // everything up to the first batch's state is acknowledged (the statuses before it, and its channel message
        // at qos 1): it is committed
        while (states(fake.acked()).isEmpty()) {
            assertThat(fake.ack(1)).isOne();
        }
        await("first committed", () -> p.buffered() == 2);
        // the second batch's channel message is through, its state is not: the connection dies
        fake.ack(channelQos == 0 ? 0 : 1);
        fake.drop("connection reset");
        fake.autoAck(true);

        await("committed", () -> p.buffered() == 0);
        assertThat(fake.sent(m -> m.connection() == 2 && (m.topic().equals(ENERGY) || m.topic().equals(STATE))))
                .extracting(Sent::topic, Sent::payload)
                .containsExactly(tuple(ENERGY, "1002"), tuple(STATE, state(1002)), tuple(ENERGY, "1003"),
                        tuple(STATE, state(1003)));
        assertThat(states(fake.acked())).isEqualTo(range(1, 3));
    }

    private static String state(int energy) {
        return "{\"timestamp\":\"" + T0.plusSeconds(energy - 1000) + "\",\"energy_import\":" + energy + "}";
    }

    /**
     * A broker that keeps the connection (answers pings) but never acknowledges a PUBLISH, as the embedded broker
     * did with a dead session thread: the output reconnects and sends everything again instead of waiting for good.
     */
    @Test
    void aBrokerThatStopsAcknowledgingIsLeftAndEverythingIsSentAgain() {
        FakeConnections fake = new FakeConnections();
        MqttPublisher p = publisher(fake, settings().discovery(false, "homeassistant").build());
        p.ackStallLimit(java.time.Duration.ofMillis(800));
        p.deviceChanged(e1);
        feed(p, 1, 5);
        await("all sent", () -> states(fake.sent()).size() == 5);
        assertThat(p.published()).isZero();

        await("second connection", () -> states(fake.sent(m -> m.connection() == 2)).size() == 5);
        assertThat(states(fake.sent(m -> m.connection() == 2))).isEqualTo(range(1, 5));
        fake.autoAck(true);
        await("committed", () -> p.buffered() == 0);
        assertThat(states(fake.acked())).isEqualTo(range(1, 5));
    }

    @Test
    void theInflightWindowBoundsWhatWaitsForAcknowledgement() {
        FakeConnections fake = new FakeConnections();
        // channel.qos = 1: every message in the window waits for an acknowledgement of its own
        MqttPublisher p = publisher(fake,
                settings().maxInflight(10).channelQos(1).discovery(false, "homeassistant").build());
        p.deviceChanged(e1);
        await("connected", () -> p.state() == State.CONNECTED);
        fake.ack(Integer.MAX_VALUE);
        feed(p, 1, 40);
        await("window full", () -> fake.inflight() >= 10);
        // a batch is energy_import + state: the window, plus at most the rest of one batch
        assertThat(fake.inflight()).isBetween(10, 11);
        assertThat(states(fake.sent())).hasSizeLessThan(40);

        while (states(fake.acked()).size() < 40) {
            fake.ack(3);
            await("more", () -> fake.inflight() > 0 || states(fake.acked()).size() == 40);
        }
        assertThat(fake.maxInflight()).isLessThanOrEqualTo(11);
        assertThat(states(fake.sent())).isEqualTo(range(1, 40));
        await("committed", () -> p.buffered() == 0);
    }

    /**
     * A broker on this host that is not up yet at start (the embedded one, a local Mosquitto) is tried every second,
     * so the output connects about when it listens; a remote one gets the doubling backoff (1, 2, 4 s, ...) that
     * spreads many gateways over time. Counted over the same 6.5 s: at least 6 attempts (7 when on time) against at
     * most 4.
     */
    @Test
    void aLocalBrokerIsRetriedEverySecondAtBootARemoteOneBacksOff() throws InterruptedException {
        FakeConnections local = new FakeConnections().refuse("Connection refused");
        FakeConnections remote = new FakeConnections().refuse("Connection refused");
        MqttSettings.Builder defaults = MqttSettings.builder().gatewayId("gw")
                .buffer(8L << 20, Duration.ofDays(1), Duration.ZERO);
        MqttPublisher l = publisher(local, defaults.url("tcp://localhost:11883").build(), "local");
        MqttPublisher r = publisher(remote, defaults.url(URL).build(), "remote");
        Thread.sleep(6500);
        assertThat(local.attempts()).isGreaterThanOrEqualTo(6);
        assertThat(remote.attempts()).isBetween(2, 4);

        local.refuse(null);
        await("connected", () -> l.state() == State.CONNECTED);
        assertThat(r.state()).isEqualTo(State.CONNECTING);
    }

    @Test
    void everyStatusChangeIsReportedWithItsReason() {
        FakeConnections fake = new FakeConnections().refuse("Connection refused").autoAck(true);
        MqttPublisher p = publisher(fake, settings().build());
        await("refused", () -> p.state() == State.CONNECTING && p.detail().contains("Connection refused"));

        fake.refuse(null);
        await("connected", () -> p.state() == State.CONNECTED);
        assertThat(p.detail()).isEqualTo(URL);

        fake.refuse("broker down");
        fake.drop("connection reset");
        await("lost", () -> p.state() == State.CONNECTING && p.detail().contains("broker down"));
        fake.refuse(null);
        await("back", () -> p.state() == State.CONNECTED);
        assertThat(fake.connects()).isEqualTo(2);

        // a bad URL: CONFIG_ERROR with the reason, readings kept; the fix delivers them
        p.configure(settings().url("http://broker:1883").build());
        await("config error", () -> p.state() == State.CONFIG_ERROR);
        assertThat(p.detail()).contains("must start with tcp:// or ssl://");
        p.deviceChanged(e1);
        feed(p, 1, 3);
        await("buffered", () -> p.buffered() == 3);
        p.configure(settings().build());
        await("fixed", () -> p.state() == State.CONNECTED && states(fake.sent()).size() == 3);
        assertThat(states(fake.sent())).isEqualTo(range(1, 3));
        // the gateway said offline before the reconnect, on the connection it left
        assertThat(fake.sent(m -> m.topic().equals("meters/gateway/gw/status"))).extracting(Sent::payload)
                .containsSubsequence("online", "offline", "online");

        p.close();
        assertThat(p.state()).isEqualTo(State.STOPPED);
        assertThat(p.detail()).isEqualTo("stopped");
    }
}
