/**
 * Read-only status of the MQTT output, for {@code meter:list}, status pages and health checks. The MQTT
 * bundle registers one {@link org.meter2mqtt.mqtt.status.MqttOutputStatus} service.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.meter2mqtt.mqtt.status;
