package org.meter2mqtt.mqtt.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID org.meter2mqtt.mqtt (etc/org.meter2mqtt.mqtt.cfg). Method names map to keys: {@code client_id} is client.id. */
@ObjectClassDefinition(id = "org.meter2mqtt.mqtt", name = "meter2mqtt MQTT output",
        description = "Publishes readings over MQTT with Home Assistant discovery and an on-disk buffer")
@interface Config {

    @AttributeDefinition(description = "Broker URL: tcp://host:1883 or ssl://host:8883")
    String url() default "tcp://localhost:1883";

    @AttributeDefinition(required = false, description = "MQTT client id; default meter2mqtt-<gateway.id>")
    String client_id() default "";

    @AttributeDefinition(required = false, description = "Login name, if the broker wants one")
    String username() default "";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD, description = "Login password")
    String password() default "";

    @AttributeDefinition(required = false, description = "PEM file with the CA certificate(s) that signed "
            + "the broker's certificate; empty uses the Java trust store")
    String tls_ca_file() default "";

    @AttributeDefinition(required = false, description = "PEM client certificate (with tls.key.file)")
    String tls_cert_file() default "";

    @AttributeDefinition(required = false, description = "PEM unencrypted PKCS#8 client key (BEGIN PRIVATE KEY)")
    String tls_key_file() default "";

    @AttributeDefinition(description = "Check that the broker's certificate names the host in url")
    boolean tls_hostname_verification() default true;

    @AttributeDefinition(description = "First level of every reading topic")
    String topic_prefix() default "meters";

    @AttributeDefinition(description = "QoS of readings (0, 1 or 2); statuses and discovery always use 1")
    int qos() default 1;

    @AttributeDefinition(name = "channel.qos", description = "QoS of the per-channel topics (state.layout = "
            + "channels). 0: the state JSON's acknowledgement, which follows them on the same connection, confirms "
            + "them too, so nothing is lost between gateway and broker; 1 or 2 only matter to subscribers that keep "
            + "a persistent session and must get the channel topics queued while they are away")
    int channel_qos() default 0;

    @AttributeDefinition(description = "Retain the value and state messages of readings")
    boolean retain() default false;

    @AttributeDefinition(name = "state.layout", description = "channels: a topic per channel plus the state JSON "
            + "(Home Assistant reads the channel topics); json: only the state JSON, with every channel's latest "
            + "value, read by Home Assistant with value_template (one message per reading instead of one per "
            + "channel plus one)")
    String state_layout() default "channels";

    @AttributeDefinition(description = "MQTT keep-alive in seconds")
    int keepalive() default 30;

    @AttributeDefinition(description = "Announce sensors to Home Assistant (MQTT discovery)")
    boolean discovery_enabled() default true;

    @AttributeDefinition(description = "Home Assistant discovery prefix")
    String discovery_prefix() default "homeassistant";

    @AttributeDefinition(required = false, description = "Scopes topics, client id and HA ids; default: host name")
    String gateway_id() default "";

    @AttributeDefinition(description = "Upper bound of the on-disk buffer in MiB; the oldest readings are dropped "
            + "(and counted) beyond it")
    int buffer_max_mb() default 64;

    @AttributeDefinition(description = "Buffered readings older than this many hours are dropped (and counted)")
    int buffer_max_age_hours() default 168;

    @AttributeDefinition(description = "Longest time in ms a buffered reading waits for fsync; 0 = every write")
    int buffer_fsync_ms() default 1000;

    @AttributeDefinition(name = "inflight.max", description = "QoS 1 messages sent and not yet acknowledged at "
            + "most (1-30000); the rate to the broker is at most this many per round trip")
    int inflight_max() default org.meter2mqtt.mqtt.MqttSettings.DEFAULT_INFLIGHT_MAX;

    @AttributeDefinition(name = "gather.above", description = "Above this many readings a second the output waits "
            + "1 ms before each turn to send several together: less CPU (fewer wake-ups and system calls), up to "
            + "1 ms more latency. 0: never wait")
    int gather_above() default org.meter2mqtt.mqtt.MqttSettings.DEFAULT_GATHER_ABOVE;
}
