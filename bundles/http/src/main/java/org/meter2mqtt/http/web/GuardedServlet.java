package org.meter2mqtt.http.web;

import java.io.IOException;
import java.util.function.Supplier;

import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.meter2mqtt.http.auth.AccessPolicy;

/** Checks the access policy before every request; a refused one gets 401 with a Basic challenge. */
abstract class GuardedServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient Supplier<AccessPolicy> policy;

    GuardedServlet(Supplier<AccessPolicy> policy) {
        this.policy = policy;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        if (!policy.get().allows(path(req), req.getHeader("Authorization"))) {
            resp.setHeader("WWW-Authenticate", "Basic realm=\"meter2mqtt\", charset=\"UTF-8\"");
            resp.sendError(HttpServletResponse.SC_UNAUTHORIZED, "Log in with a Karaf user that has the viewer role");
            return;
        }
        resp.setHeader("X-Content-Type-Options", "nosniff");
        super.service(req, resp);
    }

    /** The path inside our context, e.g. {@code /health}. */
    static String path(HttpServletRequest req) {
        String uri = req.getRequestURI();
        String ctx = req.getContextPath();
        String p = ctx != null && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
        return p.isEmpty() ? "/" : p;
    }
}
