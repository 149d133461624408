package org.meter2mqtt.http.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.function.Supplier;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.meter2mqtt.http.auth.AccessPolicy;

/** The status page: three static files from this bundle (no CDN, no build step). */
public final class PageServlet extends GuardedServlet {

    private static final long serialVersionUID = 1L;

    private static final Map<String, String[]> FILES = Map.of( // path -> resource, content type
            "/", new String[] {"web/index.html", "text/html; charset=UTF-8"},
            "/index.html", new String[] {"web/index.html", "text/html; charset=UTF-8"},
            "/app.js", new String[] {"web/app.js", "text/javascript; charset=UTF-8"},
            "/style.css", new String[] {"web/style.css", "text/css; charset=UTF-8"},
            "/health.schema.json", new String[] {"web/health.schema.json", "application/schema+json"});

    public PageServlet(Supplier<AccessPolicy> policy) {
        super(policy);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] file = FILES.get(path(req));
        if (file == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (InputStream in = PageServlet.class.getClassLoader().getResourceAsStream(file[0])) {
            if (in == null) {
                resp.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            resp.setContentType(file[1]);
            resp.setHeader("Cache-Control", "no-cache");
            resp.setHeader("Content-Security-Policy", "default-src 'self'");
            in.transferTo(resp.getOutputStream());
        }
    }
}
