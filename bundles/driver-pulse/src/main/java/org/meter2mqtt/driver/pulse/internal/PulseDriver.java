package org.meter2mqtt.driver.pulse.internal;

import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Units;

/** Pulse meters whose every pulse is one message on RabbitMQ or MQTT (the EMDC edge). Plain Java. */
public final class PulseDriver implements MeterDriver {

    public static final String ID = "pulse";
    static final String KEY_URL = "url";
    static final String KEY_USERNAME = "username";
    static final String KEY_PASSWORD = "password";
    static final String KEY_TLS_CA = "tls.ca.file";
    static final String KEY_TLS_VERIFY = "tls.hostname.verification";
    static final String KEY_EXCHANGE = "exchange";
    static final String KEY_QUEUE = "queue";
    static final String KEY_ROUTING_KEYS = "routing.keys";
    static final String KEY_PREFETCH = "prefetch";
    static final String KEY_TOPICS = "topics";
    static final String KEY_CLIENT_ID = "client.id";
    static final String KEY_DC_ID = "dc.id";
    static final String KEY_WH_PER_PULSE = "wh.per.pulse";
    static final String KEY_IMP_PER_KWH = "imp.per.kwh";
    static final String KEY_POWER_TIMEOUT = "power.timeout.s";
    static final String KEY_ENERGY_OFFSET = "energy.offset";
    static final String KEY_REACTIVE_OFFSET = "reactive.offset";
    static final String DEFAULT_EXCHANGE = "EMDC";
    static final String DEFAULT_ROUTING_KEYS = "EMDC.EVENTS.ACTIVE,EMDC.EVENTS.REACTIVE";
    static final String DEFAULT_TOPICS = "emdc/events/energy/#";

    static final String ACTIVE_ENERGY = "active_energy";
    static final String REACTIVE_ENERGY = "reactive_energy";
    static final String ACTIVE_POWER = "active_power";
    static final String REACTIVE_POWER = "reactive_power";

    static final List<Channel> CHANNELS = List.of(
            Channel.builder(ACTIVE_ENERGY).name("Active energy").unit(Units.KWH).deviceClass(Units.CLASS_ENERGY)
                    .stateClass(Channel.StateClass.TOTAL_INCREASING).precision(3).build(),
            Channel.builder(REACTIVE_ENERGY).name("Reactive energy").unit(Units.KVARH).deviceClass("reactive_energy")
                    .stateClass(Channel.StateClass.TOTAL_INCREASING).precision(3).build(),
            Channel.builder(ACTIVE_POWER).name("Active power").unit(Units.W).deviceClass(Units.CLASS_POWER)
                    .stateClass(Channel.StateClass.MEASUREMENT).precision(0).build(),
            Channel.builder(REACTIVE_POWER).name("Reactive power").unit(Units.VAR)
                    .deviceClass(Units.CLASS_REACTIVE_POWER).stateClass(Channel.StateClass.MEASUREMENT).precision(0)
                    .build());

    private final DriverDescription description;
    private volatile LocalBroker localBroker;

    /** @param version the bundle's version, or null outside OSGi (then 0.0.0) */
    public PulseDriver(String version) {
        DriverDescription d = buildDescription();
        description = version == null ? d : d.withVersion(version);
    }

    /** The embedded broker for {@code url = embedded}, or null when none runs. */
    public synchronized void setLocalBroker(LocalBroker broker) {
        localBroker = broker;
    }

    /** The embedded broker {@code broker} goes away; a newer one already set is kept. */
    public synchronized void clearLocalBroker(LocalBroker broker) {
        if (localBroker == broker) {
            localBroker = null;
        }
    }

    LocalBroker localBroker() {
        return localBroker;
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return PulseSession.open(context, this);
    }

    static DriverDescription buildDescription() {
        return DriverDescription.builder(ID).name("Pulse counters (EMDC, RabbitMQ or MQTT)").vendor("meter2mqtt")
                .mode(DriverDescription.Mode.STREAMING)
                .model(new ModelDescription("emdc", "EMDC pulse capture", "EMDC", CHANNELS))
                .configKey(ConfigKey.builder(KEY_URL, ConfigKey.Type.STRING).required()
                        .description("amqp://host:5672[/vhost] or amqps:// (RabbitMQ), tcp://host:1883 or ssl:// "
                                + "(MQTT), or embedded (the gateway's own MQTT broker)").build())
                .configKey(ConfigKey.builder(KEY_USERNAME, ConfigKey.Type.STRING).description("Login name").build())
                .configKey(ConfigKey.builder(KEY_PASSWORD, ConfigKey.Type.SECRET).description("Login password").build())
                .configKey(ConfigKey.builder(KEY_TLS_CA, ConfigKey.Type.STRING)
                        .description("PEM CA file for amqps:// and ssl://; empty uses the Java trust store").build())
                .configKey(ConfigKey.builder(KEY_TLS_VERIFY, ConfigKey.Type.BOOLEAN).defaultValue("true")
                        .description("Check that the server's certificate names the host in url").build())
                .configKey(ConfigKey.builder(KEY_EXCHANGE, ConfigKey.Type.STRING).defaultValue(DEFAULT_EXCHANGE)
                        .description("AMQP topic exchange (declared durable only if it does not exist)").build())
                .configKey(ConfigKey.builder(KEY_QUEUE, ConfigKey.Type.STRING)
                        .description("AMQP durable queue of this device; default meter2mqtt-<device id>").build())
                .configKey(ConfigKey.builder(KEY_ROUTING_KEYS, ConfigKey.Type.LIST).defaultValue(DEFAULT_ROUTING_KEYS)
                        .description("AMQP routing keys bound to the queue").build())
                .configKey(ConfigKey.builder(KEY_PREFETCH, ConfigKey.Type.INTEGER).defaultValue("5000")
                        .range(1, 65535).description("AMQP unacknowledged pulses on the way (one disk write "
                                + "acknowledges many)").build())
                .configKey(ConfigKey.builder(KEY_TOPICS, ConfigKey.Type.LIST).defaultValue(DEFAULT_TOPICS)
                        .description("MQTT topics subscribed with QoS 1").build())
                .configKey(ConfigKey.builder(KEY_CLIENT_ID, ConfigKey.Type.STRING)
                        .description("MQTT client id (persistent session); default meter2mqtt-pulse-<device id>")
                        .build())
                .configKey(ConfigKey.builder(KEY_DC_ID, ConfigKey.Type.STRING)
                        .description("Count only this dc_id; empty counts every one").build())
                .configKey(ConfigKey.builder(KEY_WH_PER_PULSE, ConfigKey.Type.DECIMAL)
                        .description("Energy of one pulse in Wh (default 1); or set imp.per.kwh").build())
                .configKey(ConfigKey.builder(KEY_IMP_PER_KWH, ConfigKey.Type.DECIMAL)
                        .description("Pulses per kWh (the meter's imp/kWh); or set wh.per.pulse").build())
                .configKey(ConfigKey.builder(KEY_POWER_TIMEOUT, ConfigKey.Type.INTEGER).defaultValue("300")
                        .description("Seconds without a pulse after which the power reads 0").build())
                .configKey(ConfigKey.builder(KEY_ENERGY_OFFSET, ConfigKey.Type.DECIMAL).defaultValue("0")
                        .description("kWh added to the counted active energy, so the total matches the meter's "
                                + "register").build())
                .configKey(ConfigKey.builder(KEY_REACTIVE_OFFSET, ConfigKey.Type.DECIMAL).defaultValue("0")
                        .description("kvarh added to the counted reactive energy").build())
                .build();
    }
}
