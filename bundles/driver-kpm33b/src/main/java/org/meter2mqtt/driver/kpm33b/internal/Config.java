package org.meter2mqtt.driver.kpm33b.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The shared subscription of all KPM33B meters (PID org.meter2mqtt.driver.kpm33b). */
@ObjectClassDefinition(name = "meter2mqtt KPM33B internal broker",
        description = "Where KPM33B meters publish, which messages count, and the optional kpm33b_proxy topics")
@interface Config {

    @AttributeDefinition(description = "Internal broker the meters publish to (the embedded broker by default)")
    String url() default HubSettings.DEFAULT_URL;

    @AttributeDefinition(required = false)
    String username() default "";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD)
    String password() default "";

    @AttributeDefinition(name = "client.id", required = false, description = "Default meter2mqtt-kpm33b-<host>")
    String client_id() default "";

    @AttributeDefinition(name = "topic.seconds", description = "Real-time (second level) data topic")
    String topic_seconds() default "MQTT_RT_DATA";

    @AttributeDefinition(name = "topic.minutes", description = "Energy (minute level) data topic")
    String topic_minutes() default "MQTT_ENY_NOW";

    @AttributeDefinition(name = "exclude.ids", required = false, description = "Meter ids to ignore (placeholders)")
    String exclude_ids() default "33B120000000";

    @AttributeDefinition(description = "Publish meters without a .cfg with default settings")
    boolean autodiscover() default true;

    @AttributeDefinition(name = "meter.timezone", required = false, description = "Zone of the meters' clocks; "
            + "default: the gateway's")
    String meter_timezone() default "";

    @AttributeDefinition(name = "clock.tolerance.minutes", description = "Messages whose meter clock is further "
            + "from the gateway's are dropped (and logged)")
    int clock_tolerance_minutes() default 1440;

    @AttributeDefinition(name = "ack.timeout.ms", description = "A configuration command without reply within "
            + "this time raises an ALERT")
    int ack_timeout_ms() default 3000;

    @AttributeDefinition(name = "retry.min.seconds")
    int retry_min_seconds() default 30;

    @AttributeDefinition(name = "retry.max.seconds")
    int retry_max_seconds() default 3600;

    @AttributeDefinition(name = "proxy.url", required = false, description = "Central broker for the "
            + "kpm33b_proxy layout <proxy.topic>/<id>/seconds|minutes; empty: off")
    String proxy_url() default "";

    @AttributeDefinition(name = "proxy.username", required = false)
    String proxy_username() default "";

    @AttributeDefinition(name = "proxy.password", required = false, type = AttributeType.PASSWORD)
    String proxy_password() default "";

    @AttributeDefinition(name = "proxy.topic")
    String proxy_topic() default "kpm33b";

    @AttributeDefinition(name = "proxy.phases", required = false, description = "Per-phase groups added to the "
            + "seconds message: current, power, voltage, power_factor")
    String proxy_phases() default "";

    @AttributeDefinition(name = "proxy.qos")
    int proxy_qos() default 1;
}
