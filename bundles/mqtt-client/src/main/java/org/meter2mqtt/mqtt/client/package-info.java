/**
 * The gateway's one MQTT client layer (Paho 3.1.1 underneath): {@link org.meter2mqtt.mqtt.client.MqttConnection}
 * (a connection that keeps itself up, with {@link org.meter2mqtt.api.util.Backoff}), TLS from PEM files
 * ({@link org.meter2mqtt.mqtt.client.Tls}), the one TCP_NODELAY socket factory
 * ({@link org.meter2mqtt.mqtt.client.NoDelaySockets}) and the coalescing socket stream
 * ({@link org.meter2mqtt.mqtt.client.CoalescingOutputStream}). Plain Java, no OSGi services.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.meter2mqtt.mqtt.client;
