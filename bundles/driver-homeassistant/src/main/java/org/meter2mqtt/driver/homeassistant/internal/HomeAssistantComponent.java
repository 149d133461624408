package org.meter2mqtt.driver.homeassistant.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.meter2mqtt.driver.homeassistant.protocol.HaHttp;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.LoggerFactory;

/**
 * DS glue only: registers {@link HomeAssistantDriver} versioned like its bundle, and reads {@code gateway.id} of
 * the MQTT output's configuration (PID {@code org.meter2mqtt.mqtt}) for the loop rule.
 */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=" + HomeAssistantDriver.ID)
public class HomeAssistantComponent implements MeterDriver {

    private static final RateLimitedLog RLOG = new RateLimitedLog(
            LoggerFactory.getLogger(HomeAssistantComponent.class), Duration.ofMinutes(1));
    static final String MQTT_PID = "org.meter2mqtt.mqtt";

    private final HomeAssistantDriver driver;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public HomeAssistantComponent(BundleContext context) {
        this.driver = new HomeAssistantDriver(context.getBundle().getVersion().toString(),
                () -> HomeAssistantDriver.gatewayIdOrHostName(configuredGatewayId()));
    }

    @Deactivate
    void deactivate() {
        HaHttp.releaseShared();
    }

    @Override
    public DriverDescription describe() {
        return driver.describe();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return driver.open(context);
    }

    /** {@code gateway.id} of the MQTT output's configuration, or null when unset or unreadable. */
    private String configuredGatewayId() {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            return null;
        }
        try {
            // getConfiguration would bind the PID to this bundle; listConfigurations only reads
            Configuration[] found = ca.listConfigurations("(service.pid=" + MQTT_PID + ")");
            Dictionary<String, Object> p = found == null || found.length == 0 ? null : found[0].getProperties();
            Object v = p == null ? null : p.get("gateway.id");
            return v == null ? null : v.toString();
        } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
            // asked at every connect of every device: once a minute is enough
            RLOG.warn("gateway.id", "Cannot read gateway.id of {} ({}); using the host name for the loop rule",
                    MQTT_PID, e.toString());
            return null;
        }
    }
}
