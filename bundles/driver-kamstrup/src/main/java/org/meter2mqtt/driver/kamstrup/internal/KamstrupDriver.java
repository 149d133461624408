package org.meter2mqtt.driver.kamstrup.internal;

import java.util.ArrayList;
import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.driver.kamstrup.kmp.KmpRegister;

/**
 * Kamstrup MULTICAL heat meters read over the optical eye with KMP. Plain Java: {@link KamstrupComponent}
 * registers it with its bundle's version; tests create it directly.
 */
public final class KamstrupDriver implements MeterDriver {

    static final String ID = "kamstrup";
    static final String KEY_PORT = "port";
    static final String KEY_PARAMETERS = "parameters";
    static final String KEY_TIMEOUT = "timeout";
    static final String KEY_RETRIES = "retries";
    static final String KEY_ENERGY_UNIT = "energy.unit";
    static final String ENERGY_AUTO = "auto";
    /** The optical head wakes the meter's port and drains its battery: poll rarely by default. */
    static final int DEFAULT_POLL_SECONDS = 300;

    private final DriverDescription description;

    public KamstrupDriver(String version) {
        this.description = buildDescription(version);
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return KamstrupSession.open(context);
    }

    static DriverDescription buildDescription(String version) {
        DriverDescription.Builder b = DriverDescription.builder(ID).name("Kamstrup MULTICAL (KMP)")
                .vendor("meter2mqtt").version(version).mode(DriverDescription.Mode.POLLED)
                .defaultPollSeconds(DEFAULT_POLL_SECONDS);
        for (KamstrupChannels.Model m : KamstrupChannels.MODELS) {
            // Declared channels are the basic set; parameters beyond it are announced when a device reads them.
            List<Channel> channels = new ArrayList<>();
            for (KmpRegister r : KamstrupChannels.BASIC) {
                channels.add(KamstrupChannels.channel(r, m.defaultEnergyUnit));
            }
            b.model(new ModelDescription(m.id, m.name, "Kamstrup", channels));
        }
        List<String> basic = new ArrayList<>();
        KamstrupChannels.BASIC.forEach(r -> basic.add(r.parameter()));
        b.configKey(ConfigKey.builder(KEY_PORT, ConfigKey.Type.STRING).required()
                .description("The optical head: a serial device (/dev/ttyUSB0), serial:/dev/ttyUSB0?baud=2400, or "
                        + "socket://host:port (ser2net); line defaults 1200 baud 8N2").build());
        b.configKey(ConfigKey.builder(KEY_PARAMETERS, ConfigKey.Type.LIST).defaultValue(String.join(",", basic))
                .options(KamstrupChannels.parameterNames(null).toArray(new String[0]))
                .description("Registers to read, by kamstrup2mqtt name; each becomes a channel").build());
        b.configKey(ConfigKey.builder(KEY_TIMEOUT, ConfigKey.Type.INTEGER).defaultValue("3000").range(100, 60000)
                .description("Milliseconds to wait for the meter's answer to one request").build());
        b.configKey(ConfigKey.builder(KEY_RETRIES, ConfigKey.Type.INTEGER).defaultValue("2").range(0, 10)
                .description("Further attempts per request after a timeout or a corrupt answer").build());
        b.configKey(ConfigKey.builder(KEY_ENERGY_UNIT, ConfigKey.Type.STRING).defaultValue(ENERGY_AUTO)
                .options(ENERGY_AUTO, "Wh", "kWh", "MWh", "MJ", "GJ")
                .description("Unit of the heat energy channel; auto follows the meter's own unit").build());
        return b.build();
    }
}
