package org.meter2mqtt.driver.homeassistant.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The JDK HTTP client for one Home Assistant, and the URLs of its APIs. */
public final class HaHttp {


    private HaHttp() {
    }

    /**
     * Checks and normalises the {@code url} key: {@code http(s)://host[:port]} with an optional path prefix
     * (a reverse proxy), no trailing slash.
     *
     * @throws IllegalArgumentException with a sentence for the user
     */
    public static URI baseUri(String url) {
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'url' is not a URL: " + e.getMessage());
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("'url' must be http://host:8123 or https://host, got '" + url + "'");
        }
        String s = u.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s);
    }

    /** {@code ws(s)://host:port[/prefix]/api/websocket}. */
    public static URI webSocketUri(URI base) {
        String s = base.toString();
        return URI.create((s.startsWith("https:") ? "wss:" + s.substring(6) : "ws:" + s.substring(5))
                + "/api/websocket");
    }

    /** An exception as a short sentence: the JDK's connect errors often have no message of their own. */
    public static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static final Map<String, HttpClient> SHARED = new ConcurrentHashMap<>();

    private static final AtomicInteger WORKER_IDS = new AtomicInteger();
    /**
     * The clients' workers (response bodies, WebSocket messages). The JDK's default pool keeps an idle worker for
     * 60 s, so a device removed, or a session closed after a burst, left threads behind for a minute (the
     * compliance kit counts them). These end half a second after their last task; a new one costs microseconds.
     */
    private static final ThreadPoolExecutor WORKERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 500,
            TimeUnit.MILLISECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "ha-http-" + WORKER_IDS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    /**
     * One client per trust setting and connect timeout, shared by every session and device: a JDK 17 client has
     * no close, its selector and worker threads end only when it is garbage-collected, so a client per connect
     * would leave threads behind at every reconnect. A CA file replaced on disk (another size or time) gets a new
     * client; the old one is dropped and its threads end with it.
     */
    public static HttpClient shared(String caFile, Duration connectTimeout) throws IOException {
        String ca = caFile == null ? "" : caFile.trim();
        String stamp = "";
        if (!ca.isEmpty()) {
            Path p = Path.of(ca);
            stamp = Files.isReadable(p) ? Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis() : "missing";
        }
        String slot = ca + "|" + connectTimeout.toMillis();
        String key = slot + "|" + stamp;
        HttpClient c = SHARED.get(key);
        if (c == null) {
            c = client(ca, connectTimeout);
            HttpClient raced = SHARED.putIfAbsent(key, c);
            c = raced == null ? c : raced;
            // an older stamp of the same file and timeout is stale
            SHARED.keySet().removeIf(k -> k.startsWith(slot + "|") && !k.equals(key));
        }
        return c;
    }

    /** Drops the shared clients (the driver bundle stops); their threads end when they are collected. */
    public static void releaseShared() {
        SHARED.clear();
    }

    /** A client trusting the JDK's trust store, or only the CA certificates in {@code caFile} when given. */
    public static HttpClient client(String caFile, Duration connectTimeout) throws IOException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).executor(WORKERS);
        if (caFile != null && !caFile.isBlank()) {
            b.sslContext(sslContext(Path.of(caFile.trim())));
        }
        return b.build();
    }

    private static SSLContext sslContext(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IOException("'tls.ca.file' " + caFile + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("'tls.ca.file' " + caFile + " is not usable: " + e.getMessage(), e);
        }
    }
}
