package org.meter2mqtt.http.web;

import java.io.IOException;
import java.time.Instant;
import java.util.function.Supplier;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.meter2mqtt.http.auth.AccessPolicy;
import org.meter2mqtt.http.health.HealthReport;

import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code GET /health}: JSON, 200 for healthy and degraded, 503 for unhealthy. */
public final class HealthServlet extends GuardedServlet {

    private static final long serialVersionUID = 1L;

    private final transient Gateway gateway;
    private final transient HealthReport report;
    private final transient ObjectMapper mapper;

    public HealthServlet(Supplier<AccessPolicy> policy, Gateway gateway, HealthReport report, ObjectMapper mapper) {
        super(policy);
        this.gateway = gateway;
        this.report = report;
        this.mapper = mapper;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HealthReport.Result r = report.build(gateway.devices(), gateway.outputs(), gateway.drivers(),
                gateway.version(), gateway.uptime(), Instant.now());
        resp.setStatus(r.status().httpStatus());
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        mapper.writerWithDefaultPrettyPrinter().writeValue(resp.getOutputStream(), r.json());
    }
}
