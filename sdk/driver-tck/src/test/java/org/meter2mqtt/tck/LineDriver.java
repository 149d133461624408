package org.meter2mqtt.tck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.Units;

/**
 * A small correct polled driver for the kit's own tests: asks "E?" on a line, the meter answers a decimal in kWh.
 * Subclasses break one rule each.
 */
class LineDriver implements MeterDriver {

    static final String PORT = "port";
    static final String SERIAL = "serial";

    /** The meter of the tests: answers "E?" with a growing register, or garbage while bad. */
    static ByteFeed feed() {
        boolean[] bad = new boolean[1];
        return ByteFeed.exchange((in, out) -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            PrintStream w = new PrintStream(out, true, StandardCharsets.US_ASCII);
            double kwh = 1234.5;
            for (String line; (line = r.readLine()) != null;) {
                if (line.equals("E?")) {
                    kwh += 0.1;
                    w.print(bad[0] ? "#~garbage~#\n" : String.format(java.util.Locale.ROOT, "%.3f\n", kwh));
                }
            }
        }, () -> bad[0] = false, () -> bad[0] = true, Map.of(PORT, "kit://meter"));
    }

    Channel energy() {
        return Channel.builder("energy").unit(Units.KWH).deviceClass(Units.CLASS_ENERGY)
                .stateClass(Channel.StateClass.TOTAL_INCREASING).build();
    }

    @Override
    public DriverDescription describe() {
        return DriverDescription.builder("line").name("Line meter").vendor("tck tests").version("1.0.0")
                .model(new ModelDescription("l1", "L1", "tck", List.of(energy())))
                .configKey(ConfigKey.builder(PORT, ConfigKey.Type.STRING).required().build())
                .configKey(ConfigKey.builder(SERIAL, ConfigKey.Type.STRING).description("meter serial").build())
                .build();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        String port = context.config().get(PORT);
        if (port.isEmpty()) {
            throw new ConfigException("'port' is required");
        }
        checkSerial(context);
        ByteLink link = context.openLink(port, Map.of("timeout", "1000"));
        return new DriverSession() {
            @Override
            public void poll() throws DriverException {
                String answer;
                try {
                    OutputStream out = link.output();
                    out.write("E?\n".getBytes(StandardCharsets.US_ASCII));
                    answer = readLine(link);
                } catch (IOException e) {
                    lost(e);
                    return;
                }
                publish(context, answer);
            }

            @Override
            public void close() {
                link.close();
            }
        };
    }

    void checkSerial(DeviceContext context) {
        // optional: nothing to check
    }

    void lost(IOException e) throws DriverException {
        throw new DriverException("meter line lost: " + e.getMessage(), e);
    }

    void publish(DeviceContext context, String answer) {
        BigDecimal v;
        try {
            v = new BigDecimal(answer.trim());
        } catch (NumberFormatException e) {
            context.error("not a number: " + answer.trim());
            return;
        }
        context.publish(List.of(Reading.of("energy", v, context.clock().instant())));
    }

    static String readLine(ByteLink link) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = link.input().read()) != '\n';) {
            if (b < 0) {
                throw new IOException("end of stream");
            }
            sb.append((char) b);
        }
        return sb.toString();
    }
}
