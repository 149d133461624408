package org.meter2mqtt.driver.demo.internal;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.StateStore;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.driver.demo.protocol.SimulatedMeter;

/**
 * A simulated electricity meter, so a fresh gateway has something to show. Not a real meter. Plain Java:
 * {@link DemoComponent} registers it with its bundle's version; tests create it directly.
 */
public final class DemoDriver implements MeterDriver {

    static final String ID = "demo";
    static final String BASE_LOAD = "base.load";
    static final String SOLAR_PEAK = "solar.peak";
    static final String ERROR_RATE = "error.rate";

    private static final String IMPORT_WH = "import.wh";
    private static final String EXPORT_WH = "export.wh";

    private final DriverDescription description;

    public DemoDriver(String version) {
        this.description = describe(version);
    }

    private static DriverDescription describe(String version) {
        return DriverDescription.builder(ID)
                .name("Demo electricity meter (simulation)")
                .vendor("meter2mqtt")
                .version(version)
                .mode(DriverDescription.Mode.POLLED)
                .defaultPollSeconds(5)
                .model(new ModelDescription("simulated", "Simulated 3-phase meter (not real)", "meter2mqtt demo",
                        List.of(
                                Channel.builder("energy_import").name("Energy import").unit(Units.KWH)
                                        .deviceClass(Units.CLASS_ENERGY).stateClass(Channel.StateClass.TOTAL_INCREASING)
                                        .precision(3).build(),
                                Channel.builder("energy_export").name("Energy export").unit(Units.KWH)
                                        .deviceClass(Units.CLASS_ENERGY).stateClass(Channel.StateClass.TOTAL_INCREASING)
                                        .precision(3).build(),
                                Channel.builder("power_import").name("Power import").unit(Units.W)
                                        .deviceClass(Units.CLASS_POWER).precision(0).build(),
                                Channel.builder("power_export").name("Power export").unit(Units.W)
                                        .deviceClass(Units.CLASS_POWER).precision(0).build(),
                                phase("voltage_l1", "Voltage L1", Units.V, Units.CLASS_VOLTAGE, 1),
                                phase("voltage_l2", "Voltage L2", Units.V, Units.CLASS_VOLTAGE, 1),
                                phase("voltage_l3", "Voltage L3", Units.V, Units.CLASS_VOLTAGE, 1),
                                phase("current_l1", "Current L1", Units.A, Units.CLASS_CURRENT, 2),
                                phase("current_l2", "Current L2", Units.A, Units.CLASS_CURRENT, 2),
                                phase("current_l3", "Current L3", Units.A, Units.CLASS_CURRENT, 2),
                                phase("frequency", "Frequency", Units.HZ, Units.CLASS_FREQUENCY, 2))))
                .configKey(ConfigKey.builder(BASE_LOAD, ConfigKey.Type.INTEGER).defaultValue("350").range(0, 100_000)
                        .description("average base load in W").build())
                .configKey(ConfigKey.builder(SOLAR_PEAK, ConfigKey.Type.INTEGER).defaultValue("0").range(0, 100_000)
                        .description("solar panels' peak power in W (0 = none); exports around noon").build())
                .configKey(ConfigKey.builder(ERROR_RATE, ConfigKey.Type.DECIMAL).defaultValue("0").description(
                        "share of polls (0..1) that report a simulated bad frame, to show DEGRADED").build())
                .build();
    }

    private static Channel phase(String id, String name, String unit, String deviceClass, int precision) {
        return Channel.builder(id).name(name).unit(unit).deviceClass(deviceClass).precision(precision).build();
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) {
        DeviceConfig cfg = context.config();
        StateStore state = context.state();
        // a new demo meter starts with a plausible register, not at zero
        double importWh = state.get(IMPORT_WH).map(Double::parseDouble)
                .orElse(4_000_000.0 + Math.floorMod(context.deviceId().hashCode(), 8_000_000));
        double exportWh = state.get(EXPORT_WH).map(Double::parseDouble).orElse(0.0);
        SimulatedMeter meter = new SimulatedMeter(context.deviceId().hashCode(), cfg.getInt(BASE_LOAD, 350),
                cfg.getInt(SOLAR_PEAK, 0), importWh, exportWh);
        double errorRate = cfg.getDecimal(ERROR_RATE, BigDecimal.ZERO).doubleValue();
        SplittableRandom faults = new SplittableRandom();
        return new DriverSession() {
            @Override
            public void poll() {
                if (errorRate > 0 && faults.nextDouble() < errorRate) {
                    context.error("simulated CRC error");
                    return;
                }
                Instant now = context.clock().instant();
                SimulatedMeter.Sample s = meter.sample(now);
                List<Reading> batch = new ArrayList<>(11);
                batch.add(Reading.of("energy_import", s.importKwh, now));
                batch.add(Reading.of("energy_export", s.exportKwh, now));
                batch.add(Reading.of("power_import", s.importPowerW, now));
                batch.add(Reading.of("power_export", s.exportPowerW, now));
                for (int p = 0; p < 3; p++) {
                    batch.add(Reading.of("voltage_l" + (p + 1), s.voltage[p], now));
                    batch.add(Reading.of("current_l" + (p + 1), s.current[p], now));
                }
                batch.add(Reading.of("frequency", s.frequency, now));
                context.publish(batch);
                state.put(IMPORT_WH, Double.toString(meter.importWh()));
                state.put(EXPORT_WH, Double.toString(meter.exportWh()));
            }

            @Override
            public void close() {
                // nothing open: the state store is saved by the core when the session closes
            }
        };
    }
}
