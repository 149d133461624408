package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;

/**
 * Nothing lost on a crash: a publisher in its own JVM takes batches while its connection is up but nothing is
 * acknowledged (a {@link Relay} that swallows what it receives), or while the broker is unreachable, and is killed
 * with SIGKILL more than a second later. A new publisher on the same data folder delivers every batch, in order.
 */
class CrashTest extends OnMosquitto {

    private static final String STATE = "meters/demo/e1/state";

    /** The child: a publisher to {@code args[1]} on data folder {@code args[0]}, fed {@code args[2]} batches. */
    public static void main(String[] args) throws Exception {
        MqttPublisher p = new MqttPublisher(Path.of(args[0]), "0.1.0", Clock.systemUTC());
        p.start(PublisherTest.settings(args[1]).build());
        DeviceInfo e1 = Devices.meter("e1", Devices.SEQ);
        p.deviceChanged(e1);
        if (args.length > 3) {
            // connected first, so the batches take the direct path (from memory)
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::state,
                    s -> s == org.meter2mqtt.mqtt.status.MqttOutputStatus.State.CONNECTED);
            Thread.sleep(300);
            System.out.println("CONNECTED");
            System.out.flush();
            // the parent freezes the relay, then says go
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        int n = Integer.parseInt(args[2]);
        for (int i = 1; i <= n; i++) {
            p.readings(e1, Devices.readings(PublisherTest.T0.plusSeconds(i), "seq", i));
        }
        // taken by the publisher thread (no time asserted: a cold JVM on a loaded machine takes a while), then more
        // than a second before the kill
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(p::takenToDisk, b -> b >= n);
        Thread.sleep(1500);
        System.out.println("FED " + p.buffered() + " " + p.published());
        System.out.flush();
        Thread.sleep(60_000);
    }

    private static String runAndKill(Path data, String url, int n, Relay relay) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), CrashTest.class.getName(), data.toString(), url,
                Integer.toString(n)));
        if (relay != null) {
            cmd.add("connected");
        }
        Process child = new ProcessBuilder(cmd).redirectError(tmp.resolve("child-" + n + ".err").toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            if (relay != null) {
                assertThat(out.readLine()).isEqualTo("CONNECTED");
                // from now on the connection stays up, but nothing reaches the broker and nothing is acknowledged
                relay.freeze();
                child.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
                child.getOutputStream().flush();
            }
            String line = out.readLine();
            // SIGKILL: no shutdown hook, no close, nothing flushed by Java
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);
            return line;
        }
    }

    private void deliveredAfterRestart(Path data, int n) throws Exception {
        try (Subscriber witness = new Subscriber(broker.url(), "witness-" + System.nanoTime(), true, STATE)) {
            MqttPublisher p = new MqttPublisher(data, "0.1.0", Clock.systemUTC());
            p.start(PublisherTest.settings(broker.url()).build());
            try {
                p.deviceChanged(Devices.meter("e1", Devices.SEQ));
                witness.awaitCount(STATE, n);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(p::buffered, b -> b == 0);
                Thread.sleep(300);
                assertThat(PublisherTest.seqs(witness, STATE))
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, n).boxed().toList());
            } finally {
                p.close();
            }
        }
    }

    @Test
    void connectedButNothingAcknowledged() throws Exception {
        Path data = tmp.resolve("swallowed");
        try (Relay relay = new Relay(broker.port)) {
            String fed = runAndKill(data, relay.url(), 300, relay);
            // all 300 taken and unacknowledged (held in memory and on disk); only the retained messages sent before
            // the freeze (gateway status, discovery, device status) were acknowledged
            assertThat(fed).startsWith("FED 300 ");
        }
        deliveredAfterRestart(data, 300);
    }

    /**
     * A broker host that drops the connection attempts (a blackhole: nothing answers the SYN) keeps the publisher in
     * a connect attempt for the whole connect timeout; batches handed over meanwhile still reach the disk.
     */
    @Test
    void brokerHostSilent() throws Exception {
        Path data = tmp.resolve("silent");
        // a listening socket that never accepts: the TCP handshake completes in the kernel backlog, MQTT's never
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String fed = runAndKill(data, "tcp://127.0.0.1:" + silent.getLocalPort(), 100, null);
            assertThat(fed).isEqualTo("FED 100 0");
        }
        deliveredAfterRestart(data, 100);
    }

    @Test
    void brokerDown() throws Exception {
        Path data = tmp.resolve("down");
        String fed = runAndKill(data, "tcp://127.0.0.1:" + TestBroker.freePort(), 200, null);
        assertThat(fed).isEqualTo("FED 200 0");
        deliveredAfterRestart(data, 200);
    }
}
