package org.meter2mqtt.simulators.pulse;

import java.util.ArrayList;
import java.util.List;

/**
 * A load that changes over time, for demos: steps of {@code watts:seconds}, repeated, e.g.
 * {@code 300:60,2500:20,0:40} (a base load, a kettle, then nothing, so the gateway's power must fall to 0).
 */
public final class PowerProfile {

    private final List<double[]> steps;
    private final double cycleS;

    private PowerProfile(List<double[]> steps) {
        this.steps = steps;
        double sum = 0;
        for (double[] s : steps) {
            sum += s[1];
        }
        this.cycleS = sum;
    }

    /** @throws IllegalArgumentException with the step that is wrong */
    public static PowerProfile parse(String text) {
        List<double[]> steps = new ArrayList<>();
        for (String step : text.split(",")) {
            String[] p = step.trim().split(":");
            double w;
            double s;
            try {
                w = Double.parseDouble(p[0]);
                s = p.length == 2 ? Double.parseDouble(p[1]) : Double.NaN;
            } catch (NumberFormatException e) {
                s = Double.NaN;
                w = Double.NaN;
            }
            if (!(w >= 0) || !(s > 0)) {
                throw new IllegalArgumentException("profile step '" + step + "' is not watts:seconds (watts >= 0, "
                        + "seconds > 0)");
            }
            steps.add(new double[] { w, s });
        }
        return new PowerProfile(steps);
    }

    /** The power {@code elapsedS} seconds after the start, the steps repeating. */
    public double wattsAt(double elapsedS) {
        double t = elapsedS % cycleS;
        for (double[] s : steps) {
            if (t < s[1]) {
                return s[0];
            }
            t -= s[1];
        }
        return steps.get(steps.size() - 1)[0];
    }
}
