package org.meter2mqtt.influxdb;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real InfluxDB 1.x (Debian package {@code influxdb}, binary {@code influxd}) on free loopback ports with its
 * own folders and configuration file, started and stopped by its process id. Stopping keeps the data, so a
 * test can stop and start the same server.
 */
final class InfluxDbProcess implements AutoCloseable {

    private final Path dir;
    private final int httpPort;
    private final int rpcPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private Process process;

    InfluxDbProcess(Path dir) throws Exception {
        this.dir = dir;
        this.httpPort = freePort();
        this.rpcPort = freePort();
        Files.writeString(dir.resolve("influxdb.conf"), String.join("\n",
                "reporting-disabled = true",
                "bind-address = \"127.0.0.1:" + rpcPort + "\"",
                "[meta]", "  dir = \"" + dir.resolve("meta") + "\"",
                "[data]", "  dir = \"" + dir.resolve("data") + "\"", "  wal-dir = \"" + dir.resolve("wal") + "\"",
                "  query-log-enabled = false",
                "[http]", "  bind-address = \"127.0.0.1:" + httpPort + "\"", "  log-enabled = false",
                "[monitor]", "  store-enabled = false",
                "[continuous_queries]", "  enabled = false", ""));
        start();
    }

    static String binary() {
        for (String p : List.of("/usr/bin/influxd", "/usr/sbin/influxd")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "influxd";
    }

    void start() throws Exception {
        process = new ProcessBuilder(binary(), "-config", dir.resolve("influxdb.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("influxd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/ping")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 204) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("influxd.log"));
                stop();
                throw new AssertionError("influxd did not answer /ping on " + httpPort + ": "
                        + log.substring(Math.max(0, log.length() - 2000)));
            }
            Thread.sleep(100);
        }
    }

    /** SIGTERM to our own process, SIGKILL after 10 s. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Runs an InfluxQL statement; times come back as nanoseconds since the epoch. */
    JsonNode query(String db, String q) throws Exception {
        String uri = url() + "/query?epoch=ns&db=" + URLEncoder.encode(db, StandardCharsets.UTF_8) + "&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("query " + q + ": " + r.statusCode() + " " + r.body());
        }
        JsonNode result = json.readTree(r.body()).path("results").path(0);
        if (result.has("error")) {
            throw new AssertionError("query " + q + ": " + result.get("error"));
        }
        return result;
    }

    /** Posts line protocol as another writer would (the users' old service); returns the HTTP status. */
    int write(String db, String lines) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/write?db="
                + URLEncoder.encode(db, StandardCharsets.UTF_8))).POST(HttpRequest.BodyPublishers.ofString(lines))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    void createDatabase(String db) throws Exception {
        query(db, "CREATE DATABASE \"" + db + "\"");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
