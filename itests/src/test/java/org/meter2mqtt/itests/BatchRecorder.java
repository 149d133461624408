package org.meter2mqtt.itests;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * A second output beside MQTT, registered as a service like any output: it sees every batch the core hands to
 * the outputs for one device, so a test knows exactly which readings the MQTT output owes the broker.
 */
final class BatchRecorder implements MeterOutput, AutoCloseable {

    private final String deviceId;
    private final List<String> timestamps = new CopyOnWriteArrayList<>();
    private final ServiceRegistration<MeterOutput> registration;
    private volatile boolean recording = true;

    BatchRecorder(BundleContext context, String deviceId) {
        this.deviceId = deviceId;
        this.registration = context.registerService(MeterOutput.class, this, null);
    }

    @Override
    public void deviceChanged(DeviceInfo device) {
        // only readings matter here
    }

    @Override
    public void readings(DeviceInfo device, List<Reading> batch) {
        if (recording && device.id().equals(deviceId) && !batch.isEmpty()) {
            // the MQTT output stamps the state JSON with the first reading's time, as ISO-8601
            timestamps.add(batch.get(0).timestamp().toString());
        }
    }

    @Override
    public void deviceRemoved(DeviceInfo device) {
        // only readings matter here
    }

    /** The state timestamps of every batch so far, in the order the core produced them. */
    List<String> timestamps() {
        return new ArrayList<>(timestamps);
    }

    void stopRecording() {
        recording = false;
    }

    @Override
    public void close() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the probe bundle
            System.err.println("itest: recorder already unregistered: " + e.getMessage());
        }
    }
}
