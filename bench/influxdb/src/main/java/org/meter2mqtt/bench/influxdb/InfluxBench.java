package org.meter2mqtt.bench.influxdb;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.influxdb.InfluxOutput;
import org.meter2mqtt.influxdb.InfluxSettings;
import org.meter2mqtt.influxdb.Schema;

/**
 * Points/s the InfluxDB output writes to a local InfluxDB 1.6, against the ceiling of posting exactly the same
 * lines with one curl process in batches of 5000 (one connection, {@code --next} per batch), and the output's
 * CPU per 1000 points. Every side writes into a fresh database; the count is checked with a query.
 * Args: devices points-per-device rounds.
 */
public final class InfluxBench {

    private static final String[] CHANNELS = { "energy_import", "power_import", "voltage_l1" };
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private InfluxBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int perDevice = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int total = devices * perDevice;
        Path dir = Files.createTempDirectory("bench-influxdb");
        int port = freePort();
        Process influxd = startInflux(dir, port);
        String url = "http://127.0.0.1:" + port;
        try {
            List<DeviceInfo> devs = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                List<Channel> ch = new ArrayList<>();
                for (String c : CHANNELS) {
                    ch.add(Channel.builder(c).build());
                }
                devs.add(DeviceInfo.builder("m" + d, DeviceState.ONLINE).name("Meter " + d).driver("kpm33b", "1")
                        .channels(ch).build());
            }
            // readings as the core hands them over: one batch per device and moment, built before the clock runs
            List<List<Reading>> batches = new ArrayList<>(total);
            for (int i = 0; i < perDevice; i++) {
                for (int d = 0; d < devices; d++) {
                    Instant t = T0.plusMillis(i * 1000L + d);
                    batches.add(List.of(Reading.of("energy_import", 10_000 + i * 0.125 + d, t),
                            Reading.of("power_import", 1000 + (i * 7 + d) % 500 + 0.5, t),
                            Reading.of("voltage_l1", 230 + ((i + d) % 10) / 10.0, t)));
                }
            }
            Path files = Files.createDirectories(dir.resolve("curl"));
            Path curlConfig = writeCurlBatches(devs, batches, files, url);
            System.out.printf(Locale.ROOT, "%d devices x %d moments = %d points of %d fields, batches of 5000%n",
                    devices, perDevice, total, CHANNELS.length);

            // warm-up (JIT), not counted
            runOutput(url, dir, "warmup", devs, batches, true, influxd);
            List<double[]> gz = new ArrayList<>();
            List<double[]> plain = new ArrayList<>();
            List<Double> ceiling = new ArrayList<>();
            List<Double> ratioPlain = new ArrayList<>();
            List<Double> ratioGzip = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                // the machine is shared: alternate the order, and compare each round's sides with each other
                if (r % 2 == 1) {
                    ceiling.add(runCurl(url, "curl" + r, curlConfig, total));
                    plain.add(runOutput(url, dir, "plain" + r, devs, batches, false, influxd));
                    gz.add(runOutput(url, dir, "gzip" + r, devs, batches, true, influxd));
                } else {
                    gz.add(runOutput(url, dir, "gzip" + r, devs, batches, true, influxd));
                    plain.add(runOutput(url, dir, "plain" + r, devs, batches, false, influxd));
                    ceiling.add(runCurl(url, "curl" + r, curlConfig, total));
                }
                ratioPlain.add(plain.get(r - 1)[0] / ceiling.get(r - 1));
                ratioGzip.add(gz.get(r - 1)[0] / ceiling.get(r - 1));
                System.out.printf(Locale.ROOT, "round %d: curl %.0f points/s | output %.0f points/s (%.1f ms CPU/1000, "
                        + "influxd %.1f ms/1000) | output+gzip %.0f points/s (%.1f ms CPU/1000, influxd %.1f ms/1000)%n",
                        r, ceiling.get(r - 1), plain.get(r - 1)[0], plain.get(r - 1)[1], plain.get(r - 1)[2],
                        gz.get(r - 1)[0], gz.get(r - 1)[1], gz.get(r - 1)[2]);
            }
            double c = median(ceiling);
            double p = median(plain.stream().map(a -> a[0]).toList());
            double g = median(gz.stream().map(a -> a[0]).toList());
            System.out.printf(Locale.ROOT, "medians: curl ceiling %.0f points/s; output gzip=false %.0f points/s, "
                    + "%.2fx the ceiling of its round, CPU %.1f ms per 1000 points; output gzip=true %.0f points/s, "
                    + "%.2fx, CPU %.1f ms per 1000 points%n", c, p, median(ratioPlain),
                    median(plain.stream().map(a -> a[1]).toList()), g, median(ratioGzip),
                    median(gz.stream().map(a -> a[1]).toList()));
        } finally {
            influxd.destroy();
            influxd.waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Returns points/s, JVM CPU ms per 1000 points, influxd CPU ms per 1000 points. */
    private static double[] runOutput(String url, Path dir, String db, List<DeviceInfo> devs, List<List<Reading>> batches,
            boolean gzip, Process influxd) throws Exception {
        query(url, db, "CREATE DATABASE " + db);
        InfluxOutput out = new InfluxOutput(dir.resolve("buffer-" + db), Clock.systemUTC());
        out.configure(InfluxSettings.builder().url(url).api("v1").v1(db, "", "", "").schema(Schema.DEFAULT, "")
                .gatewayId("bench").batch(5000, Duration.ofMillis(200), gzip).build());
        int total = batches.size();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
                .getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long icpu0 = procCpuNanos(influxd.pid());
        long t0 = System.nanoTime();
        int i = 0;
        for (List<Reading> b : batches) {
            // keep the backlog below the output's in-memory bound, as meters polled in step would
            while (i - out.written() > 40_000) {
                Thread.sleep(1);
            }
            out.readings(devs.get(i % devs.size()), b);
            i++;
        }
        while (out.written() < total) {
            if (out.rejected() > 0 || out.droppedPoints() > 0) {
                throw new IllegalStateException("lost points: " + out.summary());
            }
            Thread.sleep(1);
        }
        long t1 = System.nanoTime();
        long cpu = os.getProcessCpuTime() - cpu0;
        long icpu = procCpuNanos(influxd.pid()) - icpu0;
        out.close();
        check(url, db, total);
        double secs = (t1 - t0) / 1e9;
        return new double[] { total / secs, cpu / 1e6 / (total / 1000.0), icpu / 1e6 / (total / 1000.0) };
    }

    private static double runCurl(String url, String db, Path config, int total) throws Exception {
        query(url, db, "CREATE DATABASE " + db);
        String cfg = Files.readString(config).replace("db=CEILING", "db=" + db);
        Path c = config.resolveSibling(db + ".cfg");
        Files.writeString(c, cfg);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("curl", "-s", "-K", c.toString()).redirectErrorStream(true).start();
        String codes = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        p.waitFor();
        long t1 = System.nanoTime();
        if (!codes.lines().allMatch("204"::equals)) {
            throw new IllegalStateException("curl: " + codes);
        }
        check(url, db, total);
        return total / ((t1 - t0) / 1e9);
    }

    /** The very lines the output writes, 5000 points a file, and a curl config posting them one after another. */
    private static Path writeCurlBatches(List<DeviceInfo> devs, List<List<Reading>> batches, Path files, String url)
            throws IOException {
        Schema schema = new Schema(Schema.DEFAULT, "", "bench");
        StringBuilder cfg = new StringBuilder();
        StringBuilder lines = new StringBuilder();
        int n = 0;
        int file = 0;
        for (int i = 0; i < batches.size(); i++) {
            n += schema.write(devs.get(i % devs.size()), batches.get(i), Instant::now, lines);
            if (n == 5000 || i == batches.size() - 1) {
                Path f = files.resolve("batch" + file++);
                Files.writeString(f, lines);
                lines.setLength(0);
                n = 0;
                cfg.append(cfg.length() == 0 ? "" : "next\n").append("url = \"").append(url)
                        .append("/write?db=CEILING&precision=n\"\n").append("data-binary = \"@").append(f)
                        .append("\"\n").append("header = \"Expect:\"\n").append("output = \"/dev/null\"\n").append("write-out = \"%{http_code}\\n\"\n");
            }
        }
        Path c = files.resolve("curl.cfg");
        Files.writeString(c, cfg);
        return c;
    }

    private static void check(String url, String db, int total) throws Exception {
        String body = query(url, db, "SELECT count(power_import) FROM kpm33b");
        Matcher m = Pattern.compile(",(\\d+)\\]\\]").matcher(body);
        if (!m.find() || Integer.parseInt(m.group(1)) != total) {
            throw new IllegalStateException(db + ": expected " + total + " points, found " + body);
        }
    }

    private static String query(String url, String db, String q) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/query?db=" + db + "&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(q + ": " + r.body());
        }
        return r.body();
    }

    private static Process startInflux(Path dir, int port) throws Exception {
        Files.writeString(dir.resolve("influxdb.conf"), String.join("\n", "reporting-disabled = true",
                "bind-address = \"127.0.0.1:" + freePort() + "\"", "[meta]", "  dir = \"" + dir.resolve("meta") + "\"",
                "[data]", "  dir = \"" + dir.resolve("data") + "\"", "  wal-dir = \"" + dir.resolve("wal") + "\"",
                "  query-log-enabled = false", "[http]", "  bind-address = \"127.0.0.1:" + port + "\"",
                "  log-enabled = false", "[monitor]", "  store-enabled = false", ""));
        Process p = new ProcessBuilder("influxd", "-config", dir.resolve("influxdb.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("influxd.log").toFile()).start();
        for (int i = 0; i < 300; i++) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 204) {
                    return p;
                }
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("influxd did not start: " + Files.readString(dir.resolve("influxd.log")));
    }

    /** utime + stime of a process, from /proc (clock ticks of 10 ms). */
    private static long procCpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
