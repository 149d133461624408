package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
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
 * /health, /metrics and the status page in the real distribution, checked by real clients: promtool, a
 * Prometheus server scraping the gateway, headless Chromium driven through chromedriver (W3C WebDriver over
 * HTTP), and HTTP Basic against Karaf's JAAS realm. Methods run in name order: the last two move the listener and
 * switch it to HTTPS.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class HttpIT extends GatewayTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Configuration
    public Option[] config() {
        return baseOptions(composite(embeddedBrokerOptions("it-http")), // HTTP on a free port: see baseOptions
                systemProperty("meter2mqtt.itest.target").value(new File("target").getAbsolutePath()),
                keepRuntimeFolderOnRequest());
    }

    private static int port() {
        return Integer.getInteger("meter2mqtt.itest.http.port");
    }

    private HttpResponse<String> get(String host, String path, String user, String password, String accept)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port() + path))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get("127.0.0.1", path, null, null, null);
    }

    /** GETs until {@code expectedCode} comes back (Pax Web restarts its Jetty on a new address). */
    private HttpResponse<String> awaitCode(String host, String path, String user, String pw, int expectedCode,
            long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = get(host, path, user, pw, null);
                if (r.statusCode() == expectedCode) {
                    return r;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("GET " + host + path + " did not answer " + expectedCode + " within " + seconds
                + " s; last: " + last);
    }

    private JsonNode awaitHealth(String status, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = get("/health");
                last = JSON.readTree(r.body());
                if (status.equals(last.path("status").asText())) {
                    assertEquals("HTTP status for " + status, status.equals("unhealthy") ? 503 : 200, r.statusCode());
                    return last;
                }
            } catch (IOException e) {
                last = null;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("/health never said " + status + " within " + seconds + " s; last: " + last);
    }

    @Test
    public void a_healthAnswersAgainstItsSchemaWithTheStatusCodeOfEachSituation() throws Exception {
        awaitState("demo-house", DeviceState.ONLINE, 30);
        awaitState("demo-solar", DeviceState.ONLINE, 30);
        awaitMqttOutputHealthy(60);
        JsonNode schema = JSON.readTree(awaitCode("127.0.0.1", "/health.schema.json", null, null, 200, 30).body());

        JsonNode healthy = awaitHealth("healthy", 30);
        assertEquals(List.of(), JsonSchemaCheck.violations(schema, healthy));
        assertEquals("meter2mqtt", healthy.get("service").asText());
        assertTrue(healthy.toString(), healthy.get("total_fetches").asLong() > 0);
        // every output is listed (mqtt, and influxdb, which is off until a url is set), in no fixed order
        assertTrue(healthy.toString(), healthy.get("outputs").findValuesAsText("name").contains("mqtt"));
        assertTrue(healthy.toString(), healthy.get("drivers").toString().contains("\"demo\""));

        writeCfg("it-broken", "driver = demo", "poll.interval = often", "name = Broken meter");
        awaitState("it-broken", DeviceState.CONFIG_ERROR, 20);
        JsonNode degraded = awaitHealth("degraded", 20);
        assertEquals(List.of(), JsonSchemaCheck.violations(schema, degraded));
        assertTrue(degraded.toString(), degraded.get("reasons").toString().contains("it-broken is CONFIG_ERROR"));

        Path house = cfg("demo-house");
        Path solar = cfg("demo-solar");
        setCfgKey(house, "enabled", "false");
        setCfgKey(solar, "enabled", "false");
        try {
            JsonNode unhealthy = awaitHealth("unhealthy", 20);
            assertEquals(List.of(), JsonSchemaCheck.violations(schema, unhealthy));
            assertTrue(unhealthy.toString(),
                    unhealthy.get("reasons").toString().contains("no device delivers readings"));
        } finally {
            setCfgKey(house, "enabled", "true");
            setCfgKey(solar, "enabled", "true");
        }
        awaitState("demo-house", DeviceState.ONLINE, 30);
        awaitHealth("degraded", 30); // it-broken stays for the page test
    }

    @Test
    public void b_metricsPassPromtoolAndARealPrometheusScrapesThem() throws Exception {
        awaitState("demo-house", DeviceState.ONLINE, 30);
        HttpResponse<String> text = awaitCode("127.0.0.1", "/metrics", null, null, 200, 30);
        assertTrue(text.headers().firstValue("Content-Type").orElse(""),
                text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertTrue(text.body(), text.body().contains("meter2mqtt_device_state{device=\"demo-house\",state=\"ONLINE\"} 1.0"));
        Path dir = tempDir("prometheus");
        Path metrics = dir.resolve("metrics.txt");
        Files.writeString(metrics, text.body());
        ProcessBuilder promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true)
                .redirectInput(metrics.toFile());
        Process p = promtool.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("promtool ended", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("promtool check metrics said: " + out, 0, p.exitValue());

        HttpResponse<String> om = get("127.0.0.1", "/metrics", null, null,
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertTrue(om.headers().firstValue("Content-Type").orElse(""),
                om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(om.body().endsWith("# EOF\n"));

        int promPort = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n", "global:", "  scrape_interval: 1s", "  scrape_timeout: 1s",
                "scrape_configs:", "  - job_name: meter2mqtt", "    static_configs:",
                "      - targets: ['127.0.0.1:" + port() + "']", ""));
        Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + promPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            String up = awaitPromQuery(promPort, "up{job=\"meter2mqtt\"}", 60);
            assertTrue(up, up.contains("\"1\""));
            String series = awaitPromQuery(promPort,
                    "meter2mqtt_channel_value{device=\"demo-house\",channel=\"energy_import\",unit=\"kWh\"}", 30);
            assertTrue(series, series.contains("\"device\":\"demo-house\""));
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }

    /** The result array of an instant query once it is not empty. */
    private String awaitPromQuery(int promPort, String query, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort
                        + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.body();
                JsonNode result = JSON.readTree(r.body()).path("data").path("result");
                if (result.isArray() && result.size() > 0) {
                    return result.toString();
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Prometheus query " + query + " stayed empty for " + seconds + " s: " + last);
    }

    @Test
    public void c_thePageShowsEveryDeviceAndANewReadingWithoutReload() throws Exception {
        writeCfg("it-page", "driver = demo", "poll.interval = 600", "name = Page meter");
        writeCfg("it-broken", "driver = demo", "poll.interval = often", "name = Broken meter");
        awaitState("it-page", DeviceState.ONLINE, 30);
        awaitState("it-broken", DeviceState.CONFIG_ERROR, 30);
        awaitCode("127.0.0.1", "/", null, null, 200, 30);
        Path profile = tempDir("chromium");
        int driverPort = freePort();
        Process driver = new ProcessBuilder("chromedriver", "--port=" + driverPort).redirectErrorStream(true)
                .redirectOutput(profile.resolveSibling(profile.getFileName() + "-chromedriver.log").toFile()).start();
        WebDriver web = null;
        try {
            web = WebDriver.start(http, driverPort, List.of("--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                    "--window-size=390,900"));
            web.navigate("http://127.0.0.1:" + port() + "/");
            WebDriver w = web;
            await("the page's live stream", 15, () -> "live".equals(w.script(
                    "return document.getElementById('connection').textContent;").asText()));

            // every device row with its state, visible
            List<DeviceInfo> devices = registry.devices();
            Map<String, String> shown = new HashMap<>();
            await("every device on the page", 15, () -> {
                shown.clear();
                w.script("return Array.from(document.querySelectorAll('.device')).filter(e => e.offsetHeight > 0)"
                        + ".map(e => [e.dataset.deviceId, e.querySelector('.state').textContent]);")
                        .forEach(pair -> shown.put(pair.get(0).asText(), pair.get(1).asText()));
                return shown.keySet().containsAll(devices.stream().map(DeviceInfo::id).toList());
            });
            for (DeviceInfo d : registry.devices()) {
                assertEquals("state of " + d.id() + " on the page", d.state().name(), shown.get(d.id()));
            }
            String reason = registry.device("it-broken").get().reason();
            String card = web.script("return document.querySelector('[data-device-id=\"it-broken\"]').innerText;")
                    .asText();
            assertTrue(card, card.contains(reason));
            // a phone: nothing scrolls sideways at 390 px
            int width = web.script("return window.innerWidth;").asInt();
            assertTrue("viewport " + width + " px", width <= 400);
            assertTrue("sideways scrolling at " + web.script("return window.innerWidth;").asInt() + " px",
                    web.script("return document.documentElement.scrollWidth <= window.innerWidth;").asBoolean());

            // a new reading reaches the open page within 3 s
            String channel = "voltage_l1";
            String selector = "[data-device-id=\"it-page\"] dd[data-channel=\"" + channel + "\"]";
            String before = web.script("var e = document.querySelector('" + selector.replace("'", "\\'")
                    + "'); return e ? e.textContent : null;").asText();
            List<Reading> fresh = registry.readNow("it-page", Duration.ofSeconds(10));
            long readAt = System.nanoTime();
            Reading r = fresh.stream().filter(x -> x.channel().equals(channel)).findFirst().orElseThrow();
            String expected = r.formatted() + " V";
            String[] seen = {before};
            try {
                await("the new " + channel + " on the page", 3, () -> {
                    seen[0] = w.script("var e = document.querySelector('" + selector.replace("'", "\\'")
                            + "'); return e ? e.textContent : null;").asText();
                    return expected.equals(seen[0]);
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; page shows " + seen[0] + ", reading " + expected, e);
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readAt);
            assertNotEquals("the reading changed the value", before, expected);
            Path shot = Paths.get(System.getProperty("meter2mqtt.itest.target"), "http-status-page.png");
            Files.write(shot, web.screenshot());
            assertTrue(Files.size(shot) > 1000);
            System.out.println("status page updated " + ms + " ms after the reading; screenshot " + shot);
        } finally {
            if (web != null) {
                web.quit();
            }
            driver.destroy();
            if (!driver.waitFor(10, TimeUnit.SECONDS)) {
                driver.destroyForcibly();
            }
        }
    }

    @Test
    public void d_aNonLoopbackAddressNeedsAViewerUserAndThenALogin() throws Exception {
        Path httpCfg = etc().resolve("org.meter2mqtt.http.cfg");
        Path users = etc().resolve("users.properties");
        String lan = nonLoopbackAddress();
        int logFrom = karafLogLines().size();
        setCfgKey(httpCfg, "host", "0.0.0.0");
        try {
            String list = awaitCommandOutput("meter:list", "http CONFIG_ERROR", 20,
                    o -> o.contains("Output http: CONFIG_ERROR"));
            assertTrue(list, list.contains("no user with the viewer role"));
            awaitLogLine("the refusal", 10, logFrom, "ERROR.*HTTP not opened on 0\\.0\\.0\\.0");
            assertEquals("still served on loopback, without login", 200, get("/metrics").statusCode());
            if (lan != null) {
                assertFalse("nothing listens on " + lan, listens(lan));
            }

            Files.writeString(users, "\nitviewer = it-pass,_g_:admingroup\n_g_\\:admingroup = group,admin,manager,"
                    + "viewer,systembundles,ssh\nitnoview = it-pass,somerole\n", StandardOpenOption.APPEND);
            awaitCommandOutput("meter:list", "http LISTENING after a viewer user was added", 40,
                    o -> o.contains("Output http: LISTENING"));
            awaitCode("127.0.0.1", "/metrics", null, null, 401, 30);
            assertEquals(200, awaitCode("127.0.0.1", "/metrics", "itviewer", "it-pass", 200, 10).statusCode());
            assertEquals(401, get("127.0.0.1", "/metrics", "itviewer", "wrong", null).statusCode());
            assertEquals(401, get("127.0.0.1", "/metrics", "itnoview", "it-pass", null).statusCode());
            HttpResponse<String> challenge = get("127.0.0.1", "/", null, null, null);
            assertEquals(401, challenge.statusCode());
            assertTrue(challenge.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            assertEquals(401, get("127.0.0.1", "/health", null, null, null).statusCode());
            if (lan != null) {
                assertEquals(200, get(lan, "/metrics", "itviewer", "it-pass", null).statusCode());
                assertEquals(401, get(lan, "/metrics", null, null, null).statusCode());
            }

            setCfgKey(httpCfg, "health.public", "true");
            awaitCode("127.0.0.1", "/health", null, null, 200, 20);
            assertEquals(401, get("127.0.0.1", "/metrics", null, null, null).statusCode());
        } finally {
            setCfgKey(httpCfg, "health.public", "false");
            setCfgKey(httpCfg, "host", "127.0.0.1");
        }
        awaitCode("127.0.0.1", "/metrics", null, null, 200, 30);
    }

    @Test
    public void e_withAKeystoreThePortServesHttpsOnlyAndThePasswordIsNeverLogged() throws Exception {
        Path httpCfg = etc().resolve("org.meter2mqtt.http.cfg");
        Path keystore = etc().resolve("it-http.p12");
        Files.deleteIfExists(keystore);
        String password = "it-tls-secret";
        Process keytool = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "gateway", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=meter2mqtt-it", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password)
                .redirectErrorStream(true).start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(keytoolOut, 0, keytool.waitFor());
        // the client trusts exactly this certificate and checks the host name against it
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            server.load(in, password.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("gateway", server.getCertificate("gateway"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(3)).build();
        URI health = URI.create("https://127.0.0.1:" + port() + "/health");

        int logFrom = karafLogLines().size();
        setCfgKey(httpCfg, "tls.keystore", keystore.toString());
        setCfgKey(httpCfg, "tls.keystore.password", password);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            String last = "no answer";
            HttpResponse<String> ok = null;
            while (ok == null && System.nanoTime() < deadline) {
                try {
                    HttpResponse<String> r = https.send(HttpRequest.newBuilder(health)
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        ok = r;
                    } else {
                        last = r.statusCode() + " " + r.body();
                    }
                } catch (IOException e) {
                    last = e.toString();
                }
                if (ok == null) {
                    Thread.sleep(300);
                }
            }
            assertTrue("HTTPS /health never answered 200; last: " + last, ok != null);
            assertTrue(ok.body(), JSON.readTree(ok.body()).has("status"));
            String list = awaitCommandOutput("meter:list", "http LISTENING on https", 20,
                    o -> o.contains("Output http: LISTENING") && o.contains("https://"));
            assertFalse("meter:list shows the keystore password", list.contains(password));
            // the same port no longer serves plain HTTP
            try {
                HttpResponse<String> plain = get("/health");
                assertNotEquals("plain HTTP on the HTTPS port: " + plain.body(), 200, plain.statusCode());
            } catch (IOException expected) {
                // Jetty may just close the connection
            }
            List<String> log = karafLogLines();
            for (String line : log.subList(Math.min(logFrom, log.size()), log.size())) {
                assertFalse("the keystore password leaked into the log: " + line, line.contains(password));
            }
        } finally {
            setCfgKey(httpCfg, "tls.keystore", "");
            setCfgKey(httpCfg, "tls.keystore.password", "");
        }
        awaitCode("127.0.0.1", "/health", null, null, 200, 40);
    }

    /** An IPv4 address of this machine other than loopback, or null (then those checks are skipped). */
    private static String nonLoopbackAddress() throws IOException {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        return null;
    }

    private static boolean listens(String host) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port()), 2000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    /** The few W3C WebDriver calls the page test needs, over the JDK's HTTP client (no Selenium bundle). */
    static final class WebDriver {
        private final HttpClient http;
        private final String base;

        private WebDriver(HttpClient http, String base) {
            this.http = http;
            this.base = base;
        }

        static WebDriver start(HttpClient http, int port, List<String> args) throws Exception {
            String root = "http://127.0.0.1:" + port;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // a phone's viewport (390 px): desktop windows have a minimum width above that
            Map<String, Object> options = Map.of("binary", "/usr/bin/chromium", "args", args, "mobileEmulation",
                    Map.of("deviceMetrics", Map.of("width", 390, "height", 844, "pixelRatio", 2)));
            String body = JSON.writeValueAsString(Map.of("capabilities", Map.of("alwaysMatch",
                    Map.of("browserName", "chrome", "goog:chromeOptions", options))));
            while (true) {
                try {
                    JsonNode r = call(http, "POST", root + "/session", body);
                    return new WebDriver(http, root + "/session/" + r.get("value").get("sessionId").asText());
                } catch (ConnectException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }

        private static JsonNode call(HttpClient http, String method, String url, String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("WebDriver " + method + " " + url + ": " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        }

        void navigate(String url) throws Exception {
            call(http, "POST", base + "/url", JSON.writeValueAsString(Map.of("url", url)));
        }

        JsonNode script(String js) {
            try {
                return call(http, "POST", base + "/execute/sync",
                        JSON.writeValueAsString(Map.of("script", js, "args", new ArrayList<>()))).get("value");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] screenshot() throws Exception {
            return Base64.getDecoder().decode(call(http, "GET", base + "/screenshot", null).get("value").asText());
        }

        void quit() {
            try {
                call(http, "DELETE", base, null);
            } catch (Exception e) {
                // the browser goes with chromedriver anyway
            }
        }
    }
}
