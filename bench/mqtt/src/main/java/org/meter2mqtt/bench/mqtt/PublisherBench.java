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
 * (disk buffer, Paho, discovery on) and measures the rate at which mosquitto acknowledges them (QoS 1) or
 * they are written (QoS 0). The ceiling is mosquitto_pub -l sending the same number of messages.
 */
public final class PublisherBench {

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
                + "persistence false\nmax_inflight_messages 0\nmax_queued_messages 0\nlog_type error\nuser root\n");
        Process broker = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        try {
            awaitPort(port);
            double ceiling = ceiling(dir, port, qos, messages);
            double[] ours = publisher(dir, port, qos, devices, batches, channels, messages);
            System.out.printf("QoS %d, %d devices, %d batches x %d channels = %d messages%n", qos, devices, batches,
                    channels, messages);
            System.out.printf("  mosquitto_pub -l ceiling : %,10.0f msg/s%n", ceiling);
            System.out.printf("  meter2mqtt publisher     : %,10.0f msg/s = %,.0f readings/s = %,.0f batches/s "
                    + "(%.2fx ceiling)%n", ours[0], ours[0] * channels / messagesPerBatch,
                    ours[0] / messagesPerBatch, ours[0] / ceiling);
            System.out.printf("  publisher JVM: CPU %.2f cores while sending, RSS %.0f MiB (peak %.0f MiB), "
                    + "heap -Xmx128m%n", ours[1], ours[2], ours[3]);
        } finally {
            broker.destroy();
            broker.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static double ceiling(Path dir, int port, int qos, long messages) throws Exception {
        Path lines = dir.resolve("lines.txt");
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < messages; i++) {
            // About the size of a value / state message.
            sb.append("{\"timestamp\":\"2024-03-01T10:15:30Z\",\"seq\":").append(i).append("}\n");
        }
        Files.writeString(lines, sb);
        long t0 = System.nanoTime();
        Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(port), "-q",
                Integer.toString(qos), "-t", "meters/bench/ceiling/state", "-l", "-i", "ceiling")
                .redirectInput(lines.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("pub.log").toFile()).start();
        if (!pub.waitFor(600, TimeUnit.SECONDS) || pub.exitValue() != 0) {
            throw new IllegalStateException("mosquitto_pub failed: " + Files.readString(dir.resolve("pub.log")));
        }
        return messages / ((System.nanoTime() - t0) / 1e9);
    }

    private static double[] publisher(Path dir, int port, int qos, int devices, int batches, int channels,
            long messages) throws Exception {
        MqttPublisher p = new MqttPublisher(dir.resolve("gateway"), "bench", Clock.systemUTC());
        p.start(MqttSettings.builder().url("tcp://127.0.0.1:" + port).gatewayId("bench").qos(qos).maxInflight(Integer.getInteger("inflight", 1000))
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
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        Instant ts = Instant.parse("2024-03-01T00:00:00Z");
        for (int b = 0; b < batches; b++) {
            while (p.buffered() > 20_000) {
                Thread.sleep(1);
            }
            int d = b % devices;
            List<Reading> rs = new ArrayList<>(channels);
            Instant t = ts.plusSeconds(b / devices);
            rs.add(Reading.of("energy_import", BigDecimal.valueOf(1000 + b / devices, 3), t));
            for (int c = 1; c < channels; c++) {
                rs.add(Reading.of("power_l" + c, BigDecimal.valueOf(230 + c), t));
            }
            p.readings(infos.get(d), rs);
        }
        awaitPublished(p, control + messages, 600);
        double secs = (System.nanoTime() - t0) / 1e9;
        double cores = (cpuNanos() - cpu0) / 1e9 / secs;
        double[] rss = rss();
        if (p.dropped() != 0 || p.rejected() != 0) {
            throw new IllegalStateException("dropped " + p.dropped() + ", rejected " + p.rejected());
        }
        p.close();
        return new double[] { messages / secs, cores, rss[0], rss[1] };
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
