package org.meter2mqtt.bench.kpm33b;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * The subscriber on the central broker, in its own process: subscribes at QoS 1 (so a broker queue limit
 * cannot drop anything silently: the sink acknowledges every QoS 1 message and Mosquitto runs with unlimited
 * queues), reads {@code (id, time)} from each message (a raw meter message or a kpm33b_proxy message), turns it
 * into the message number {@code k} (see {@link LoadGen}) and notes the receive time. When the load generator
 * has written its send times and nothing more arrives (or all arrived), prints one line:
 *
 * <pre>
 * RESULT received lost duplicates unmatched p50_ms p99_ms max_ms drain_ms
 * </pre>
 *
 * {@code drain_ms}: from the last message sent to the last received; a backlog shows here first. With
 * {@code SINK_TRACE=file} in the environment it also writes each message's send time and latency there.
 *
 * <pre>
 * java ... Sink host port topicFilter meters baseEpochSecond sendFile idleMs
 * </pre>
 */
public final class Sink {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String filter = args[2];
        int meters = Integer.parseInt(args[3]);
        long base = Long.parseLong(args[4]);
        Path sendFile = Path.of(args[5]);
        long idleMs = Long.parseLong(args[6]);

        Mqtt m = Mqtt.connect(host, port, "bench-sink-" + ProcessHandle.current().pid());
        m.subscribe(filter, 1);
        m.socket.setSoTimeout(200);
        System.out.println("READY");
        System.out.flush();

        byte[] idTag = "\"id\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] timeTag = "\"time\":\"".getBytes(StandardCharsets.US_ASCII);
        long[] recv = new long[1 << 16];
        long received = 0;
        long duplicates = 0;
        long unmatched = 0;
        long lastRecv = 0;
        long[] sent = null;
        long doneAt = 0;
        Mqtt.Packet p = new Mqtt.Packet();
        while (true) {
            if (sent == null && Files.exists(sendFile)) {
                sent = LoadGen.readLongs(sendFile);
                doneAt = System.nanoTime();
            }
            if (sent != null) {
                long quiet = (System.nanoTime() - Math.max(lastRecv, doneAt)) / 1_000_000;
                if (received >= sent.length || quiet > idleMs) {
                    break;
                }
            }
            if (m.in.available() == 0) {
                m.out.flush(); // PUBACKs go out before the sink waits for more
            }
            try {
                m.read(p);
            } catch (java.net.SocketTimeoutException e) {
                continue;
            }
            if (p.type != Mqtt.PUBLISH) {
                continue;
            }
            long now = System.nanoTime();
            byte[] b = p.body;
            int topicLen = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
            int qos = (p.flags >> 1) & 3;
            int off = 2 + topicLen;
            if (qos > 0) {
                m.puback(((b[off] & 0xff) << 8) | (b[off + 1] & 0xff));
                off += 2;
            }
            int i = LoadGen.indexOf(b, p.length, idTag, off);
            int t = LoadGen.indexOf(b, p.length, timeTag, off);
            if (i < 0 || t < 0 || t + 8 + 14 > p.length) {
                unmatched++;
                continue;
            }
            int meter = parseInt(b, i + 6 + 7, 6) - 950027;
            long second = LocalDateTime.of(parseInt(b, t + 8, 4), parseInt(b, t + 12, 2), parseInt(b, t + 14, 2),
                    parseInt(b, t + 16, 2), parseInt(b, t + 18, 2), parseInt(b, t + 20, 2))
                    .toEpochSecond(ZoneOffset.UTC);
            long k = (second - base) * meters + meter;
            if (meter < 0 || meter >= meters || k < 0 || k >= Integer.MAX_VALUE / 2) {
                unmatched++;
                continue;
            }
            if (k >= recv.length) {
                recv = Arrays.copyOf(recv, (int) Math.max(k + 1, recv.length * 2L));
            }
            if (recv[(int) k] != 0) {
                duplicates++;
                continue;
            }
            recv[(int) k] = now;
            received++;
            lastRecv = now;
        }
        long[] lat = new long[(int) received];
        int n = 0;
        long lastSent = 0;
        // SINK_TRACE=file: send time and latency per message, in System.nanoTime (CLOCK_MONOTONIC, shared by every
        // process here): lines up with a JVM log decorated with timenanos, to see what the slow messages waited for
        String trace = System.getenv("SINK_TRACE");
        trace = trace == null || trace.isEmpty() ? null : trace;
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < sent.length; k++) {
            lastSent = Math.max(lastSent, sent[k]);
            if (k < recv.length && recv[k] != 0 && sent[k] != 0) {
                lat[n++] = recv[k] - sent[k];
                if (trace != null) {
                    out.append(sent[k]).append(' ').append(recv[k] - sent[k]).append('\n');
                }
            }
        }
        long beyond = received - n; // numbers the load generator never sent: the rig is broken
        if (trace != null) {
            Files.writeString(Path.of(trace), out);
        }
        Arrays.sort(lat, 0, n);
        System.out.printf("RESULT sent=%d received=%d lost=%d duplicates=%d unmatched=%d p50_ms=%.3f p99_ms=%.3f "
                + "max_ms=%.3f drain_ms=%.0f%n", sent.length, n, sent.length - n, duplicates, unmatched + beyond,
                pct(lat, n, 0.50), pct(lat, n, 0.99), n == 0 ? 0 : lat[n - 1] / 1e6,
                lastRecv == 0 ? 0 : (lastRecv - lastSent) / 1e6);
        m.out.flush();
        m.close();
    }

    private static int parseInt(byte[] b, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return v;
    }

    private static double pct(long[] sorted, int n, double q) {
        return n == 0 ? 0 : sorted[Math.min(n - 1, (int) (n * q))] / 1e6;
    }
}
