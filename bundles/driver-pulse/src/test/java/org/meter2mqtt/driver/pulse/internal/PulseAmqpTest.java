package org.meter2mqtt.driver.pulse.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.simulators.pulse.PulseSimulator;
import org.meter2mqtt.simulators.pulse.RabbitMqServer;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

/**
 * The driver in the real core against a real RabbitMQ (started once for the class as a plain process) and the
 * independently written EMDC edge simulator: exact totals with redeliveries and garbage, the gateway stopped
 * and started and RabbitMQ restarted while pulses flow, a state folder that cannot be written (nothing acknowledged
 * until it can), dead-lettering, calibration, configuration errors.
 */
class PulseAmqpTest {

    private static RabbitMqServer rabbit;
    private static Path rabbitDir;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startRabbit() throws Exception {
        assumeTrue(RabbitMqServer.installed(), "rabbitmq-server (Debian package) is not installed: run scripts/test.sh");
        rabbitDir = Files.createTempDirectory("pulse-rabbitmq");
        rabbit = new RabbitMqServer(rabbitDir);
        rabbit.start();
    }

    @AfterAll
    static void stopRabbit() throws Exception {
        if (rabbit != null) {
            rabbit.close();
        }
    }

    private static PulseSimulator simulator(String exchange, int dcIds, int reactiveEvery) throws Exception {
        PulseSimulator.Options o = new PulseSimulator.Options();
        o.amqp = rabbit.url();
        o.exchange = exchange;
        o.dcIds = dcIds;
        o.reactiveEvery = reactiveEvery;
        o.powerW = 3600; // 1 s apart per dc_id in edge time
        PulseSimulator sim = new PulseSimulator(o);
        sim.connect();
        return sim;
    }

    private static BigDecimal kwh(long pulses) {
        return BigDecimal.valueOf(pulses).movePointLeft(3);
    }

    private static void assertNeverDecreases(List<BigDecimal> totals) {
        for (int i = 1; i < totals.size(); i++) {
            assertThat(totals.get(i)).as("total #%d after %s", i, totals.get(i - 1))
                    .isGreaterThanOrEqualTo(totals.get(i - 1));
        }
    }

    @Test
    void everyPulseCountedOnceWithDuplicatesAndGarbage() throws Exception {
        try (Gateway gw = new Gateway(tmp.resolve("state")); PulseSimulator sim = simulator("EX1", 3, 4)) {
            gw.manager.configure("house", Gateway.cfg("url", rabbit.url(), "exchange", "EX1"));
            gw.awaitState("house", DeviceState.ONLINE); // consuming and totals published, no pulse yet
            assertThat(gw.last("house", "active_energy")).contains(new BigDecimal("0.000"));

            sim.send(2000, 0);
            // the faults on a second round: duplicates and garbage bodies
            PulseSimulator faulty = faulty();
            faulty.send(1000, 0);
            long active = sim.activeSent() + faulty.activeSent();
            long reactive = sim.reactiveSent() + faulty.reactiveSent();
            gw.awaitTotal("house", "active_energy", kwh(active));
            gw.awaitTotal("house", "reactive_energy", kwh(reactive));
            await().atMost(10, TimeUnit.SECONDS).until(() -> gw.device("house").attributes().containsKey("rejected"));
            Map<String, String> attrs = gw.device("house").attributes();
            assertThat(attrs.get("rejected")).startsWith(faulty.garbageSent() + " (last: ");
            assertThat(Long.parseLong(attrs.get("duplicates"))).isEqualTo(faulty.duplicatesSent());
            assertThat(faulty.duplicatesSent()).isPositive();
            assertThat(faulty.garbageSent()).isPositive();
            assertNeverDecreases(gw.values("house", "active_energy"));
            assertThat(gw.last("house", "active_power").orElseThrow()).isPositive();
            faulty.close();
        }
        assertThat(rabbit.ready("meter2mqtt-house")).isZero();
    }

    private PulseSimulator faulty() throws Exception {
        PulseSimulator.Options o = new PulseSimulator.Options();
        o.amqp = rabbit.url();
        o.exchange = "EX1";
        o.dcIds = 3;
        o.reactiveEvery = 4;
        o.powerW = 3600;
        o.duplicates = 0.05;
        o.garbage = 0.02;
        o.startMs = System.currentTimeMillis() + 1000; // after the first round in edge time
        o.seed = 7;
        PulseSimulator s = new PulseSimulator(o);
        s.connect();
        return s;
    }

    @Test
    void gatewayStoppedAndStartedAndRabbitRestartedLoseAndDoubleNothing() throws Exception {
        List<Reading> all = new CopyOnWriteArrayList<>();
        Path state = tmp.resolve("state");
        PulseSimulator.Options o = new PulseSimulator.Options();
        o.amqp = rabbit.url();
        o.exchange = "EX2";
        o.dcIds = 4;
        o.powerW = 3600;
        o.startMs = System.currentTimeMillis() - 3_600_000L;
        PulseSimulator first = new PulseSimulator(o);
        first.connect();
        Map<String, String> cfg = Gateway.cfg("url", rabbit.url(), "exchange", "EX2", "prefetch", "200");
        Gateway gw = new Gateway(state, all, null);
        gw.manager.configure("m", cfg);
        gw.awaitState("m", DeviceState.ONLINE);
        Thread sender = new Thread(() -> {
            try {
                first.send(3000, 3000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        sender.start();
        for (int round = 0; round < 3; round++) {
            Thread.sleep(250);
            gw.close(); // the gateway goes away with pulses on the way; what it had not acknowledged comes again
            gw = new Gateway(state, all, null);
            gw.manager.configure("m", cfg);
            gw.awaitState("m", DeviceState.ONLINE);
        }
        sender.join();
        first.close();

        // RabbitMQ restarted while the device holds a connection: it goes OFFLINE and comes back on its own
        rabbit.stop();
        rabbit.start();
        gw.awaitState("m", DeviceState.ONLINE);
        o.startMs += 750 * 1000L; // the same edge after its broker came back: its clock went on
        PulseSimulator sim = new PulseSimulator(o);
        sim.connect();
        sim.send(500, 0);
        sim.close();

        gw.awaitTotal("m", "active_energy", kwh(3500));
        List<BigDecimal> totals = all.stream().filter(r -> r.channel().equals("active_energy")).map(Reading::number)
                .collect(java.util.stream.Collectors.toList());
        assertNeverDecreases(totals);
        Thread.sleep(300); // nothing more may come: an extra pulse would be a double count
        assertThat(gw.last("m", "active_energy")).contains(kwh(3500));
        gw.close();
        assertThat(rabbit.ready("meter2mqtt-m")).isZero();

        // started again on the same state: the saved total first, never 0
        all.clear();
        try (Gateway again = new Gateway(state, all, null)) {
            again.manager.configure("m", Gateway.cfg("url", rabbit.url(), "exchange", "EX2",
                    "energy.offset", "1000.5"));
            again.awaitState("m", DeviceState.ONLINE);
            assertThat(again.values("m", "active_energy").get(0)).isEqualByComparingTo("1004.000");
        }
    }

    @Test
    void aStateFolderThatCannotBeWrittenAcknowledgesNothingUntilItCanAgain() throws Exception {
        Path state = tmp.resolve("state");
        Map<String, String> cfg = Gateway.cfg("url", rabbit.url(), "exchange", "EX4");
        try (Gateway gw = new Gateway(state); PulseSimulator sim = simulator("EX4", 2, 0)) {
            gw.manager.configure("full", cfg);
            gw.awaitState("full", DeviceState.ONLINE);
            sim.send(100, 0);
            gw.awaitTotal("full", "active_energy", kwh(100));

            // the disk fails: the state folder replaced by a regular file (tests run as root: chmod stops nothing)
            Path aside = tmp.resolve("state.aside");
            Files.move(state, aside);
            Files.writeString(state, "in the way");
            sim.send(50, 0);
            await().atMost(60, TimeUnit.SECONDS).until(() -> gw.device("full").state() == DeviceState.OFFLINE
                    && String.valueOf(gw.device("full").reason()).contains("cannot write " + state));
            // nothing acknowledged: RabbitMQ holds all 50 for the next session; no total beyond the saved one
            await().atMost(60, TimeUnit.SECONDS).until(() -> rabbit.ready("meter2mqtt-full") == 50);
            assertThat(gw.last("full", "active_energy")).contains(kwh(100));
            assertThat(gw.device("full").state()).isNotEqualTo(DeviceState.ONLINE);

            // the disk is back: the device recovers by itself and counts each pulse once
            Files.delete(state);
            Files.move(aside, state);
            gw.awaitState("full", DeviceState.ONLINE);
            gw.awaitTotal("full", "active_energy", kwh(150));
            await().atMost(30, TimeUnit.SECONDS).until(() -> rabbit.ready("meter2mqtt-full") == 0);
            assertNeverDecreases(gw.values("full", "active_energy"));
        }
        // stopped and started: the saved total, all 150
        List<Reading> again = new CopyOnWriteArrayList<>();
        try (Gateway gw = new Gateway(state, again, null)) {
            gw.manager.configure("full", cfg);
            gw.awaitState("full", DeviceState.ONLINE);
            assertThat(gw.values("full", "active_energy").get(0)).isEqualByComparingTo(kwh(150));
        }
    }

    @Test
    void badBodiesGoToTheDeadLetterExchangeWhenTheQueueHasOne() throws Exception {
        try (Connection c = rabbit.connect(); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("EX3", "topic", true);
            ch.exchangeDeclare("dlx", "fanout", true);
            ch.queueDeclare("dead", true, false, false, null);
            ch.queueBind("dead", "dlx", "");
            ch.queueDeclare("meter2mqtt-dl", true, false, false, Map.of("x-dead-letter-exchange", "dlx"));
            try (Gateway gw = new Gateway(tmp.resolve("state"))) {
                gw.manager.configure("dl", Gateway.cfg("url", rabbit.url() + "/%2F", "exchange", "EX3"));
                gw.awaitState("dl", DeviceState.ONLINE);
                AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
                long now = System.currentTimeMillis();
                ch.basicPublish("EX3", "EMDC.EVENTS.ACTIVE", p, "garbage".getBytes(StandardCharsets.UTF_8));
                ch.basicPublish("EX3", "EMDC.EVENTS.ACTIVE", p, ("{\"ts\":" + now + ",\"dc_id\":1,\"rarr\":0}")
                        .getBytes(StandardCharsets.UTF_8));
                ch.basicPublish("EX3", "EMDC.EVENTS.ACTIVE", p, ("{\"ts\":" + (now + 7_200_000) + ",\"dc_id\":1}")
                        .getBytes(StandardCharsets.UTF_8));
                gw.awaitTotal("dl", "active_energy", new BigDecimal("0.001"));
                await().atMost(10, TimeUnit.SECONDS).until(() -> rabbit.ready("dead") == 2);
                await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(gw.device("dl").attributes()
                        .getOrDefault("rejected", "")).contains("more than one hour ahead"));
                assertThat(gw.device("dl").attributes().get("rejected")).startsWith("2 (last: ");
            }
        }
    }

    /**
     * A deleted device's queue stays bound to the edge's exchange and would take every pulse from then on, until
     * RabbitMQ's disk or memory alarm blocks the edges. A gateway stop must keep it; a queue the user named is theirs.
     */
    @Test
    void deletingADeviceDeletesItsOwnQueueAndKeepsANamedOne() throws Exception {
        try (Connection c = rabbit.connect(); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("EX5", "topic", true);
            ch.queueDeclare("users-queue", true, false, false, null);
        }
        Path state = tmp.resolve("state");
        Map<String, String> own = Gateway.cfg("url", rabbit.url(), "exchange", "EX5");
        Map<String, String> named = Gateway.cfg("url", rabbit.url(), "exchange", "EX5", "queue", "users-queue");
        try (Gateway gw = new Gateway(state)) {
            gw.manager.configure("gone", own);
            gw.manager.configure("named", named);
            gw.awaitState("gone", DeviceState.ONLINE);
            gw.awaitState("named", DeviceState.ONLINE);
        }
        publishPulse("EX5");
        assertThat(rabbit.ready("meter2mqtt-gone")).as("kept across a stop").isEqualTo(1);

        try (Gateway gw = new Gateway(state)) {
            gw.manager.configure("gone", own);
            gw.manager.configure("named", named);
            gw.awaitTotal("gone", "active_energy", new BigDecimal("0.001"));
            gw.awaitTotal("named", "active_energy", new BigDecimal("0.001"));
            gw.manager.delete("gone");
            gw.manager.delete("named");
        }
        assertThatThrownBy(() -> rabbit.ready("meter2mqtt-gone")).isInstanceOf(IOException.class)
                .hasStackTraceContaining("NOT_FOUND");
        publishPulse("EX5");
        assertThat(rabbit.ready("users-queue")).as("the named queue, still bound").isEqualTo(1);
    }

    private static void publishPulse(String exchange) throws Exception {
        try (Connection c = rabbit.connect(); Channel ch = c.createChannel()) {
            ch.confirmSelect(); // routed into the queues before ready() counts them
            AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            ch.basicPublish(exchange, "EMDC.EVENTS.ACTIVE", p, ("{\"ts\":" + System.currentTimeMillis()
                    + ",\"dc_id\":1,\"rarr\":0}").getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(5_000);
        }
    }

    @Test
    void aWrongConfigurationIsAConfigErrorWithTheReason() throws Exception {
        try (Gateway gw = new Gateway(tmp.resolve("state"))) {
            gw.manager.configure("both", Gateway.cfg("url", rabbit.url(), "wh.per.pulse", "1", "imp.per.kwh", "800"));
            gw.manager.configure("scheme", Gateway.cfg("url", "http://localhost:5672"));
            gw.manager.configure("secret", Gateway.cfg("url", "amqp://user:hunter2@127.0.0.1:1", "password", "x"));
            gw.awaitState("both", DeviceState.CONFIG_ERROR);
            gw.awaitState("scheme", DeviceState.CONFIG_ERROR);
            assertThat(gw.device("both").reason()).contains("either wh.per.pulse or imp.per.kwh");
            assertThat(gw.device("scheme").reason()).contains("'http' is not amqp://");
            // a broker that is not there: OFFLINE with the reason, and the password in the URL never shown
            gw.awaitState("secret", DeviceState.OFFLINE);
            assertThat(gw.device("secret").reason()).doesNotContain("hunter2");
            assertThat(gw.device("secret").attributes().get("source")).doesNotContain("hunter2");
        }
    }
}
