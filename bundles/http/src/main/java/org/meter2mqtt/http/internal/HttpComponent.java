package org.meter2mqtt.http.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.servlet.Servlet;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.OutputStatus;
import org.meter2mqtt.http.auth.AccessPolicy;
import org.meter2mqtt.http.health.HealthReport;
import org.meter2mqtt.http.health.HealthRules;
import org.meter2mqtt.http.health.OutputView;
import org.meter2mqtt.http.live.LiveFeed;
import org.meter2mqtt.http.web.EventsServlet;
import org.meter2mqtt.http.web.Gateway;
import org.meter2mqtt.http.web.HealthServlet;
import org.meter2mqtt.http.web.MetricsServlet;
import org.meter2mqtt.http.web.PageServlet;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * OSGi glue: PID {@code org.meter2mqtt.http} decides where Pax Web listens (it writes Pax Web's own
 * configuration, {@code org.ops4j.pax.web}) and who may log in; the servlets go to the HTTP whiteboard. A
 * non-loopback {@code host} is applied only when the JAAS realm {@code karaf} has a user with the viewer role;
 * otherwise Pax Web stays on 127.0.0.1, an ERROR is logged and this component reports CONFIG_ERROR as output
 * {@code http} in {@code meter:list}.
 */
@Component(immediate = true, service = {}, configurationPid = "org.meter2mqtt.http",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Config.class)
public class HttpComponent implements Gateway, OutputStatus {

    static final String PAX_WEB_PID = "org.ops4j.pax.web";
    static final String LOOPBACK = "127.0.0.1";
    private static final Logger LOG = LoggerFactory.getLogger(HttpComponent.class);

    private final BundleContext context;
    private final DeviceRegistry registry;
    private final ConfigurationAdmin configAdmin;
    private final KarafRealm realm;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ServiceTracker<OutputStatus, OutputStatus> outputTracker;
    private final LiveFeed feed;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private volatile AccessPolicy policy = AccessPolicy.open();
    private volatile String state = "STARTING";
    private volatile String detail = "";
    private volatile Config config;
    private final java.util.concurrent.ScheduledExecutorService recheck =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "meter2mqtt-http-realm");
                t.setDaemon(true);
                return t;
            });

    @Activate
    public HttpComponent(Config config, BundleContext context, @Reference DeviceRegistry registry,
            @Reference ConfigurationAdmin configAdmin) {
        this.context = context;
        this.registry = registry;
        this.configAdmin = configAdmin;
        this.realm = new KarafRealm(context);
        outputTracker = new ServiceTracker<>(context, OutputStatus.class, null);
        outputTracker.open();
        apply(config);
        // A refused address opens by itself once a viewer user is added (no need to touch the .cfg again)
        recheck.scheduleWithFixedDelay(this::recheck, 10, 10, java.util.concurrent.TimeUnit.SECONDS);
        feed = new LiveFeed(mapper, this::outputs, Clock.systemUTC(), 1000);
        HealthReport report = new HealthReport(mapper, new HealthRules());
        register(new PageServlet(this::policy), "page", "/");
        register(new HealthServlet(this::policy, this, report, mapper), "health", "/health");
        register(new MetricsServlet(this::policy, this), "metrics", "/metrics");
        register(new EventsServlet(this::policy, this, feed, mapper), "events", "/events");
        registrations.add(context.registerService(MeterOutput.class, feed,
                FrameworkUtil.asDictionary(Map.of("meter.output", "status-page"))));
        registrations.add(context.registerService(OutputStatus.class, this,
                FrameworkUtil.asDictionary(Map.of("meter.output", "http"))));
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    @Deactivate
    void deactivate() {
        recheck.shutdownNow();
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        feed.close();
        outputTracker.close();
    }

    private void register(Servlet servlet, String name, String pattern) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "meter2mqtt-" + name);
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, pattern);
        registrations.add(context.registerService(Servlet.class, servlet, props));
    }

    private AccessPolicy policy() {
        return policy;
    }

    /** Checks the configuration against the realm, then points Pax Web at the address it may use. */
    private synchronized void recheck() {
        if ("CONFIG_ERROR".equals(state) && config != null && realm.hasViewer()) {
            LOG.info("JAAS realm {} has a user with the viewer role now; applying etc/org.meter2mqtt.http.cfg",
                    KarafRealm.NAME);
            apply(config);
        }
    }

    private synchronized void apply(Config c) {
        config = c;
        String host = c.host() == null || c.host().isBlank() ? LOOPBACK : c.host().trim();
        String where = host + ":" + c.port();
        String scheme = tls(c) ? "https://" : "http://";
        if (AccessPolicy.loopback(host)) {
            policy = AccessPolicy.open();
            status("LISTENING", scheme + where + " (this machine only, no login)");
        } else if (!realm.hasViewer()) {
            LOG.error("HTTP not opened on {}: binding beyond loopback requires a login, and JAAS realm '{}' has no "
                    + "user with the '{}' role. Add one to etc/users.properties (e.g. a user in admingroup), then "
                    + "save etc/org.meter2mqtt.http.cfg again; until then /health, /metrics and the status page "
                    + "listen on {}:{} only", where, KarafRealm.NAME, org.meter2mqtt.http.auth.Realm.VIEWER_ROLE,
                    LOOPBACK, c.port());
            host = LOOPBACK;
            policy = AccessPolicy.open();
            status("CONFIG_ERROR", "host " + where + " refused: no user with the viewer role in JAAS realm karaf "
                    + "(etc/users.properties); listening on " + LOOPBACK + ":" + c.port() + " only");
        } else {
            policy = new AccessPolicy(true, c.health_public(), realm);
            status("LISTENING", scheme + where + " (login: viewer role"
                    + (c.health_public() ? ", /health public)" : ")"));
        }
        try {
            pushToPaxWeb(host, c.port(), c);
        } catch (IOException e) {
            LOG.error("Cannot configure Pax Web ({}): {}", PAX_WEB_PID, e.toString());
            status("CONFIG_ERROR", "cannot configure Pax Web: " + e.getMessage());
        }
    }

    private static boolean tls(Config c) {
        return c.tls_keystore() != null && !c.tls_keystore().isBlank();
    }

    private void status(String newState, String why) {
        detail = why; // detail first: a reader that sees the new state sees its detail too
        state = newState;
        LOG.info("HTTP {}: {}", newState, why);
    }

    /** Updates Pax Web's configuration only when a value differs: every update restarts its Jetty. */
    private void pushToPaxWeb(String host, int port, Config c) throws IOException {
        Map<String, Object> want = new LinkedHashMap<>();
        want.put("org.ops4j.pax.web.listening.addresses", host);
        if (tls(c)) {
            want.put("org.osgi.service.http.enabled", "false");
            want.put("org.osgi.service.http.secure.enabled", "true");
            want.put("org.osgi.service.http.port.secure", Integer.toString(port));
            want.put("org.ops4j.pax.web.ssl.keystore", c.tls_keystore().trim());
            want.put("org.ops4j.pax.web.ssl.keystore.password", c.tls_keystore_password());
            want.put("org.ops4j.pax.web.ssl.key.password", c.tls_keystore_password());
        } else {
            want.put("org.osgi.service.http.enabled", "true");
            want.put("org.osgi.service.http.port", Integer.toString(port));
            want.put("org.osgi.service.http.secure.enabled", "false");
        }
        Configuration cfg = configAdmin.getConfiguration(PAX_WEB_PID, null);
        Dictionary<String, Object> props = cfg.getProperties();
        if (props == null) {
            props = new Hashtable<>();
        }
        boolean changed = false;
        for (Map.Entry<String, Object> e : want.entrySet()) {
            Object have = props.get(e.getKey());
            if (!Objects.equals(have == null ? null : have.toString(), e.getValue())) {
                props.put(e.getKey(), e.getValue());
                changed = true;
            }
        }
        if (changed) {
            LOG.info("Pointing Pax Web at {}:{}{}", host, port, tls(c) ? " (HTTPS)" : "");
            cfg.update(props);
        }
    }

    // ---- Gateway ----

    @Override
    public List<DeviceInfo> devices() {
        return registry.devices();
    }

    @Override
    public List<DriverDescription> drivers() {
        return registry.drivers();
    }

    @Override
    public List<OutputView> outputs() {
        List<OutputView> views = new ArrayList<>();
        for (OutputStatus o : outputTracker.getServices(new OutputStatus[0])) {
            if (o != this) {
                views.add(new OutputView(o.outputName(), o.healthy(), o.summary(), o.published(), o.buffered(),
                        o.dropped()));
            }
        }
        views.sort(java.util.Comparator.comparing(OutputView::name));
        return views;
    }

    @Override
    public String version() {
        return context.getBundle().getVersion().toString();
    }

    @Override
    public Duration uptime() {
        return Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
    }

    // ---- OutputStatus, so meter:list shows where the page is or why it is not there ----

    @Override
    public String outputName() {
        return "http";
    }

    @Override
    public boolean healthy() {
        return "LISTENING".equals(state);
    }

    @Override
    public String summary() {
        return state + " " + detail;
    }
}
