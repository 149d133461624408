package org.meter2mqtt.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where readings go: the MQTT publisher, InfluxDB, metrics. Registered as an OSGi service; the core calls
 * every output for every device. Calls come from device threads and must not block: an output that needs
 * I/O queues (and, for MQTT, buffers to disk). An output that throws is logged and does not affect others.
 */
@ConsumerType
public interface MeterOutput {

    /** A device appeared or changed: state, name, channels, driver version. Also sent once on registration. */
    void deviceChanged(DeviceInfo device);

    /** One batch of publishable readings of one device, in the order the meter produced them. */
    void readings(DeviceInfo device, List<Reading> batch);

    /** The device's configuration was deleted: retract what was announced for it. */
    void deviceRemoved(DeviceInfo device);
}
