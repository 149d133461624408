package org.meter2mqtt.bench.mqtt;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.mqtt.MqttPublisher;
import org.meter2mqtt.mqtt.MqttSettings;

/**
 * Feeds {@code batches} readings batches round-robin over {@code devices} meters into the real publisher
 * (Paho, discovery on, disk buffer when needed) and measures the rate at which mosquitto acknowledges them
 * (QoS 1) or they are written to the socket (QoS 0). The ceiling is mosquitto_pub -l sending the same number of
 * messages of about the same size to the same broker; see README.md for why it is measured the way it is.
 * Both sides are checked against the broker's own count of PUBLISH packets received ($SYS).
 */
public final class PublisherBench {

    /** Below 65,535: mosquitto_pub -l stops at the first PUBACK for the last message id, which wraps. */
    private static final int CHUNK_QOS1 = 50_000;
    /** Batches waiting in the publisher beyond which the feeder pauses (below its direct-path backlog). */
    private static final int FEED_BACKLOG = 1_000;
    /** The broker's pid, for its CPU time. */
    private static long brokerPid;
    /** Where the cores went during each side's timed interval (ceiling, publisher). */
    private static String ceilingCpu;
    private static String publisherCpu;

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int batches = Integer.parseInt(args[1]);
        int channels = Integer.parseInt(args[2]);
        int qos = Integer.parseInt(args[3]);
        int messagesPerBatch = channels + 1;
        long messages = (long) batches * messagesPerBatch;
        Path dir = Files.createTempDirectory("bench-mqtt");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence false\nmax_inflight_messages 0\nmax_queued_messages 0\nlog_type error\nuser root\n"
                + "sys_interval 1\n");
        Process broker = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        brokerPid = broker.pid();
        int inflight = Integer.getInteger("inflight", 1000);
        try {
            awaitPort(port);
            double[] ceiling = ceiling(dir, port, qos, devices, batches, channels, inflight);
            double[] ours = publisher(dir, port, qos, devices, batches, channels, messages, inflight);
            System.out.printf("QoS %d, %d devices, %d batches x %d channels = %d messages, in-flight window %d%n",
                    qos, devices, batches, channels, messages, inflight);
            System.out.printf("  mosquitto_pub -l ceiling : %,10.0f msg/s (%d runs, net of %.0f ms start-up each; "
                    + "raw %,.0f msg/s); broker counted %,d%n", ceiling[0], (long) ceiling[2], ceiling[3],
                    ceiling[1], (long) ceiling[4]);
            System.out.printf("  meter2mqtt publisher     : %,10.0f msg/s = %,.0f readings/s = %,.0f batches/s "
                    + "(%.2fx ceiling); broker counted %,d of %,d%n", ours[0], ours[0] * channels / messagesPerBatch,
                    ours[0] / messagesPerBatch, ours[0] / ceiling[0], (long) ours[4], (long) ours[5]);
            System.out.printf("  publisher JVM: CPU %.2f cores while sending, RSS %.0f MiB (peak %.0f MiB), "
                    + "heap -Xmx128m%n", ours[1], ours[2], ours[3]);
            System.out.printf("  cores while the ceiling ran  : %s%n", ceilingCpu);
            System.out.printf("  cores while the publisher ran: %s%n", publisherCpu);
        } finally {
            broker.destroy();
            broker.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * mosquitto_pub -l over the same number of lines, in runs of at most {@link #CHUNK_QOS1} at QoS 1 (one run at
     * QoS 0), with the publisher's in-flight window. Each run's fixed start-up and shut-down (about 200 ms of
     * sleeps in mosquitto_pub, measured with one-line runs) is subtracted, so the ceiling is the sending rate.
     *
     * @return net msg/s, raw msg/s, runs, start-up ms per run, PUBLISH packets the broker counted
     */
    private static double[] ceiling(Path dir, int port, int qos, int devices, int batches, int channels,
            int inflight) throws Exception {
        List<String> payloads = payloads(devices, batches, channels);
        long messages = payloads.size();
        long chunk = qos == 0 ? messages : CHUNK_QOS1;
        List<Path> files = new ArrayList<>();
        for (int start = 0; start < messages; start += chunk) {
            StringBuilder sb = new StringBuilder();
            for (String line : payloads.subList(start, (int) Math.min(messages, start + chunk))) {
                sb.append(line).append('\n');
            }
            Path f = dir.resolve("lines-" + files.size() + ".txt");
            Files.writeString(f, sb);
            files.add(f);
        }
        Path one = dir.resolve("one.txt");
        Files.writeString(one, payloads.get(payloads.size() - 1) + "\n");
        long before = sysReceived(port, -1);
        long[] startup = new long[5];
        for (int i = 0; i < startup.length; i++) {
            startup[i] = mosquittoPub(dir, port, qos, inflight, one);
        }
        java.util.Arrays.sort(startup);
        long fixed = startup[startup.length / 2];
        long total = 0;
        Map<String, Double> self0 = ProcCpu.snapshot(ProcessHandle.current().pid());
        Map<String, Double> broker0 = ProcCpu.snapshot(brokerPid);
        for (Path f : files) {
            total += mosquittoPub(dir, port, qos, inflight, f);
        }
        ceilingCpu = String.format("mosquitto_pub %.2f",
                (ProcCpu.snapshot(ProcessHandle.current().pid()).get("children") - self0.get("children")) / total)
                + "; broker " + ProcCpu.cores(broker0, ProcCpu.snapshot(brokerPid), total / 1e9, messages);
        long counted = sysReceived(port, before + startup.length + messages) - before - startup.length;
        if (counted != messages) {
            throw new IllegalStateException("mosquitto_pub: the broker counted " + counted + " of " + messages);
        }
        long net = total - files.size() * fixed;
        return new double[] { messages / (net / 1e9), messages / (total / 1e9), files.size(), fixed / 1e6, counted };
    }

    /** The payloads the publisher sends for the bench's batches, in order: the values, then the JSON state. */
    private static List<String> payloads(int devices, int batches, int channels) {
        List<String> out = new ArrayList<>(batches * (channels + 1));
        Instant ts = Instant.parse("2024-03-01T00:00:00Z");
        for (int b = 0; b < batches; b++) {
            StringBuilder state = new StringBuilder("{\"timestamp\":\"").append(ts.plusSeconds(b / devices))
                    .append('"');
            for (Reading r : readings(b, devices, channels, ts)) {
                String v = r.number().toPlainString();
                out.add(v);
                state.append(",\"").append(r.channel()).append("\":").append(v);
            }
            out.add(state.append('}').toString());
        }
        return out;
    }

    /** The readings of batch {@code b}: a growing energy counter and constant powers. */
    private static List<Reading> readings(int b, int devices, int channels, Instant ts) {
        List<Reading> rs = new ArrayList<>(channels);
        Instant t = ts.plusSeconds(b / devices);
        rs.add(Reading.of("energy_import", BigDecimal.valueOf(1000 + b / devices, 3), t));
        for (int c = 1; c < channels; c++) {
            rs.add(Reading.of("power_l" + c, BigDecimal.valueOf(230 + c), t));
        }
        return rs;
    }

    /** One mosquitto_pub -l run; its wall time in ns. */
    private static long mosquittoPub(Path dir, int port, int qos, int inflight, Path lines) throws Exception {
        long t0 = System.nanoTime();
        Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(port), "-q",
                Integer.toString(qos), "-M", Integer.toString(inflight), "-t", "meters/kpm33b/m500/power_l1", "-l",
                "-i", "ceiling").redirectInput(lines.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("pub.log").toFile()).start();
        if (!pub.waitFor(600, TimeUnit.SECONDS) || pub.exitValue() != 0) {
            throw new IllegalStateException("mosquitto_pub failed: " + Files.readString(dir.resolve("pub.log")));
        }
        return System.nanoTime() - t0;
    }

    /**
     * The broker's count of PUBLISH packets received ($SYS, updated every second); waits up to 5 s for it to reach
     * {@code atLeast}, then returns what it has.
     */
    private static long sysReceived(int port, long atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            Process sub = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(port), "-t",
                    "$SYS/broker/publish/messages/received", "-C", "1", "-W", "5").redirectErrorStream(true).start();
            String out = new String(sub.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            sub.waitFor(10, TimeUnit.SECONDS);
            long n;
            try {
                n = Long.parseLong(out);
            } catch (NumberFormatException e) {
                throw new IllegalStateException("unexpected $SYS answer from mosquitto_sub: " + out, e);
            }
            if (n >= atLeast || System.nanoTime() > deadline) {
                return n;
            }
            Thread.sleep(200);
        }
    }

    private static double[] publisher(Path dir, int port, int qos, int devices, int batches, int channels,
            long messages, int inflight) throws Exception {
        long before = sysReceived(port, -1);
        MqttPublisher p = new MqttPublisher(dir.resolve("gateway"), "bench", Clock.systemUTC());
        p.start(MqttSettings.builder().url("tcp://127.0.0.1:" + port).gatewayId("bench").qos(qos).maxInflight(inflight)
                .buffer(256L << 20, Duration.ofDays(1), Duration.ofSeconds(1)).build());
        List<Channel> chs = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            chs.add(c == 0 ? Channel.builder("energy_import").unit(Units.KWH).deviceClass(Units.CLASS_ENERGY)
                    .stateClass(Channel.StateClass.TOTAL_INCREASING).build()
                    : Channel.builder("power_l" + c).unit(Units.W).deviceClass(Units.CLASS_POWER).build());
        }
        List<DeviceInfo> infos = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            DeviceInfo info = DeviceInfo.builder("m" + d, DeviceState.ONLINE).driver("kpm33b", "1.0.0")
                    .model("KPM", "33B").channels(chs).build();
            infos.add(info);
            p.deviceChanged(info);
        }
        // Discovery and statuses first (not timed): gateway status + config, one config per channel, statuses.
        long control = 2L + (long) devices * channels + devices;
        awaitPublished(p, control, 120);
        Instant ts = Instant.parse("2024-03-01T00:00:00Z");
        // Untimed warm-up: the rate asked for is the one the publisher sustains, i.e. after the JIT compiled it
        // (without this, its compiler threads took 0.35 of the 2 cores during the timed interval).
        int warmup = Integer.getInteger("warmup", batches);
        feed(p, infos, 0, warmup, devices, channels, ts);
        long warmMessages = (long) warmup * (channels + 1);
        awaitPublished(p, control + warmMessages, 600);
        before = sysReceived(port, before + warmMessages);
        Map<String, Double> self0 = ProcCpu.snapshot(ProcessHandle.current().pid());
        Map<String, Double> broker0 = ProcCpu.snapshot(brokerPid);
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        // Same payload sizes as the ceiling's (batch numbers up to 2 x batches keep the digits of the values).
        feed(p, infos, warmup, batches, devices, channels, ts);
        awaitPublished(p, control + warmMessages + messages, 600);
        double secs = (System.nanoTime() - t0) / 1e9;
        double cores = (cpuNanos() - cpu0) / 1e9 / secs;
        publisherCpu = "JVM " + ProcCpu.cores(self0, ProcCpu.snapshot(ProcessHandle.current().pid()), secs, messages)
                + "; broker " + ProcCpu.cores(broker0, ProcCpu.snapshot(brokerPid), secs, messages);
        double[] rss = rss();
        if (p.dropped() != 0 || p.rejected() != 0) {
            throw new IllegalStateException("dropped " + p.dropped() + ", rejected " + p.rejected());
        }
        long published = p.published() - warmMessages; // as printed: the timed messages + discovery and statuses
        // The broker does not count retained PUBLISHes (discovery, statuses): expect exactly the readings.
        long counted = sysReceived(port, before + messages) - before;
        p.close();
        if (counted != messages) {
            throw new IllegalStateException("publisher: the broker counted " + counted + " of " + messages);
        }
        return new double[] { messages / secs, cores, rss[0], rss[1], counted, published };
    }

    /** Feeds batches {@code from} to {@code from + n - 1}, pausing while the publisher holds a backlog. */
    private static void feed(MqttPublisher p, List<DeviceInfo> infos, int from, int n, int devices, int channels,
            Instant ts) throws InterruptedException {
        for (int b = from; b < from + n; b++) {
            while (p.buffered() > FEED_BACKLOG) {
                Thread.sleep(1);
            }
            p.readings(infos.get(b % infos.size()), readings(b, devices, channels, ts));
        }
    }

    private static void awaitPublished(MqttPublisher p, long n, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (p.published() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + p.published() + " of " + n + " published; " + p.state()
                        + " " + p.detail());
            }
            Thread.sleep(1);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** VmRSS and VmHWM in MiB. */
    private static double[] rss() throws IOException {
        double rss = 0;
        double hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            } else if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return new double[] { rss, hwm };
    }

    private static void awaitPort(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not start on " + port);
    }
}
