package org.meter2mqtt.influxdb.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID org.meter2mqtt.influxdb (etc/org.meter2mqtt.influxdb.cfg). {@code batch_size} is the key batch.size. */
@ObjectClassDefinition(id = "org.meter2mqtt.influxdb", name = "meter2mqtt InfluxDB output",
        description = "Writes every device's readings to InfluxDB (line protocol, v1 or v2 API) with an on-disk buffer")
@interface Config {

    @AttributeDefinition(required = false, description = "http://host:8086 or https://...; empty = output off")
    String url() default "";

    @AttributeDefinition(description = "v1 (/write, db/rp, username/password) or v2 (/api/v2/write, org/bucket/"
            + "token; also InfluxDB 3)")
    String api() default "v1";

    @AttributeDefinition(required = false, description = "v1 database")
    String db() default "meters";

    @AttributeDefinition(required = false, description = "v1: CREATE DATABASE when InfluxDB answers that db does "
            + "not exist (needs an admin user when authentication is on); false: CONFIG_ERROR naming the database")
    boolean db_create() default true;

    @AttributeDefinition(required = false, description = "v1 retention policy; empty = the database's default")
    String rp() default "";

    @AttributeDefinition(required = false, description = "v1 user name")
    String username() default "";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD, description = "v1 password")
    String password() default "";

    @AttributeDefinition(required = false, description = "v2 organisation")
    String org() default "";

    @AttributeDefinition(required = false, description = "v2 bucket")
    String bucket() default "";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD, description = "v2 API token")
    String token() default "";

    @AttributeDefinition(required = false, description = "PEM file with the CA certificate(s) of an https url; "
            + "empty uses the Java trust store")
    String tls_ca_file() default "";

    @AttributeDefinition(description = "default or smart-meter-service (Home Assistant devices as the users' "
            + "old service wrote them)")
    String schema() default "default";

    @AttributeDefinition(required = false, description = "Measurement of the default schema; empty = driver id")
    String measurement() default "";

    @AttributeDefinition(required = false, description = "Tag gateway; empty = the host name")
    String gateway_id() default "";

    @AttributeDefinition(description = "Most points per write")
    int batch_size() default 5000;

    @AttributeDefinition(description = "Longest time (ms) a point waits for its batch to fill")
    int batch_ms() default 1000;

    @AttributeDefinition(description = "Compress writes (Content-Encoding: gzip)")
    boolean gzip() default true;

    @AttributeDefinition(description = "Connect and write timeout in seconds")
    int timeout_seconds() default 10;

    @AttributeDefinition(description = "Longest wait in seconds between retries (backoff starts at 1 s)")
    int retry_max_seconds() default 60;

    @AttributeDefinition(description = "Bound of the on-disk buffer in MiB")
    int buffer_max_mb() default 100;

    @AttributeDefinition(description = "Buffered batches older than this (hours) are dropped, and counted")
    int buffer_max_age_hours() default 168;

    @AttributeDefinition(description = "Longest time (ms) buffered points stay unsynced to disk")
    int buffer_fsync_ms() default 1000;
}
