package ${package}.protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * A simulated meter speaking the example protocol, so the driver works before the real meter is at hand: its
 * register grows with the power drawn. {@link #serve} answers {@code ?} requests on a byte line (the compliance
 * kit's feed uses it). Delete it once the real protocol is in place, or keep it for demos.
 */
public final class SimulatedMeter {

    private final String meterId;
    private BigDecimal energyWh;
    private Instant last;
    private volatile boolean corrupt;

    public SimulatedMeter(String meterId, BigDecimal startKwh) {
        this.meterId = meterId;
        this.energyWh = startKwh.movePointRight(3);
    }

    /** The frame the meter would send at {@code now}. */
    public synchronized String frame(Instant now) {
        double watts = 400 + 300 * Math.sin(now.getEpochSecond() / 60.0);
        if (last != null && now.isAfter(last)) {
            double hours = Duration.between(last, now).toMillis() / 3_600_000.0;
            energyWh = energyWh.add(BigDecimal.valueOf(watts * hours));
        }
        last = now;
        Frame f = new Frame(meterId, energyWh.movePointLeft(3).setScale(3, RoundingMode.DOWN),
                BigDecimal.valueOf(watts).setScale(0, RoundingMode.HALF_UP),
                BigDecimal.valueOf(230 + Math.cos(now.getEpochSecond() / 7.0)).setScale(1, RoundingMode.HALF_UP));
        return FrameCodec.format(f);
    }

    /** While on, every frame {@link #serve} sends has a wrong checksum (to test how the driver takes bad data). */
    public void corrupt(boolean on) {
        corrupt = on;
    }

    /** Answers every {@code ?} line with a frame until the line closes. */
    public void serve(InputStream in, OutputStream out) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
        for (String line; (line = r.readLine()) != null;) {
            if (line.trim().equals("?")) {
                String f = frame(Instant.now());
                if (corrupt) {
                    f = f.substring(0, f.length() - 2) + (f.endsWith("00") ? "01" : "00");
                }
                out.write((f + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
    }
}
