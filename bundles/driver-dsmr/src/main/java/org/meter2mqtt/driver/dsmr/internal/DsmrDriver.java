package org.meter2mqtt.driver.dsmr.internal;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.driver.dsmr.p1.P1Time;
import org.meter2mqtt.driver.dsmr.p1.SmartyDecrypter;

/**
 * The DSMR P1 driver (id {@code dsmr}, streaming): reads the telegrams a smart meter pushes every 1 to 10 s
 * over its P1 port, a USB cable, ser2net or a WiFi dongle. Plain Java: {@link DsmrComponent} registers it with
 * its bundle's version; tests create it directly.
 */
public class DsmrDriver implements MeterDriver {

    public static final String ID = "dsmr";
    public static final String MODEL = "p1";

    public static final String PORT = DeviceConfig.PORT;
    public static final String VERSION = "dsmr.version";
    public static final String SMARTY_KEY = "smarty.key";
    public static final String GAS_CHANNEL = "gas.channel";
    public static final String SILENCE_TIMEOUT = "silence.timeout";
    public static final String TIME_ZONE = "time.zone";

    static final int DEFAULT_SILENCE_SECONDS = 30;

    private final DriverDescription description;

    public DsmrDriver(String version) {
        this.description = DriverDescription.builder(ID).name("DSMR P1 smart meter").vendor("meter2mqtt")
                .version(version).mode(DriverDescription.Mode.STREAMING)
                .model(new ModelDescription(MODEL, "DSMR P1 smart meter", "", P1Channels.modelChannels()))
                .configKey(ConfigKey.builder(PORT, ConfigKey.Type.STRING).required()
                        .description("P1 link: /dev/ttyUSB0, /dev/serial/by-id/..., "
                                + "serial:/dev/ttyUSB0?baud=115200&parity=none, or socket://host:port (ser2net, "
                                + "WiFi P1 dongle)")
                        .build())
                .configKey(ConfigKey.builder(VERSION, ConfigKey.Type.STRING).defaultValue("auto")
                        .options(Variant.keys())
                        .description("P1 dialect: auto (115200 baud, detects 4/5/Belgium/2.2-3 by content), "
                                + "2.2 or 3 (9600 baud 7E1, no CRC), 4, 5, be (Fluvius), smarty (Luxembourg, "
                                + "needs smarty.key), se, at, ie, hu")
                        .build())
                .configKey(ConfigKey.builder(SMARTY_KEY, ConfigKey.Type.SECRET)
                        .description("Luxembourg Smarty: the meter's 16-byte AES key from Creos, as 32 hex digits")
                        .build())
                .configKey(ConfigKey.builder(GAS_CHANNEL, ConfigKey.Type.INTEGER).range(1, 4)
                        .description("M-Bus channel (1-4) of the gas meter when its device type is wrong; "
                                + "empty: go by the device type each channel reports")
                        .build())
                .configKey(ConfigKey.builder(SILENCE_TIMEOUT, ConfigKey.Type.INTEGER)
                        .defaultValue(String.valueOf(DEFAULT_SILENCE_SECONDS)).range(2, 3600)
                        .description("seconds without any byte from the meter before the device goes OFFLINE "
                                + "(DSMR 5 sends every second, 2.2-4 every 10 s)")
                        .build())
                .configKey(ConfigKey.builder(TIME_ZONE, ConfigKey.Type.STRING)
                        .description("time zone of the meter's clock (S/W timestamps); default Europe/Amsterdam, "
                                + "Europe/Dublin for ie")
                        .build())
                .build();
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        DeviceConfig cfg = context.config();
        Variant variant = Variant.of(cfg.get(VERSION));
        if (variant == null) {
            throw new ConfigException("'" + VERSION + "' must be one of " + String.join(", ", Variant.keys())
                    + ", got '" + cfg.get(VERSION) + "'");
        }
        byte[] key = null;
        if (cfg.find(SMARTY_KEY).isPresent()) {
            key = SmartyDecrypter.parseKey(cfg.get(SMARTY_KEY));
            if (key == null) {
                throw new ConfigException("'" + SMARTY_KEY + "' must be 32 hex digits (the 16-byte key from Creos)");
            }
            if (variant == Variant.AUTO) {
                variant = Variant.SMARTY;
            }
        }
        if (variant == Variant.SMARTY && key == null) {
            throw new ConfigException("dsmr.version=smarty needs '" + SMARTY_KEY + "': ask Creos for the meter's key");
        }
        ZoneId zone;
        try {
            zone = cfg.find(TIME_ZONE).map(ZoneId::of).orElse(variant.defaultZone());
        } catch (DateTimeException e) {
            throw new ConfigException("'" + TIME_ZONE + "' is not a time zone: '" + cfg.get(TIME_ZONE)
                    + "' (e.g. Europe/Amsterdam)");
        }
        int silence = cfg.getInt(SILENCE_TIMEOUT, DEFAULT_SILENCE_SECONDS);
        int gasChannel = cfg.getInt(GAS_CHANNEL, 0);
        String port = cfg.get(PORT);
        if (port.isEmpty()) {
            throw new ConfigException("'" + PORT + "' is required: the P1 link, e.g. /dev/ttyUSB0 or socket://host:port");
        }
        // the read timeout is the silence limit: a read that times out means the meter has gone quiet
        Map<String, String> line = Map.of("baud", String.valueOf(variant.baud), "databits",
                String.valueOf(variant.dataBits), "parity", variant.parity, "stopbits", "1", "timeout",
                String.valueOf(silence * 1000));
        ByteLink link = context.openLink(port, line);
        TelegramMapper mapper = new TelegramMapper(variant, gasChannel, new P1Time(zone));
        DsmrSession session = new DsmrSession(context, link, variant, key, mapper, silence);
        session.start();
        return session;
    }
}
