package org.meter2mqtt.driver.homeassistant.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Dictionary;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the Home Assistant driver, versioned like its bundle. Its only other job: the gateway id for the loop
 * rule, read from the MQTT output's configuration (PID {@code org.meter2mqtt.mqtt}, key {@code gateway.id}), with
 * the MQTT output's default (the host name) when unset.
 */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=" + HomeAssistantDriver.ID)
public class HomeAssistantComponent implements MeterDriver {

    private static final Logger LOG = LoggerFactory.getLogger(HomeAssistantComponent.class);
    static final String MQTT_PID = "org.meter2mqtt.mqtt";

    private final HomeAssistantDriver driver;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public HomeAssistantComponent(BundleContext context) {
        this.driver = new HomeAssistantDriver(context.getBundle().getVersion().toString(), this::gatewayId);
    }

    @Override
    public DriverDescription describe() {
        return driver.describe();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        return driver.open(context);
    }

    private String gatewayId() {
        ConfigurationAdmin ca = configAdmin;
        if (ca != null) {
            try {
                // getConfiguration would bind the PID to this bundle; listConfigurations only reads
                Configuration[] found = ca.listConfigurations("(service.pid=" + MQTT_PID + ")");
                if (found != null && found.length > 0) {
                    Dictionary<String, Object> p = found[0].getProperties();
                    Object v = p == null ? null : p.get("gateway.id");
                    if (v != null && !v.toString().isBlank()) {
                        return v.toString().trim();
                    }
                }
            } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
                LOG.warn("Cannot read gateway.id of {} ({}); using the host name for the loop rule", MQTT_PID,
                        e.toString());
            }
        }
        return hostName();
    }

    /** The MQTT output's default gateway id. */
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
}
