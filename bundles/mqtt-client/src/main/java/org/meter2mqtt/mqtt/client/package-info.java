/**
 * The gateway's one MQTT client layer (Paho 3.1.1 underneath): {@link org.meter2mqtt.mqtt.client.MqttConnection}
 * (a connection that keeps itself up, with {@link org.meter2mqtt.api.util.Backoff}, or one attempt at a time for
 * an owner with its own retry loop, the MQTT output), TLS from PEM files
 * ({@link org.meter2mqtt.mqtt.client.Tls}), the one TCP_NODELAY socket factory
 * ({@link org.meter2mqtt.mqtt.client.NoDelaySockets}) and the coalescing socket stream
 * ({@link org.meter2mqtt.mqtt.client.CoalescingOutputStream}). Plain Java, no OSGi services (the bundle's one
 * service, a weaving hook that gives Paho's packet decoder block reads, is internal).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.meter2mqtt.mqtt.client;
