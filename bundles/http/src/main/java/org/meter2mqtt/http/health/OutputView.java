package org.meter2mqtt.http.health;

/**
 * What the page, /health and /metrics show of one output (MQTT, InfluxDB): copied from its
 * {@code OutputStatus} once per request. A count of -1 means the output does not report it.
 */
public record OutputView(String name, boolean healthy, String summary, long published, long buffered,
        long dropped) {
}
