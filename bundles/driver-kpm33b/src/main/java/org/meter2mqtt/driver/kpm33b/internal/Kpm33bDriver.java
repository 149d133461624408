package org.meter2mqtt.driver.kpm33b.internal;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DiscoveredMeter;
import org.meter2mqtt.api.DiscoveryService;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.driver.kpm33b.protocol.ConfigCommand;
import org.meter2mqtt.driver.kpm33b.protocol.Field;

/**
 * COMPERE KPM33B MQTT energy meters. The driver owns the one shared subscription ({@link Kpm33bHub},
 * configured by PID {@code org.meter2mqtt.driver.kpm33b}); each device's session only registers its meter id.
 * It also lists meters that publish without a .cfg ({@link DiscoveryService}) and, with autodiscover on,
 * starts them as transient devices through the {@link DeviceRegistry}.
 */
public final class Kpm33bDriver implements MeterDriver, DiscoveryService, AutoCloseable {

    static final String ID = "kpm33b";
    static final String PID = "org.meter2mqtt.driver.kpm33b";
    static final String KEY_METER_ID = "meter.id";
    static final String KEY_GROUPS = "groups";
    static final String KEY_UPLOAD_SECONDS = "upload.seconds";
    static final String KEY_UPLOAD_MINUTES = "upload.minutes";
    static final String KEY_DISCOVERED = "discovered";
    static final List<Field.Group> DEFAULT_GROUPS = List.of(Field.Group.POWER, Field.Group.VOLTAGE,
            Field.Group.CURRENT, Field.Group.POWER_FACTOR, Field.Group.FREQUENCY, Field.Group.ENERGY,
            Field.Group.TARIFFS);

    private final DriverDescription description;
    private final Kpm33bHub hub;
    private volatile DeviceRegistry registry;

    /**
     * A driver whose subscription starts with the first {@link #configure(HubSettings)} (inside the gateway:
     * when the settings component hands over the PID's configuration). A session opened before waits for it
     * briefly, then fails and is retried by the core.
     */
    Kpm33bDriver(String version, Clock clock) {
        this.description = buildDescription(version);
        this.hub = new Kpm33bHub(HubSettings.of(java.util.Map.of()), () -> registry, clock);
    }

    /** Plain-Java use (tests, benchmark harness): settings as in the .cfg file of the PID, started at once. */
    public Kpm33bDriver(String version, java.util.Map<String, String> settings, Clock clock) {
        this.description = buildDescription(version);
        this.hub = new Kpm33bHub(HubSettings.of(settings), () -> registry, clock);
        hub.start();
    }

    /** New driver-wide settings; the first ones start the subscription of a driver made without any. */
    void configure(HubSettings settings) {
        hub.configure(settings);
    }

    /** Applies new driver-wide settings (plain-Java use). */
    public void configure(java.util.Map<String, String> settings) {
        hub.configure(HubSettings.of(settings));
    }

    /** Whether a device that opens is waiting for the driver's settings or link (for tests). */
    boolean sessionWaiting() {
        return hub.sessionWaiting();
    }

    @Override
    public void close() {
        hub.close();
    }

    /** The embedded broker, or null when none runs; used when {@code url = embedded}. */
    public void setLocalBroker(LocalBroker b) {
        hub.localBroker(b);
    }

    /** The embedded broker {@code b} went away; ignored when another one was bound meanwhile. */
    public void unsetLocalBroker(LocalBroker b) {
        hub.localBrokerGone(b);
    }

    /**
     * The MQTT output's broker URL, or null when no output is installed: the kpm33b_proxy layout of the
     * {@code proxy.*} settings is published by the output, so {@code proxy.url} must name the same broker.
     */
    public void setOutputUrl(String url) {
        hub.outputUrl(url);
    }

    public void setRegistry(DeviceRegistry r) {
        this.registry = r;
    }

    public void unsetRegistry(DeviceRegistry r) {
        if (registry == r) {
            registry = null;
        }
    }

    @Override
    public DriverDescription describe() {
        return description;
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return Kpm33bSession.open(context, hub);
    }

    @Override
    public List<DiscoveredMeter> discovered() {
        return hub.discovered();
    }

    /** Pipeline counters, for logs and the benchmark harness. */
    public String stats() {
        return hub.stats();
    }

    static DriverDescription buildDescription(String version) {
        String[] groups = Arrays.stream(Field.Group.values()).map(Field.Group::key).toArray(String[]::new);
        return DriverDescription.builder(ID).name("COMPERE KPM33B (MQTT)").vendor("meter2mqtt").version(version)
                .mode(DriverDescription.Mode.STREAMING)
                // channels depend on the groups chosen and on what the meter sends: they are announced at runtime
                .model(new ModelDescription("KPM33B", "KPM33B", "COMPERE", List.of()))
                .configKey(ConfigKey.builder(KEY_METER_ID, ConfigKey.Type.STRING).required()
                        .description("The meter's id as it publishes it, e.g. 33B1225950027").build())
                .configKey(ConfigKey.builder(KEY_GROUPS, ConfigKey.Type.LIST)
                        .defaultValue(DEFAULT_GROUPS.stream().map(Field.Group::key).collect(Collectors.joining(",")))
                        .options(groups).description("Channel groups to publish").build())
                .configKey(ConfigKey.builder(KEY_UPLOAD_SECONDS, ConfigKey.Type.INTEGER)
                        .options(ConfigCommand.Interval.SECONDS.allowed().toArray(new String[0]))
                        .description("Real-time data interval set on the meter, in seconds; empty: leave as is")
                        .build())
                .configKey(ConfigKey.builder(KEY_UPLOAD_MINUTES, ConfigKey.Type.INTEGER)
                        .options(ConfigCommand.Interval.MINUTES.allowed().toArray(new String[0]))
                        .description("Energy data interval set on the meter, in minutes; empty: leave as is")
                        .build())
                .configKey(ConfigKey.builder(KEY_DISCOVERED, ConfigKey.Type.BOOLEAN).defaultValue("false")
                        .description("Set by auto-discovery for meters without a .cfg; a .cfg device with the same "
                                + "meter.id takes over").build())
                .build();
    }
}
