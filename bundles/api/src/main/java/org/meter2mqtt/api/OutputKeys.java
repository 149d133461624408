package org.meter2mqtt.api;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Implemented by a {@link MeterOutput} (the same service object) that owns the keys of a device {@code .cfg}
 * under its prefix, e.g. {@code mqtt.layouts} and {@code mqtt.layout.<name>.topic} for the MQTT output. The core
 * does not report such keys as unknown, and a problem this check finds puts the device in
 * {@link DeviceState#CONFIG_ERROR} with the reason, as a bad driver key does. Since 1.2.
 */
@ConsumerType
public interface OutputKeys {

    /** The prefix of the keys this output owns, with its dot: {@code mqtt.}. */
    String keyPrefix();

    /**
     * Problems with this output's keys in one device configuration (keys not under the prefix are not this
     * output's business); empty when they are fine. Must be fast and must not block: the core calls it while it
     * evaluates the device.
     *
     * @param config the device's configuration as written in its {@code .cfg} (secrets included: never log it)
     */
    List<String> checkKeys(Map<String, String> config);
}
