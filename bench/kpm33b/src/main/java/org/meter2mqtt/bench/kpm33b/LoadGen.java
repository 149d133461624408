package org.meter2mqtt.bench.kpm33b;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.meter2mqtt.simulators.kpm33b.SimulatedMeter;

/**
 * Load generator and sink in one process (separate from the gateway): N simulated KPM33B meters publish
 * compact (~420 byte) MQTT_RT_DATA messages at a fixed total rate into the internal broker; a subscriber on the
 * central broker receives what the gateway (or bridge, or Node-RED) made of them and matches each by
 * (meter id, meter time) to its send time. Every message carries its own meter time, so nothing is a duplicate.
 *
 * <pre>
 * java ... LoadGen &lt;internal url&gt; &lt;central url&gt; &lt;sink topic&gt; &lt;meters&gt; &lt;rate/s&gt; &lt;seconds&gt; [connections]
 * </pre>
 *
 * Prints one line: RESULT rate sent received lost p50_ms p99_ms max_ms achieved_rate.
 */
public final class LoadGen {

    public static void main(String[] args) throws Exception {
        String internal = args[0];
        String central = args[1];
        String sinkTopic = args[2];
        int meters = Integer.parseInt(args[3]);
        int rate = Integer.parseInt(args[4]);
        int seconds = Integer.parseInt(args[5]);
        int connections = args.length > 6 ? Integer.parseInt(args[6]) : 8;

        ConcurrentHashMap<String, Long> inFlight = new ConcurrentHashMap<>(rate * 4);
        long[] latencies = new long[rate * seconds + 1024];
        AtomicLong received = new AtomicLong();
        AtomicLong unmatched = new AtomicLong();

        MqttAsyncClient sink = new MqttAsyncClient(central, "bench-sink-" + ProcessHandle.current().pid(),
                new MemoryPersistence());
        sink.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                System.err.println("sink lost: " + cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                long now = System.nanoTime();
                String key = key(message.getPayload());
                Long sent = key == null ? null : inFlight.remove(key);
                if (sent == null) {
                    unmatched.incrementAndGet();
                    return;
                }
                int i = (int) received.getAndIncrement();
                if (i < latencies.length) {
                    latencies[i] = now - sent;
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // the sink only subscribes
            }
        });
        MqttConnectOptions so = new MqttConnectOptions();
        so.setCleanSession(true);
        sink.connect(so).waitForCompletion(10_000);
        sink.subscribe(sinkTopic, 0).waitForCompletion(10_000);

        List<MqttAsyncClient> pubs = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            MqttAsyncClient p = new MqttAsyncClient(internal, "bench-meters-" + c + "-" + ProcessHandle.current()
                    .pid(), new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setMaxInflight(65_000);
            p.connect(o).waitForCompletion(10_000);
            pubs.add(p);
        }
        SimulatedMeter[] ms = new SimulatedMeter[meters];
        for (int i = 0; i < meters; i++) {
            ms[i] = new SimulatedMeter(SimulatedMeter.idOf(i), i, ZoneId.systemDefault());
        }
        // meter clocks start a minute back so that a fast run stays within the gateway's clock tolerance
        long startSecond = System.currentTimeMillis() / 1000 - 60;

        long total = (long) rate * seconds;
        long start = System.nanoTime();
        long sent = 0;
        int m = 0;
        while (sent < total) {
            long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
            if (due <= sent) {
                LockSupport.parkNanos(200_000);
                continue;
            }
            long batchEnd = Math.min(due, total);
            while (sent < batchEnd) {
                SimulatedMeter meter = ms[m];
                String time = meter.nextTime(startSecond);
                byte[] payload = meter.realTime(time, false, false);
                inFlight.put(meter.id() + time, System.nanoTime());
                pubs.get(m % connections).publish("MQTT_RT_DATA", payload, 0, false);
                sent++;
                m = (m + 1) % meters;
            }
        }
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        long drainUntil = System.currentTimeMillis() + 5_000;
        while (received.get() < sent && System.currentTimeMillis() < drainUntil) {
            Thread.sleep(50);
        }
        long got = Math.min(received.get(), latencies.length);
        long[] l = Arrays.copyOf(latencies, (int) got);
        Arrays.sort(l);
        System.out.printf("RESULT rate=%d sent=%d received=%d lost=%d unmatched=%d p50_ms=%.3f p99_ms=%.3f "
                + "max_ms=%.3f send_rate=%.0f%n", rate, sent, received.get(), sent - received.get(), unmatched.get(),
                pct(l, 0.50), pct(l, 0.99), l.length == 0 ? 0 : l[l.length - 1] / 1e6, sent / sendSeconds);
        for (MqttAsyncClient p : pubs) {
            p.disconnect().waitForCompletion(5_000);
            p.close();
        }
        sink.disconnect().waitForCompletion(5_000);
        sink.close();
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }

    /** id + time from either a raw meter message or a kpm33b_proxy message (both start with id, then carry time). */
    static String key(byte[] payload) {
        String s = new String(payload, StandardCharsets.US_ASCII);
        int i = s.indexOf("\"id\":\"");
        int t = s.indexOf("\"time\":\"");
        if (i < 0 || t < 0) {
            return null;
        }
        return s.substring(i + 6, s.indexOf('"', i + 6)) + s.substring(t + 8, t + 22);
    }
}
