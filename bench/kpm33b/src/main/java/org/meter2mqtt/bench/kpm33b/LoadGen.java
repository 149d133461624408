package org.meter2mqtt.bench.kpm33b;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.util.concurrent.locks.LockSupport;

import org.meter2mqtt.simulators.kpm33b.SimulatedMeter;

/**
 * The meters: {@code meters} simulated KPM33B meters, each on its own MQTT connection (as real meters are),
 * publish compact MQTT_RT_DATA messages (~420 bytes, QoS 0, as the meters do) at a fixed total rate.
 *
 * <p>Message {@code k} comes from meter {@code k % meters} with meter time {@code base + k / meters} seconds
 * (UTC), so the sink can tell from {@code (id, time)} alone which message it got; every message is new to the
 * gateway's duplicate filter. The send time of every message ({@link System#nanoTime()}, CLOCK_MONOTONIC, the
 * same clock in every process on this host) is written to {@code sendFile} at the end.
 *
 * <pre>
 * java ... LoadGen host port meters connections rate seconds baseEpochSecond sendFile
 * java ... LoadGen host port meters connections serve     (loads read from stdin, see serve)
 * </pre>
 */
public final class LoadGen {

    static final String TOPIC = "MQTT_RT_DATA";

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int meters = Integer.parseInt(args[2]);
        int connections = Integer.parseInt(args[3]);
        LoadGen g = new LoadGen(meters, connections);
        g.connect(host, port);
        if (args[4].equals("serve")) {
            // meters stay connected from one load to the next, as real meters do: the system under test then
            // measures its message path, not its connection set-up and tear-down (bench/kpm33b/README.md)
            g.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)));
        } else {
            System.out.println(g.load(Integer.parseInt(args[4]), Integer.parseInt(args[5]), Long.parseLong(args[6]),
                    Path.of(args[7])));
        }
        g.close();
    }

    private final int meters;
    private final byte[][] payloads;
    private final int[] timeAt;
    private final Mqtt[] conns;
    private final SimulatedMeter clock = new SimulatedMeter(SimulatedMeter.idOf(0), 0, ZoneOffset.UTC);

    private LoadGen(int meters, int connections) {
        this.meters = meters;
        payloads = new byte[meters][];
        timeAt = new int[meters];
        for (int i = 0; i < meters; i++) {
            SimulatedMeter m = new SimulatedMeter(SimulatedMeter.idOf(i), i, ZoneOffset.UTC);
            payloads[i] = m.realTime("00000000000000", false, false);
            timeAt[i] = indexOf(payloads[i], "\"time\":\"".getBytes(StandardCharsets.US_ASCII)) + 8;
        }
        conns = new Mqtt[connections];
    }

    private void connect(String host, int port) throws IOException {
        for (int c = 0; c < conns.length; c++) {
            conns[c] = Mqtt.connect(host, port, "bench-meter-" + c + "-" + ProcessHandle.current().pid());
        }
    }

    /**
     * One load per line of {@code in}: {@code rate seconds baseEpochSecond sendFile resultFile}. The result line
     * goes to {@code resultFile} (written whole, then renamed: the script waits for it to appear). Ends at the end
     * of {@code in}.
     */
    private void serve(BufferedReader in) throws IOException {
        System.out.println("LOADGEN connected");
        System.out.flush();
        for (String line; (line = in.readLine()) != null;) {
            String[] a = line.trim().split(" ");
            if (a.length != 5) {
                continue;
            }
            String result = load(Integer.parseInt(a[0]), Integer.parseInt(a[1]), Long.parseLong(a[2]), Path.of(a[3]));
            Path out = Path.of(a[4]);
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            Files.writeString(tmp, result + "\n");
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void close() throws IOException {
        for (Mqtt c : conns) {
            c.close();
        }
    }

    /** Sends {@code rate * seconds} messages at {@code rate}; returns the LOADGEN result line. */
    private String load(int rate, int seconds, long base, Path sendFile) throws IOException {
        int connections = conns.length;
        byte[] topic = TOPIC.getBytes(StandardCharsets.US_ASCII);
        int total = rate * seconds;
        long[] sent = new long[total];
        // A broker that stops reading blocks our writes for good (seen with the embedded broker under overload):
        // give up 30 s after the planned end; what was not sent counts as lost (send time 0). The process ends
        // (its connections are stuck): the script starts another one for the next load.
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep((seconds + 30) * 1000L);
                System.out.println("LOADGEN blocked: the broker stopped reading; giving up");
                writeLongs(sendFile, sent);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                e.printStackTrace();
            }
            Runtime.getRuntime().halt(2);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        boolean[] dirty = new boolean[connections];
        byte[] time = null;
        long round = -1;
        long start = System.nanoTime();
        int k = 0;
        long late = 0;
        while (k < total) {
            long now = System.nanoTime();
            int due = (int) Math.min(total, (now - start) * rate / 1_000_000_000L + 1);
            if (due <= k) {
                long next = start + (long) k * 1_000_000_000L / rate;
                LockSupport.parkNanos(Math.min(next - now, 100_000));
                continue;
            }
            if (due - k > rate / 100 + 1) {
                late++; // more than 10 ms behind the schedule: the rig itself cannot keep up
            }
            for (; k < due; k++) {
                int meter = k % meters;
                if (k / meters != round) {
                    round = k / meters;
                    time = clock.timeAt(base + round).getBytes(StandardCharsets.US_ASCII);
                }
                byte[] p = payloads[meter];
                System.arraycopy(time, 0, p, timeAt[meter], 14);
                int c = meter % connections;
                conns[c].publish0(topic, p, p.length);
                dirty[c] = true;
                sent[k] = now;
            }
            for (int c = 0; c < connections; c++) {
                if (dirty[c]) {
                    dirty[c] = false;
                    conns[c].out.flush();
                }
            }
        }
        double took = (System.nanoTime() - start) / 1e9;
        watchdog.interrupt();
        writeLongs(sendFile, sent);
        return String.format("LOADGEN sent=%d seconds=%.2f send_rate=%.0f late_ticks=%d", total, took,
                total / took, late);
    }

    static void writeLongs(Path file, long[] values) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static long[] readLongs(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[b.remaining() / 8];
        b.asLongBuffer().get(v);
        return v;
    }

    static int indexOf(byte[] a, byte[] what) {
        return indexOf(a, a.length, what, 0);
    }

    static int indexOf(byte[] a, int end, byte[] what, int from) {
        outer:
        for (int i = from; i <= end - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (a[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
