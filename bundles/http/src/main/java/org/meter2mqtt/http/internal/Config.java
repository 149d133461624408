package org.meter2mqtt.http.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "org.meter2mqtt.http", name = "meter2mqtt HTTP",
        description = "/health, /metrics and the live status page on Karaf's HTTP whiteboard (Pax Web)")
@interface Config {

    @AttributeDefinition(description = "Address to listen on. 127.0.0.1: this machine only, no login. Any other "
            + "address (0.0.0.0, a LAN address) requires HTTP Basic login with a Karaf user that has the viewer role")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port")
    int port() default 8181;

    @AttributeDefinition(description = "Serve /health without login even when login is required (load balancers)")
    boolean health_public() default false;

    @AttributeDefinition(required = false, description = "Java keystore (JKS or PKCS12) with the server "
            + "certificate: when set, HTTPS only on the port")
    String tls_keystore() default "";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD, description = "Password of the "
            + "keystore and its key")
    String tls_keystore_password() default "";
}
