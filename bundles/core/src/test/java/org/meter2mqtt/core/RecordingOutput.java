package org.meter2mqtt.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;

/** An output that remembers what the core sent it. */
final class RecordingOutput implements MeterOutput {

    final List<DeviceInfo> changes = new CopyOnWriteArrayList<>();
    final List<Reading> readings = new CopyOnWriteArrayList<>();
    final List<String> removed = new CopyOnWriteArrayList<>();

    @Override
    public void deviceChanged(DeviceInfo device) {
        changes.add(device);
    }

    @Override
    public void readings(DeviceInfo device, List<Reading> batch) {
        readings.addAll(batch);
    }

    @Override
    public void deviceRemoved(DeviceInfo device) {
        removed.add(device.id());
    }

    long readingsOf(String deviceId) {
        return readings.stream().filter(r -> deviceId.equals(r.deviceId())).count();
    }
}
