package org.meter2mqtt.broker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "org.meter2mqtt.broker", name = "meter2mqtt embedded MQTT broker",
        description = "Moquette MQTT 3.1.1 broker inside the gateway, for MQTT meters (KPM33B) and the demo")
@interface Config {

    @AttributeDefinition(description = "Run the broker. Set false when an external broker (Mosquitto) is used")
    boolean enabled() default true;

    @AttributeDefinition(description = "Address to listen on. 0.0.0.0 lets meters on the LAN connect; "
            + "127.0.0.1 keeps the broker local to this machine")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port (plain MQTT)")
    int port() default 11883;

    @AttributeDefinition(required = false, description = "When set (with password), clients must log in")
    String username() default "";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD, description = "Password for username")
    String password() default "";

    @AttributeDefinition(description = "Let a listener beyond loopback (host other than 127.0.0.1) open without "
            + "username and password. Off: such a listener is refused with an ERROR")
    boolean allow_anonymous() default false;

    @AttributeDefinition(description = "Keep retained messages and persistent sessions across restarts, "
            + "under ${karaf.data}/moquette")
    boolean persistence() default true;
}
