package org.meter2mqtt.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.meter2mqtt.influxdb.Devices.r;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;

/** The output against a stub server: the v2 request, batching bounds, retries, 400s, the on-disk buffer. */
class InfluxOutputTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final DeviceInfo DEV = Devices.device("house", "demo", "House", "power_import");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private StubInflux stub(int port) throws Exception {
        StubInflux s = new StubInflux(port);
        open.add(s);
        return s;
    }

    private InfluxOutput output(InfluxSettings s) {
        InfluxOutput o = new InfluxOutput(dir.resolve("buffer"), Clock.systemUTC());
        open.add(o);
        o.configure(s);
        return o;
    }

    private static InfluxSettings.Builder v2(int port) {
        return InfluxSettings.builder().url("http://127.0.0.1:" + port).api("v2").v2("my org", "b&c", "s3cret-t0ken")
                .gatewayId("gw").retry(Duration.ofMillis(100), Duration.ofMillis(400))
                .batch(1000, Duration.ofMillis(50), true);
    }

    private static void send(InfluxOutput o, int from, int to) {
        for (int i = from; i < to; i++) {
            o.readings(DEV, List.of(r("power_import", Integer.toString(i), T0.plusSeconds(i))));
        }
    }

    private static String point(int i) {
        return "demo,device=house,gateway=gw,name=House power_import=" + i + " "
                + (T0.plusSeconds(i).getEpochSecond() * 1_000_000_000L);
    }

    private static List<String> points(int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(point(i));
        }
        return l;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void v2WritesGzippedLinesWithOrgBucketPrecisionAndTokenHeader() throws Exception {
        StubInflux server = stub(0);
        InfluxOutput o = output(v2(server.port()).build());
        send(o, 0, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.allLines().size() == 3);
        StubInflux.Request req = server.requests.get(0);
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.uri().getPath()).isEqualTo("/api/v2/write");
        assertThat(req.uri().getRawQuery()).isEqualTo("org=my+org&bucket=b%26c&precision=ns");
        assertThat(req.header("Authorization")).isEqualTo("Token s3cret-t0ken");
        assertThat(req.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(server.allLines()).isEqualTo(points(0, 3));
        assertThat(o.state()).isEqualTo(InfluxOutput.State.WRITING);
        await().until(() -> o.written() == 3);
        assertThat(o.summary()).doesNotContain("s3cret").contains("written 3 points");
    }

    @Test
    void v1PutsDbRpAndPrecisionInTheUrlAndCredentialsInABasicHeader() throws Exception {
        StubInflux server = stub(0);
        InfluxOutput o = output(InfluxSettings.builder().url("http://127.0.0.1:" + server.port() + "/").api("v1")
                .v1("meters db", "one week", "writer", "pa:ss").batch(1000, Duration.ofMillis(10), false).build());
        send(o, 0, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests.size() == 1);
        StubInflux.Request req = server.requests.get(0);
        assertThat(req.uri().getPath()).isEqualTo("/write");
        assertThat(req.uri().getRawQuery()).isEqualTo("db=meters+db&rp=one+week&precision=n");
        assertThat(req.header("Authorization")).isEqualTo("Basic d3JpdGVyOnBhOnNz");
        assertThat(req.header("Content-Encoding")).isNull();
        assertThat(req.body()).isEqualTo(point(0).replace("gw", "gateway") + "\n");
    }

    @Test
    void aBatchIsSentWhenFullAndTheRestWaitsForTheTimeBoundAcrossAStopAndStart() throws Exception {
        StubInflux server = stub(0);
        InfluxOutput o = output(v2(server.port()).batch(3, Duration.ofHours(1), true).build());
        send(o, 0, 7);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests.size() == 2);
        assertThat(server.requests).extracting(req -> req.lines().size()).containsExactly(3, 3);
        await().until(() -> o.buffered() == 1);
        o.close();
        assertThat(server.requests).hasSize(2);

        InfluxOutput again = output(v2(server.port()).batch(3, Duration.ofMillis(20), true).build());
        send(again, 7, 8);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.allLines().size() == 8);
        assertThat(server.allLines()).isEqualTo(points(0, 8));
        assertThat(server.requests.get(2).lines()).containsExactly(point(6));
    }

    @Test
    void retryAfterOn503And429IsHonouredAndTheSameBatchIsResent() throws Exception {
        StubInflux server = stub(0);
        server.script.add(new StubInflux.Answer(503, "{\"error\":\"busy\"}", "1"));
        server.script.add(new StubInflux.Answer(429, "{\"error\":\"slow down\"}", null));
        InfluxOutput o = output(v2(server.port()).build());
        send(o, 0, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> o.written() == 2);
        assertThat(server.requests).hasSize(3);
        assertThat(server.requests.get(1).body()).isEqualTo(server.requests.get(0).body());
        assertThat(server.requests.get(2).body()).isEqualTo(server.requests.get(0).body());
        assertThat(o.retries()).isEqualTo(2);
        assertThat(o.state()).isEqualTo(InfluxOutput.State.WRITING);
    }

    @Test
    void aRefusedBatchIsNotRetriedCountedAndDoesNotBlockTheRest() throws Exception {
        StubInflux server = stub(0);
        server.script.add(new StubInflux.Answer(400, "{\"code\":\"invalid\",\"message\":\"partial write: field type "
                + "conflict dropped=1\"}", null));
        InfluxOutput o = output(v2(server.port()).batch(2, Duration.ofHours(1), true).build());
        send(o, 0, 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests.size() == 2);
        await().until(() -> o.written() == 3);
        assertThat(o.rejected()).isEqualTo(1);
        assertThat(o.retries()).isZero();
        assertThat(server.requests.get(1).lines()).isEqualTo(points(2, 4));
        Thread.sleep(300); // a retry would come within the 100 ms backoff
        assertThat(server.requests).hasSize(2);
    }

    @Test
    void unreachableInfluxBuffersOnDiskAcrossARestartAndDeliversInOrder() throws Exception {
        int port = freePort();
        InfluxOutput o = output(v2(port).build());
        send(o, 0, 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> o.state() == InfluxOutput.State.RETRYING);
        assertThat(o.detail()).contains("cannot reach");
        send(o, 5, 10);
        await().until(() -> o.buffered() >= 2);
        o.close();

        StubInflux server = stub(port);
        InfluxOutput again = output(v2(port).build());
        send(again, 10, 12);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.allLines().size() >= 12);
        assertThat(server.allLines()).isEqualTo(points(0, 12));
        await().until(() -> again.buffered() == 0);
    }

    @Test
    void aBatchLargerThanABufferSegmentIsSplitNotLost() throws Exception {
        StubInflux server = stub(0);
        // 128 KiB buffer = 16 KiB segments; 1000 points of ~75 bytes do not fit one
        InfluxOutput o = output(v2(server.port()).batch(1000, Duration.ofHours(1), true)
                .buffer(128 * 1024, Duration.ofHours(1), Duration.ZERO).build());
        send(o, 0, 1000);
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 1000);
        assertThat(server.requests.size()).isGreaterThan(1);
        assertThat(server.allLines()).isEqualTo(points(0, 1000));
        assertThat(o.droppedPoints()).isZero();
    }

    @Test
    void unauthorisedKeepsThePointsUntilTheServerAcceptsThem() throws Exception {
        StubInflux server = stub(0);
        server.script.add(new StubInflux.Answer(401, "{\"message\":\"unauthorized access\"}", null));
        InfluxOutput o = output(v2(server.port()).build());
        send(o, 0, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> o.state() == InfluxOutput.State.REFUSED);
        assertThat(o.detail()).contains("401").contains("credentials").doesNotContain("s3cret");
        await().atMost(Duration.ofSeconds(10)).until(() -> o.written() == 1);
        // the refused request and the accepted retry carry the same point
        assertThat(server.allLines()).containsExactly(point(0), point(0));
    }

    @Test
    void aBadConfigurationIsAConfigErrorWithTheReasonAndNoUrlIsOff() throws Exception {
        InfluxOutput o = output(InfluxSettings.builder().url("http://127.0.0.1:1").api("v2").v2("o", "b", "").build());
        assertThat(o.state()).isEqualTo(InfluxOutput.State.CONFIG_ERROR);
        assertThat(o.detail()).isEqualTo("org, bucket and token are required with api = v2");
        o.configure(InfluxSettings.builder().url("http://x").api("v3").build());
        assertThat(o.detail()).isEqualTo("api must be v1 or v2, not 'v3'");
        o.configure(InfluxSettings.builder().url("ftp://x").build());
        assertThat(o.detail()).contains("url must be http");
        o.configure(InfluxSettings.builder().url("http://x").schema("smart", "").build());
        assertThat(o.detail()).contains("schema must be default or smart-meter-service");
        o.configure(InfluxSettings.builder().build());
        assertThat(o.state()).isEqualTo(InfluxOutput.State.OFF);
        assertThat(o.healthy()).isFalse();
    }

    @Test
    void settingsNeverPrintSecrets() {
        InfluxSettings s = InfluxSettings.builder().url("http://h:8086").v1("db", "", "u", "hunter2")
                .v2("o", "b", "tok3n").build();
        assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("tok3n").contains("********");
    }
}
