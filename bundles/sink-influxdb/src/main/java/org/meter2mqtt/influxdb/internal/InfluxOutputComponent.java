package org.meter2mqtt.influxdb.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.OutputStatus;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.influxdb.InfluxOutput;
import org.meter2mqtt.influxdb.InfluxSettings;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Thin OSGi glue: typed configuration in, {@link InfluxOutput} does the work. Services are registered by hand
 * with one property, so the password and token never become service properties anyone can list.
 */
@Component(immediate = true, service = {}, configurationPid = "org.meter2mqtt.influxdb",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Config.class)
public class InfluxOutputComponent implements MeterOutput, OutputStatus {

    private final InfluxOutput output;
    private final ServiceRegistration<?> registration;

    @Activate
    public InfluxOutputComponent(Config config, BundleContext context) {
        Path dir = Path.of(System.getProperty("karaf.data", "data"), "meter2mqtt", "influxdb");
        output = new InfluxOutput(dir, Clock.systemUTC());
        output.configure(settings(config));
        registration = context.registerService(new String[] { MeterOutput.class.getName(),
                OutputStatus.class.getName() }, this,
                FrameworkUtil.asDictionary(Map.of("meter.output", "influxdb")));
    }

    @Modified
    void modified(Config config) {
        output.configure(settings(config));
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
        output.close();
    }

    static InfluxSettings settings(Config c) {
        return InfluxSettings.builder().url(c.url()).api(c.api())
                .v1(c.db(), c.rp(), c.username(), c.password()).dbCreate(c.db_create()).v2(c.org(), c.bucket(), c.token())
                .tlsCaFile(c.tls_ca_file()).schema(c.schema(), c.measurement())
                .gatewayId(c.gateway_id().isBlank() ? hostName() : c.gateway_id().trim())
                .batch(c.batch_size(), Duration.ofMillis(Math.max(1, c.batch_ms())), c.gzip())
                .timeout(Duration.ofSeconds(Math.max(1, c.timeout_seconds())))
                .retry(Duration.ofSeconds(1), Duration.ofSeconds(Math.max(1, c.retry_max_seconds())))
                .buffer(Math.max(1, c.buffer_max_mb()) * 1024L * 1024L, Duration.ofHours(c.buffer_max_age_hours()),
                        Duration.ofMillis(Math.max(0, c.buffer_fsync_ms())))
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
            return "gateway";
        }
    }

    @Override
    public String outputName() {
        return "influxdb";
    }

    @Override
    public boolean healthy() {
        // switched off by its configuration (no url, the shipped default) it has nothing to deliver: that must not
        // make every gateway's /health say degraded
        return output.state() == InfluxOutput.State.OFF || output.healthy();
    }

    @Override
    public String summary() {
        return output.summary();
    }

    @Override
    public void deviceChanged(DeviceInfo device) {
        // points carry the device's name and driver with every reading; nothing to announce
    }

    @Override
    public void readings(DeviceInfo device, List<Reading> batch) {
        output.readings(device, batch);
    }

    @Override
    public void deviceRemoved(DeviceInfo device) {
        // InfluxDB keeps history; a removed device simply writes no more points
    }
}
