package org.meter2mqtt.driver.demo.protocol;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;

/**
 * A plausible household electricity meter, without hardware: a base load with random appliance steps,
 * optional solar export around noon, energy registers that integrate the power and never decrease.
 * Plain Java so the simulation is tested without the gateway.
 */
public final class SimulatedMeter {

    private final SplittableRandom random;
    private final double baseLoadWatts;
    private final double solarPeakWatts;
    private double applianceWatts;
    private double importWh;
    private double exportWh;
    private Instant last;

    /** One moment of the meter. */
    public static final class Sample {
        public final double importPowerW;
        public final double exportPowerW;
        public final BigDecimal importKwh;
        public final BigDecimal exportKwh;
        public final double[] voltage = new double[3];
        public final double[] current = new double[3];
        public final double frequency;

        Sample(double importW, double exportW, double importWh, double exportWh, double frequency) {
            this.importPowerW = importW;
            this.exportPowerW = exportW;
            this.importKwh = BigDecimal.valueOf(importWh / 1000.0).setScale(3, RoundingMode.FLOOR);
            this.exportKwh = BigDecimal.valueOf(exportWh / 1000.0).setScale(3, RoundingMode.FLOOR);
            this.frequency = frequency;
        }
    }

    public SimulatedMeter(long seed, double baseLoadWatts, double solarPeakWatts, double importWh, double exportWh) {
        this.random = new SplittableRandom(seed);
        this.baseLoadWatts = baseLoadWatts;
        this.solarPeakWatts = solarPeakWatts;
        this.importWh = importWh;
        this.exportWh = exportWh;
    }

    public double importWh() {
        return importWh;
    }

    public double exportWh() {
        return exportWh;
    }

    /** Advances the meter to {@code now} and returns its registers and instantaneous values. */
    public Sample sample(Instant now) {
        // appliances switch on and off now and then: a kettle, a washing machine
        if (random.nextInt(10) == 0) {
            applianceWatts = random.nextInt(4) == 0 ? 0 : 200 + random.nextInt(2800);
        }
        double load = baseLoadWatts * (0.9 + 0.2 * random.nextDouble()) + applianceWatts;
        double solar = solarPeakWatts * daylight(now) * (0.85 + 0.15 * random.nextDouble());
        double net = load - solar;
        double importW = Math.max(0, net);
        double exportW = Math.max(0, -net);
        if (last != null && now.isAfter(last)) {
            double hours = Duration.between(last, now).toMillis() / 3_600_000.0;
            importWh += importW * hours;
            exportWh += exportW * hours;
        }
        last = now;
        Sample s = new Sample(round(importW, 0), round(exportW, 0), importWh, exportWh, round(49.95 + 0.1 * random.nextDouble(), 2));
        for (int phase = 0; phase < 3; phase++) {
            s.voltage[phase] = round(226 + 8 * random.nextDouble(), 1);
            s.current[phase] = round(Math.abs(net) / 3 / s.voltage[phase], 2);
        }
        return s;
    }

    /** 0 at night, 1 at solar noon (UTC, roughly Western Europe). */
    static double daylight(Instant now) {
        double hour = now.atOffset(ZoneOffset.UTC).getHour() + now.atOffset(ZoneOffset.UTC).getMinute() / 60.0;
        double x = (hour - 12) / 6;
        return Math.abs(x) >= 1 ? 0 : Math.cos(x * Math.PI / 2);
    }

    private static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
