package org.meter2mqtt.driver.pulse.internal;

import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.core.DeviceManager;

/**
 * The real core (DeviceManager) with the pulse driver and an output that records every reading, in order. A
 * new Gateway on the same state folder is the gateway started again.
 */
final class Gateway implements AutoCloseable {

    final DeviceManager manager;
    final PulseDriver driver = new PulseDriver(null);
    /** Every reading published, across all devices, in order. */
    final List<Reading> readings;

    Gateway(Path stateDir, List<Reading> readings, LocalBroker broker) {
        this.readings = readings;
        manager = new DeviceManager(stateDir, Clock.systemUTC());
        manager.setBackoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        driver.setLocalBroker(broker);
        manager.addOutput(new MeterOutput() {
            @Override
            public void deviceChanged(DeviceInfo device) {
                // states are read from the manager
            }

            @Override
            public void readings(DeviceInfo device, List<Reading> batch) {
                readings.addAll(batch);
            }

            @Override
            public void deviceRemoved(DeviceInfo device) {
                // nothing recorded
            }
        });
        manager.addDriver(driver);
    }

    Gateway(Path stateDir) {
        this(stateDir, new CopyOnWriteArrayList<>(), null);
    }

    static Map<String, String> cfg(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("driver", "pulse");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    DeviceInfo device(String id) {
        return manager.device(id).orElseThrow();
    }

    void awaitState(String id, DeviceState state) {
        await().atMost(60, TimeUnit.SECONDS).until(() -> manager.device(id).map(d -> d.state() == state)
                .orElse(false));
    }

    List<BigDecimal> values(String device, String channel) {
        return readings.stream().filter(r -> device.equals(r.deviceId()) && channel.equals(r.channel()))
                .map(Reading::number).collect(java.util.stream.Collectors.toList());
    }

    Optional<BigDecimal> last(String device, String channel) {
        List<BigDecimal> v = values(device, channel);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    void awaitTotal(String device, String channel, BigDecimal expected) {
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100))
                .until(() -> last(device, channel).map(v -> v.compareTo(expected) == 0).orElse(false));
    }

    @Override
    public void close() {
        manager.close();
    }
}
