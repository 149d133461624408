package ${package}.internal;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Units;
import ${package}.protocol.SimulatedMeter;

/**
 * The ${driver} driver as plain Java (no OSGi): what it is and how it opens a device. {@link ${driverClass}Component}
 * registers it in the gateway; tests create it directly.
 */
public final class ${driverClass}Driver implements MeterDriver {

    public static final String ID = "${driver}";
    static final String PORT = DeviceConfig.PORT;
    static final String TIMEOUT = "timeout";

    private final DriverDescription description;

    public ${driverClass}Driver(String version) {
        // Channel units, device and state classes must be pairs Home Assistant accepts: the compliance kit checks
        description = DriverDescription.builder(ID).name("${driverClass} meter").vendor("${groupId}").version(version)
                .mode(DriverDescription.Mode.POLLED).defaultPollSeconds(10)
                .model(new ModelDescription("standard", "${driverClass} meter", "${driverClass}", List.of(
                        Channel.builder("energy_import").name("Energy import").unit(Units.KWH)
                                .deviceClass(Units.CLASS_ENERGY).stateClass(Channel.StateClass.TOTAL_INCREASING)
                                .precision(3).build(),
                        Channel.builder("power").name("Power").unit(Units.W).deviceClass(Units.CLASS_POWER)
                                .precision(0).build(),
                        Channel.builder("voltage").name("Voltage").unit(Units.V).deviceClass(Units.CLASS_VOLTAGE)
                                .precision(1).build())))
                .configKey(ConfigKey.builder(PORT, ConfigKey.Type.STRING)
                        .description("the meter's line: /dev/ttyUSB0, serial:/dev/ttyUSB0?baud=9600 or "
                                + "socket://host:port; empty: a simulated meter (until the real one is connected)")
                        .build())
                .configKey(ConfigKey.builder(TIMEOUT, ConfigKey.Type.INTEGER).defaultValue("2000").range(100, 60000)
                        .description("ms to wait for the meter's answer").build())
                .build();
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        DeviceConfig cfg = context.config();
        String port = cfg.get(PORT);
        if (port.isEmpty()) {
            SimulatedMeter meter = new SimulatedMeter("SIM-" + context.deviceId(),
                    context.state().get("energy").map(BigDecimal::new).orElse(new BigDecimal("1000.000")));
            return new ${driverClass}Session(context, null, meter);
        }
        // open the line now, read in poll(): open() must return quickly
        ByteLink link = context.openLink(port, Map.of("baud", "9600", "databits", "8", "parity", "none",
                "stopbits", "1", "timeout", String.valueOf(cfg.getInt(TIMEOUT, 2000))));
        return new ${driverClass}Session(context, link, null);
    }
}
