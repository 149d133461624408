package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Issue 13 in the real distribution: the InfluxDB output (feature meter2mqtt-influxdb, installed at boot) writes
 * the demo meter's readings to a real InfluxDB 1.6 that the test starts after the gateway, so the first points
 * also went through the on-disk buffer; they are queried back equal to the gateway's latest readings, with
 * their timestamps.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class InfluxIT extends GatewayTestSupport {

    private static final String DB = "meters";
    private final HttpClient http = HttpClient.newHttpClient();
    private ExternalProcess influxd;

    @Configuration
    public Option[] config() {
        int port = freePort();
        String cfg = "etc/org.meter2mqtt.influxdb.cfg";
        return baseOptions(composite(embeddedBrokerOptions("influxgw")), keepRuntimeFolderOnRequest(),
                editConfigurationFilePut(cfg, "url", "http://127.0.0.1:" + port),
                editConfigurationFilePut(cfg, "db", DB),
                editConfigurationFilePut(cfg, "gateway.id", "influxgw"),
                editConfigurationFilePut(cfg, "batch.ms", "200"),
                editConfigurationFilePut(cfg, "retry.max.seconds", "2"),
                systemProperty("meter2mqtt.itest.influx.port").value(Integer.toString(port)));
    }

    @After
    public void stopInflux() {
        if (influxd != null) {
            influxd.close();
        }
    }

    private String influxUrl() {
        return "http://127.0.0.1:" + System.getProperty("meter2mqtt.itest.influx.port");
    }

    private void startInflux() throws Exception {
        Path dir = tempDir("influxdb");
        Files.writeString(dir.resolve("influxdb.conf"), String.join("\n",
                "reporting-disabled = true",
                "bind-address = \"127.0.0.1:" + freePort() + "\"",
                "[meta]", "  dir = \"" + dir.resolve("meta") + "\"",
                "[data]", "  dir = \"" + dir.resolve("data") + "\"", "  wal-dir = \"" + dir.resolve("wal") + "\"",
                "[http]", "  bind-address = \"127.0.0.1:" + System.getProperty("meter2mqtt.itest.influx.port") + "\"",
                "  log-enabled = false",
                "[monitor]", "  store-enabled = false", ""));
        String binary = Files.isExecutable(Path.of("/usr/bin/influxd")) ? "/usr/bin/influxd" : "influxd";
        influxd = ExternalProcess.start("influxd", List.of(binary, "-config", dir.resolve("influxdb.conf").toString()));
        await("influxd answers /ping", 30, () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(influxUrl() + "/ping")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 204;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private JsonNode query(String q) throws Exception {
        String uri = influxUrl() + "/query?epoch=ns&db=" + DB + "&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(q + ": " + r.body(), 200, r.statusCode());
        return new ObjectMapper().readTree(r.body()).path("results").path(0);
    }

    @Test
    public void demoReadingsLandInInfluxDbWithTheirTimestamps() throws Exception {
        awaitState("demo-house", DeviceState.ONLINE, 60);
        // InfluxDB is not there yet: the output retries and keeps the points on disk
        awaitCommandOutput("meter:list", "the InfluxDB output retrying", 30,
                out -> out.contains("Output influxdb: RETRYING") && out.contains("cannot reach"));
        Reading early = registry.device("demo-house").orElseThrow().latest().get("energy_import");
        Instant started = Instant.now();
        startInflux();
        // a fresh InfluxDB has no database "meters": the output creates it (db.create, true as shipped)
        awaitCommandOutput("meter:list", "the InfluxDB output writing", 30,
                out -> out.matches("(?s).*Output influxdb: WRITING http://127\\.0\\.0\\.1:\\d+ db=meters \\(written "
                        + "[1-9].*"));
        String show = executeCommand("meter:show demo-house");
        assertTrue(show, show.contains("Output influxdb: WRITING"));

        DeviceInfo d = registry.device("demo-house").orElseThrow();
        Reading latest = d.latest().get("energy_import");
        long nanos = latest.timestamp().getEpochSecond() * 1_000_000_000L + latest.timestamp().getNano();
        String q = "SELECT energy_import, power_import, \"name\", gateway FROM demo WHERE device = 'demo-house' "
                + "AND time = " + nanos;
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode row;
        do {
            row = query(q).path("series").path(0).path("values").path(0);
            if (!row.isMissingNode()) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertTrue("no point at " + Instant.ofEpochSecond(0, nanos) + " for demo-house", !row.isMissingNode());
        assertEquals(nanos, row.get(0).asLong());
        assertEquals(0, latest.number().compareTo(new BigDecimal(row.get(1).asText())));
        assertEquals(0, d.latest().get("power_import").number().compareTo(new BigDecimal(row.get(2).asText())));
        assertEquals(d.name(), row.get(3).asText());
        assertEquals("influxgw", row.get(4).asText());
        // the points read before InfluxDB started were buffered on disk and arrived too
        long before = query("SELECT count(energy_import) FROM demo WHERE device = 'demo-house' AND time < "
                + (started.getEpochSecond() * 1_000_000_000L + started.getNano())).path("series").path(0).path("values").path(0).path(1)
                .asLong();
        assertTrue("points from before InfluxDB started: " + before, before >= 1);
        long earlyNanos = early.timestamp().getEpochSecond() * 1_000_000_000L + early.timestamp().getNano();
        JsonNode earlyRow = query("SELECT energy_import FROM demo WHERE device = 'demo-house' AND time = "
                + earlyNanos).path("series").path(0).path("values").path(0);
        assertTrue("no point for " + early, !earlyRow.isMissingNode());
        assertEquals(0, early.number().compareTo(new BigDecimal(earlyRow.get(1).asText())));
    }
}
