package ${package}.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.Reading;
import ${package}.protocol.BadFrameException;
import ${package}.protocol.Frame;
import ${package}.protocol.FrameCodec;
import ${package}.protocol.SimulatedMeter;

/**
 * One device: each poll asks the meter for a frame and publishes one batch. The rules of the SPI in practice:
 * bad data is {@link DeviceContext#error} (the device shows DEGRADED, nothing is published from it), a lost
 * line is a {@link DriverException} (the core reopens the session with backoff), nothing else escapes.
 */
final class ${driverClass}Session implements DriverSession {

    private static final int MAX_LINE = 512;

    private final DeviceContext context;
    private final ByteLink link;
    private final SimulatedMeter simulated;

    ${driverClass}Session(DeviceContext context, ByteLink link, SimulatedMeter simulated) {
        this.context = context;
        this.link = link;
        this.simulated = simulated;
    }

    @Override
    public void poll() throws DriverException {
        Instant now = context.clock().instant();
        String line = simulated != null ? simulated.frame(now) : request();
        Frame f;
        try {
            f = FrameCodec.parse(line);
        } catch (BadFrameException e) {
            context.error(e.getMessage());
            return;
        }
        context.publish(List.of(Reading.of("energy_import", f.energyKwh(), now), Reading.of("power", f.powerW(), now),
                Reading.of("voltage", f.voltageV(), now)));
        context.state().put("energy", f.energyKwh().toPlainString());
    }

    private String request() throws DriverException {
        try {
            link.drain();
            OutputStream out = link.output();
            out.write("?\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = link.input();
            StringBuilder sb = new StringBuilder();
            for (int b; (b = in.read()) != '\n';) {
                if (b < 0) {
                    throw new IOException("the line closed");
                }
                if (sb.length() < MAX_LINE) {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        } catch (IOException e) {
            // a read timeout is a silent meter, end of stream a gone line: either way the link is lost
            throw new DriverException("no answer from " + link.describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
        }
    }
}
