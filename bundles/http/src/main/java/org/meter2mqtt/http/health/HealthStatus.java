package org.meter2mqtt.http.health;

/** The gateway-wide verdict of {@code /health}, with the HTTP status a container health check acts on. */
public enum HealthStatus {
    /** Every device that is not disabled is ONLINE and every output delivers with nothing buffered. */
    HEALTHY(200),
    /** Still useful: some devices are not ONLINE, or an output buffers or reconnects. */
    DEGRADED(200),
    /** Nothing useful comes out: no device delivers readings, or an output is losing them. */
    UNHEALTHY(503);

    private final int httpStatus;

    HealthStatus(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** As written in the JSON: {@code healthy}, {@code degraded}, {@code unhealthy}. */
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
