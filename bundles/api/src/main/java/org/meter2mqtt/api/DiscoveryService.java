package org.meter2mqtt.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/** Optional service of a driver that finds meters by itself; listed by {@code meter:discovered}. */
@ConsumerType
public interface DiscoveryService {

    List<DiscoveredMeter> discovered();
}
