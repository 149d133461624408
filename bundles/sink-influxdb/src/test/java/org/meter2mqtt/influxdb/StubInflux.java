package org.meter2mqtt.influxdb;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for an InfluxDB v2 (there is no v2 server package here): records every request (URI, headers,
 * decompressed body) and answers with scripted responses, 204 when the script is empty.
 */
final class StubInflux implements AutoCloseable {

    record Request(String method, URI uri, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        List<String> lines() {
            return List.of(body.split("\n"));
        }
    }

    record Answer(int status, String body, String retryAfter) {
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
    private final HttpServer server;

    StubInflux(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", ex -> {
            byte[] raw = ex.getRequestBody().readAllBytes();
            InputStream in = new ByteArrayInputStream(raw);
            if ("gzip".equals(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI(), Map.copyOf(ex.getRequestHeaders()),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            Answer a = script.poll();
            if (a == null) {
                a = new Answer(204, "", null);
            }
            if (a.retryAfter() != null) {
                ex.getResponseHeaders().add("Retry-After", a.retryAfter());
            }
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Every line posted so far, in order. */
    List<String> allLines() {
        return requests.stream().flatMap(r -> r.lines().stream()).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
