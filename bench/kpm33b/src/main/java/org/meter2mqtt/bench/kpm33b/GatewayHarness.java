package org.meter2mqtt.bench.kpm33b;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;
import org.meter2mqtt.core.DeviceManager;
import org.meter2mqtt.driver.kpm33b.internal.Kpm33bDriver;

/**
 * The gateway side of the benchmark as a plain-Java process: the real DeviceManager, the KPM33B driver (one
 * shared subscription) with 1000 configured devices, the kpm33b_proxy output to the central broker, and the
 * embedded Moquette broker as internal broker unless an external one is given.
 *
 * <pre>
 * java ... GatewayHarness &lt;internal: embedded:PORT | tcp://host:port&gt; &lt;central tcp://host:port&gt; &lt;meters&gt;
 * </pre>
 *
 * Prints READY when every device is registered; on end of stdin prints the pipeline counters and exits.
 */
public final class GatewayHarness {

    public static void main(String[] args) throws Exception {
        String internal = args[0];
        String central = args[1];
        int meters = Integer.parseInt(args[2]);
        EmbeddedBroker broker = null;
        String url = internal;
        if (internal.startsWith("embedded:")) {
            int port = Integer.parseInt(internal.substring("embedded:".length()));
            broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", port, null, null, null));
            broker.start();
            url = "tcp://127.0.0.1:" + port;
        }
        Path state = Files.createTempDirectory("kpm33b-bench");
        DeviceManager manager = new DeviceManager(state, Clock.systemUTC());
        AtomicLong batches = new AtomicLong();
        AtomicLong readings = new AtomicLong();
        manager.addOutput(new MeterOutput() {
            @Override
            public void deviceChanged(DeviceInfo device) {
                // the benchmark measures the driver and the proxy output; HA discovery is not part of it
            }

            @Override
            public void readings(DeviceInfo device, List<Reading> batch) {
                batches.incrementAndGet();
                readings.addAndGet(batch.size());
            }

            @Override
            public void deviceRemoved(DeviceInfo device) {
                // devices are not removed during the benchmark
            }
        });
        Map<String, String> s = new HashMap<>();
        s.put("url", url);
        s.put("client.id", "bench-gateway");
        s.put("proxy.url", central);
        s.put("proxy.qos", System.getProperty("proxy.qos", "1"));
        s.put("autodiscover", "false");
        Kpm33bDriver driver = new Kpm33bDriver(s, Clock.systemUTC());
        driver.setRegistry(manager);
        manager.addDriver(driver);
        for (int i = 0; i < meters; i++) {
            String id = String.format("33B1225%06d", 950027 + i);
            manager.configure(id, Map.of("driver", "kpm33b", "meter.id", id));
        }
        long until = System.currentTimeMillis() + 60_000;
        while (manager.stateCounts().getOrDefault(org.meter2mqtt.api.DeviceState.STARTING, 0L) < meters
                && System.currentTimeMillis() < until) {
            Thread.sleep(100);
        }
        System.out.println("READY " + manager.stateCounts());
        System.out.flush();
        while (System.in.read() >= 0) {
            // the run script closes stdin to end the harness
        }
        System.out.println("BATCHES " + batches + " READINGS " + readings + " | " + driver.stats());
        manager.close();
        driver.close();
        if (broker != null) {
            broker.close();
        }
    }
}
