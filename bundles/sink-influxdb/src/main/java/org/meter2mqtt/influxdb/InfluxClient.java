package org.meter2mqtt.influxdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Posts line protocol to one InfluxDB with the JDK {@link HttpClient}: {@code /write} (v1) or {@code /api/v2/write}
 * (v2, also what InfluxDB 3 accepts), nanosecond precision, optionally gzip-compressed. Credentials go in
 * headers (Basic for v1, {@code Token} for v2), never into the URL, so no log or proxy ever sees them.
 */
public final class InfluxClient {

    /** What InfluxDB answered. */
    public static final class Response {
        private final int status;
        private final String body;
        private final Duration retryAfter;

        Response(int status, String body, Duration retryAfter) {
            this.status = status;
            this.body = body;
            this.retryAfter = retryAfter;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }

        /** The server's Retry-After, or null. */
        public Duration retryAfter() {
            return retryAfter;
        }

        public boolean ok() {
            return status / 100 == 2;
        }

        /** 429 and 5xx: try the same batch again later. */
        public boolean retryable() {
            return status == 429 || status >= 500;
        }
    }

    private final InfluxSettings settings;
    private final HttpClient http;
    private final URI writeUri;
    private final String authorization;

    public InfluxClient(InfluxSettings settings) throws IOException, GeneralSecurityException {
        this.settings = settings;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout());
        if (!settings.tlsCaFile().isEmpty()) {
            b.sslContext(trusting(Path.of(settings.tlsCaFile())));
        }
        this.http = b.build();
        this.writeUri = writeUri(settings);
        if (settings.api() == InfluxSettings.Api.V2) {
            authorization = "Token " + settings.token();
        } else if (!settings.username().isEmpty()) {
            authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (settings.username() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8));
        } else {
            authorization = null;
        }
    }

    static URI writeUri(InfluxSettings s) {
        String base = s.url().endsWith("/") ? s.url().substring(0, s.url().length() - 1) : s.url();
        if (s.api() == InfluxSettings.Api.V2) {
            return URI.create(base + "/api/v2/write?org=" + enc(s.org()) + "&bucket=" + enc(s.bucket())
                    + "&precision=ns");
        }
        return URI.create(base + "/write?db=" + enc(s.db()) + (s.rp().isEmpty() ? "" : "&rp=" + enc(s.rp()))
                + "&precision=n");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * v1: {@code CREATE DATABASE "<db>"} over {@code POST /query} (a no-op when it exists). InfluxDB 1.x answers 200
     * even for a failed statement, with an {@code "error"} in the JSON, so the body decides too.
     *
     * @return null when the database exists now, else InfluxDB's refusal
     */
    public String createDatabase() throws IOException, InterruptedException {
        String base = settings.url().endsWith("/") ? settings.url().substring(0, settings.url().length() - 1)
                : settings.url();
        String q = "CREATE DATABASE \"" + settings.db().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + "/query")).timeout(settings.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("q=" + enc(q)));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String body = resp.body() == null ? "" : resp.body();
        if (resp.statusCode() / 100 == 2 && !body.contains("\"error\"")) {
            return null;
        }
        return resp.statusCode() + " " + body.replace('\n', ' ').trim();
    }

    /** True for a v1 answer that the database does not exist ({@code 404 database not found: "x"}). */
    public static boolean databaseNotFound(Response r) {
        return r.status() == 404 && r.body() != null && r.body().contains("database not found");
    }

    public URI writeUri() {
        return writeUri;
    }

    /**
     * Posts {@code lines} (UTF-8 line protocol). Throws on network failures (connection refused, timeout),
     * which the caller retries like a 5xx.
     */
    public Response write(byte[] lines) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(writeUri).timeout(settings.timeout())
                .header("Content-Type", "text/plain; charset=utf-8");
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        if (settings.gzip()) {
            r.header("Content-Encoding", "gzip");
            r.POST(HttpRequest.BodyPublishers.ofByteArray(gzip(lines)));
        } else {
            r.POST(HttpRequest.BodyPublishers.ofByteArray(lines));
        }
        HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(resp.statusCode(), resp.body(), retryAfter(resp.headers().firstValue("Retry-After")
                .orElse(null)));
    }

    static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return null; // an HTTP date: our own backoff is good enough
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length / 4 + 64);
        // the fastest level: line protocol is repetitive text, level 1 already shrinks it about 8x (bench/influxdb)
        try (GZIPOutputStream z = new GZIPOutputStream(bytes, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            z.write(data);
        }
        return bytes.toByteArray();
    }

    /** An SSL context that trusts the CA certificate(s) of a PEM file. */
    static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int n = 0;
        try (InputStream in = Files.newInputStream(pem)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + n++, c);
            }
        }
        if (n == 0) {
            throw new GeneralSecurityException("no certificate in " + pem);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
