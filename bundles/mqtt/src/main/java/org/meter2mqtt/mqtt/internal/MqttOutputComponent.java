package org.meter2mqtt.mqtt.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.OutputKeys;
import org.meter2mqtt.api.OutputStatus;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.mqtt.MqttPublisher;
import org.meter2mqtt.mqtt.MqttSettings;
import org.meter2mqtt.mqtt.layout.Layouts;
import org.meter2mqtt.mqtt.status.MqttOutputStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin OSGi glue: typed configuration in, {@link MqttPublisher} does the work. The services are registered by
 * hand with one property: DS would publish every configuration property (the password too) as a service
 * property, visible to anyone who lists services.
 */
@Component(immediate = true, service = {}, configurationPid = "org.meter2mqtt.mqtt",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Config.class)
public class MqttOutputComponent implements MeterOutput, MqttOutputStatus, OutputStatus, OutputKeys {

    private static final Logger LOG = LoggerFactory.getLogger(MqttOutputComponent.class);

    private final MqttPublisher publisher;
    private final ServiceRegistration<?> registration;

    @Activate
    public MqttOutputComponent(Config config, BundleContext context) {
        Path dir = Path.of(System.getProperty("karaf.data", "data"), "meter2mqtt", "mqtt");
        publisher = new MqttPublisher(dir, context.getBundle().getVersion().toString(), Clock.systemUTC());
        MqttSettings s = settings(config);
        publisher.start(s);
        registration = context.registerService(new String[] { MeterOutput.class.getName(),
                MqttOutputStatus.class.getName(), OutputStatus.class.getName() }, this, properties(s));
    }

    @Modified
    void modified(Config config) {
        MqttSettings s = settings(config);
        publisher.configure(s);
        registration.setProperties(properties(s));
    }

    /**
     * {@code meter.output=mqtt} and the broker URL ({@code mqtt.url}, never credentials): drivers that map old
     * settings onto a layout of this output (KPM33B's proxy.url) check that they name the same broker.
     */
    private static java.util.Dictionary<String, Object> properties(MqttSettings s) {
        return FrameworkUtil.asDictionary(Map.of("meter.output", "mqtt", "mqtt.url", s.url()));
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
        publisher.close();
    }

    static MqttSettings settings(Config c) {
        return MqttSettings.builder().url(c.url()).clientId(c.client_id())
                .credentials(c.username(), c.password())
                .tls(c.tls_ca_file(), c.tls_cert_file(), c.tls_key_file(), c.tls_hostname_verification())
                .topicPrefix(c.topic_prefix()).qos(c.qos()).channelQos(c.channel_qos())
                .retain(c.retain()).stateLayout(c.state_layout())
                .keepAliveSeconds(c.keepalive())
                .discovery(c.discovery_enabled(), c.discovery_prefix())
                .gatewayId(c.gateway_id().isBlank() ? hostName() : c.gateway_id())
                .buffer(Math.max(1, c.buffer_max_mb()) * 1024L * 1024L, Duration.ofHours(c.buffer_max_age_hours()),
                        Duration.ofMillis(Math.max(0, c.buffer_fsync_ms())))
                .maxInflight(c.inflight_max())
                .gatherAbove(c.gather_above())
                .build();
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            LOG.warn("Cannot determine the host name ({}); using gateway id 'gateway'. Set gateway.id in "
                    + "etc/org.meter2mqtt.mqtt.cfg", e.getMessage());
            return "gateway";
        }
    }

    @Override
    public String keyPrefix() {
        return Layouts.PREFIX;
    }

    @Override
    public List<String> checkKeys(Map<String, String> config) {
        return Layouts.check(config);
    }

    @Override
    public String outputName() {
        return "mqtt";
    }

    @Override
    public boolean healthy() {
        return state() == State.CONNECTED;
    }

    @Override
    public String summary() {
        return state() + " " + detail() + " (published " + published() + ", buffered " + buffered() + ", dropped "
                + dropped() + ", rejected " + rejected() + ")";
    }

    @Override
    public void deviceChanged(DeviceInfo device) {
        publisher.deviceChanged(device);
    }

    @Override
    public void readings(DeviceInfo device, List<Reading> batch) {
        publisher.readings(device, batch);
    }

    @Override
    public void deviceRemoved(DeviceInfo device) {
        publisher.deviceRemoved(device);
    }

    @Override
    public State state() {
        return publisher.state();
    }

    @Override
    public String detail() {
        return publisher.detail();
    }

    @Override
    public long buffered() {
        return publisher.buffered();
    }

    @Override
    public long dropped() {
        return publisher.dropped();
    }

    @Override
    public long rejected() {
        return publisher.rejected();
    }

    @Override
    public long published() {
        return publisher.published();
    }
}
