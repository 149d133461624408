package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.meter2mqtt.core.FileStateStore;

/**
 * Nothing lost on a crash, with the real distribution as an operator runs it ({@code bin/start}, not Pax Exam: the
 * test must survive the gateway it kills). A counter device (the test driver, one reading a second, its count kept
 * in the device state) publishes through the MQTT output; the gateway's JVM is killed with SIGKILL while (a) the
 * connection is up but a relay swallows everything (nothing is acknowledged) and (b) the broker is down. After a
 * restart every count produced more than a second before the kill arrives at Mosquitto, first occurrences in
 * order (at least once: a count in flight at the kill may come twice).
 */
public class CrashIT {

    private static final String COUNT = "meters/counter/c1/count";

    private final List<AutoCloseable> open = new ArrayList<>();
    private Path gw;
    private ExternalProcess mosquitto;
    private int brokerPort;
    /** When the device state said what count: the counts the gateway produced, by time. */
    private final NavigableMap<Long, Long> produced = new ConcurrentSkipListMap<>();
    private volatile boolean watching;

    @Before
    public void setUp() throws Exception {
        Path dist = Paths.get("..", "karaf-assembly", "target", "assembly").toAbsolutePath().normalize();
        assertTrue("build the distribution first: " + dist, Files.isDirectory(dist.resolve("bin")));
        gw = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "crash-gw-");
        ExternalProcess.run(120, "cp", "-r", dist + "/.", gw.toString());
        deleteTree(gw.resolve("data"));
        brokerPort = GatewayTestSupport.freePort();
        mosquitto = ExternalProcess.mosquitto(Files.createDirectories(gw.resolveSibling(gw.getFileName() + "-mq")),
                brokerPort);
        open.add(mosquitto);
        Path etc = gw.resolve("etc");
        for (String demo : List.of("demo-house", "demo-solar")) {
            Files.deleteIfExists(etc.resolve("org.meter2mqtt.device-" + demo + ".cfg"));
        }
        set(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort", Integer.toString(GatewayTestSupport.freePort()));
        // the status page off 8181 too, so another gateway on this machine cannot collide with this one
        String http = Integer.toString(GatewayTestSupport.freePort());
        set(etc.resolve("org.meter2mqtt.http.cfg"), "port", http);
        set(etc.resolve("org.ops4j.pax.web.cfg"), "org.osgi.service.http.port", http);
        set(etc.resolve("org.meter2mqtt.broker.cfg"), "enabled", "false");
        set(etc.resolve("org.meter2mqtt.mqtt.cfg"), "gateway.id", "crash");
        // the power-cut bound, not the crash bound: a kill -9 keeps what the OS has, synced or not
        set(etc.resolve("org.meter2mqtt.mqtt.cfg"), "buffer.fsync.ms", "1000");
        Files.copy(Paths.get(System.getProperty("testdriver.jar")), gw.resolve("deploy").resolve("testdriver.jar"));
        Files.writeString(etc.resolve("org.meter2mqtt.device-c1.cfg"), "driver = counter\npoll.interval = 1\n");
    }

    @After
    public void tearDown() throws Exception {
        watching = false;
        killGateway();
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    public void killedWhileTheBrokerAcknowledgesNothing() throws Exception {
        try (SwallowingRelay relay = new SwallowingRelay(brokerPort);
                MqttRecorder witness = MqttRecorder.subscribe("tcp://127.0.0.1:" + brokerPort, "witness", COUNT, 1)) {
            set(gw.resolve("etc").resolve("org.meter2mqtt.mqtt.cfg"), "url", relay.url());
            startGateway();
            await("readings reach Mosquitto", 90, () -> witness.on(COUNT).size() >= 3);
            relay.swallow();
            long swallowedFrom = counts(witness).get(counts(witness).size() - 1);
            // at least 5 readings produced while nothing is acknowledged, then more than a second
            await("counts produced while swallowed", 30, () -> lastProduced() >= swallowedFrom + 5);
            long killAt = System.currentTimeMillis();
            Thread.sleep(1200);
            long mustArrive = producedAt(killAt);
            killGateway();
            relay.passThrough();
            startGateway();
            await("every count up to " + mustArrive + " delivered after the restart", 60,
                    () -> counts(witness).contains(mustArrive));
            assertAllInOrder(counts(witness), mustArrive);
        }
    }

    @Test
    public void killedWhileTheBrokerIsDown() throws Exception {
        set(gw.resolve("etc").resolve("org.meter2mqtt.mqtt.cfg"), "url",
                "tcp://127.0.0.1:" + GatewayTestSupport.freePort());
        startGateway();
        await("counts produced with the broker down", 90, () -> lastProduced() >= 5);
        long killAt = System.currentTimeMillis();
        Thread.sleep(1200);
        long mustArrive = producedAt(killAt);
        killGateway();
        try (MqttRecorder witness = MqttRecorder.subscribe("tcp://127.0.0.1:" + brokerPort, "witness", COUNT, 1)) {
            set(gw.resolve("etc").resolve("org.meter2mqtt.mqtt.cfg"), "url", "tcp://127.0.0.1:" + brokerPort);
            startGateway();
            await("every count up to " + mustArrive + " delivered after the restart", 90,
                    () -> counts(witness).contains(mustArrive));
            assertAllInOrder(counts(witness), mustArrive);
        }
    }

    /** 1..mustArrive all there, and their first occurrences in increasing order. */
    private static void assertAllInOrder(List<Long> got, long mustArrive) {
        Set<Long> first = new LinkedHashSet<>(got);
        List<Long> firsts = new ArrayList<>(first);
        for (int i = 1; i < firsts.size(); i++) {
            assertTrue("in order: " + got, firsts.get(i) > firsts.get(i - 1));
        }
        for (long c = 1; c <= mustArrive; c++) {
            assertTrue("count " + c + " delivered: " + got, first.contains(c));
        }
        assertEquals("starts at the first count", Long.valueOf(1), firsts.get(0));
    }

    private static List<Long> counts(MqttRecorder witness) {
        List<Long> out = new ArrayList<>();
        for (MqttRecorder.Msg m : witness.on(COUNT)) {
            out.add(new BigDecimal(m.text()).longValueExact());
        }
        return out;
    }

    private long lastProduced() {
        return produced.isEmpty() ? 0 : produced.lastEntry().getValue();
    }

    /** The count the device state held at {@code millis}: everything up to it was produced by then. */
    private long producedAt(long millis) {
        Map.Entry<Long, Long> e = produced.floorEntry(millis);
        return e == null ? 0 : e.getValue();
    }

    private void startGateway() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(gw.resolve("bin").resolve("start").toString())
                .redirectErrorStream(true).redirectOutput(gw.resolve("start.out").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Files.deleteIfExists(gw.resolve("karaf.pid"));
        assertEquals(0, pb.start().waitFor());
        await("karaf.pid", 30, () -> Files.exists(gw.resolve("karaf.pid")));
        if (!watching) {
            watching = true;
            Thread t = new Thread(this::watchState, "crash-it-state");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Samples the device's state (its file plus the journal of changes), written before every reading is handed
     * to the outputs; read the way the gateway loads it, without touching it.
     */
    private void watchState() {
        Path f = gw.resolve("data").resolve("meter2mqtt").resolve("devices").resolve("c1.properties");
        while (watching) {
            try {
                if (Files.exists(f)) {
                    String c = FileStateStore.peek(f).get("count");
                    if (c != null) {
                        produced.put(System.currentTimeMillis(), Long.parseLong(c.trim()));
                    }
                }
                Thread.sleep(50);
            } catch (RuntimeException e) {
                // a rename in progress: next sample
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void killGateway() throws Exception {
        Path pidFile = gw == null ? null : gw.resolve("karaf.pid");
        if (pidFile == null || !Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly(); // SIGKILL
            h.onExit().join();
        });
        Files.deleteIfExists(pidFile);
    }

    private static void set(Path cfg, String key, String value) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(cfg));
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("^\\s*" + java.util.regex.Pattern.quote(key) + "\\s*=.*")) {
                lines.set(i, key + " = " + value);
                found = true;
            }
        }
        if (!found) {
            lines.add(key + " = " + value);
        }
        Files.write(cfg, lines);
    }

    private static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(x -> x.toFile().delete());
        }
    }
}
