package org.meter2mqtt.http.web;

import java.time.Duration;
import java.util.List;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.http.health.OutputView;

/** What the HTTP endpoints read: the gateway now. */
public interface Gateway {

    List<DeviceInfo> devices();

    List<DriverDescription> drivers();

    List<OutputView> outputs();

    /** The gateway's version (this bundle's). */
    String version();

    Duration uptime();
}
