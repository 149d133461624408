package org.meter2mqtt.http.web;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.function.Supplier;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.meter2mqtt.http.auth.AccessPolicy;
import org.meter2mqtt.http.metrics.GatewayMetrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * {@code GET /metrics}: the Prometheus client library picks the format from the Accept header (OpenMetrics
 * when the scraper asks for it, else text 0.0.4) and writes it.
 */
public final class MetricsServlet extends GuardedServlet {

    private static final long serialVersionUID = 1L;

    private final transient Gateway gateway;
    private final transient ExpositionFormats formats = ExpositionFormats.init();
    private final transient GatewayMetrics metrics = new GatewayMetrics();

    public MetricsServlet(Supplier<AccessPolicy> policy, Gateway gateway) {
        super(policy);
        this.gateway = gateway;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        MetricSnapshots snapshots = metrics.snapshot(gateway.devices(), gateway.outputs(), gateway.drivers(),
                gateway.uptime(), Instant.now());
        ExpositionFormatWriter writer = formats.findWriter(req.getHeader("Accept"));
        if (!writer.isAvailable()) {
            writer = formats.getPrometheusTextFormatWriter(); // protobuf is not installed
        }
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(writer.getContentType());
        try (OutputStream out = resp.getOutputStream()) {
            writer.write(out, snapshots);
        }
    }
}
