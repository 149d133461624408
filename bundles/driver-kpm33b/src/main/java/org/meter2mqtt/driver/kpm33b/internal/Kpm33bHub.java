package org.meter2mqtt.driver.kpm33b.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DiscoveredMeter;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.meter2mqtt.driver.kpm33b.protocol.ConfigCommand;
import org.meter2mqtt.driver.kpm33b.protocol.Intake;
import org.meter2mqtt.driver.kpm33b.protocol.MessageParser;
import org.meter2mqtt.driver.kpm33b.protocol.MeterClock;
import org.meter2mqtt.driver.kpm33b.protocol.MeterMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one subscription on the internal broker that all KPM33B devices share: the embedded broker in-process
 * ({@code url = embedded}, the default) or a client connection. Every message is handled on the thread that
 * delivers it (the broker's delivery thread or Paho's callback thread), start to end: parse, merge split packets, drop duplicates, zeros, excluded ids and
 * implausible clocks, then hand it to the session registered for the meter id (which publishes through the
 * core; the MQTT output publishes it, in the kpm33b_proxy layout too when configured). No queue, no thread hop.
 * Meters without a session are remembered for {@code meter:discovered} and, with autodiscover, started as
 * transient devices ({@link DiscoveredMeters}); configuration commands are matched to replies by
 * {@link PendingCommands}; what happened to each message is counted in {@link PipelineCounters}.
 */
final class Kpm33bHub implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Kpm33bHub.class);
    /** How long opening a session waits for the first connection to the internal broker. */
    private static final long CONNECT_WAIT_MS = 2_000;

    private final Supplier<DeviceRegistry> registry;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<String, Kpm33bSession> sessions = new ConcurrentHashMap<>();
    private final DiscoveredMeters discovered = new DiscoveredMeters();
    private final PendingCommands pending = new PendingCommands();
    private final PipelineCounters counters = new PipelineCounters();
    private final LinkGate gate = new LinkGate();
    /** A meter that keeps sending garbage or a wrong clock is logged at WARN once an hour, per cause. */
    private final RateLimitedLog hourly = new RateLimitedLog(LOG, Duration.ofHours(1));
    private final Intake intake;

    private volatile HubSettings settings;
    private volatile LocalBroker localBroker;
    private volatile InternalLink internal;
    /** The MQTT output's broker (its service property), or null while none is installed. */
    private volatile String outputUrl;
    private volatile boolean closed;
    /** Guarded by this: the link is made only once settings are known (see {@link #configure}). */
    private boolean started;
    private String lastStats = "";

    Kpm33bHub(HubSettings settings, Supplier<DeviceRegistry> registry, Clock clock) {
        this.settings = settings;
        this.registry = registry;
        this.clock = clock;
        this.intake = new Intake(settings.excluded, new MeterClock(settings.zone, settings.clockTolerance));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kpm33b-hub");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts with the settings given at construction. */
    synchronized void start() {
        started = true;
        settings.problems.forEach(p -> LOG.warn("KPM33B settings (etc/org.meter2mqtt.driver.kpm33b.cfg): {}", p));
        LOG.info("KPM33B meters on {}", settings);
        internal = newInternal(settings);
        internal.start();
        gate.changed();
        long every = settings.statsInterval.toMillis();
        timer.scheduleWithFixedDelay(this::pushStats, every, every, TimeUnit.MILLISECONDS);
    }

    /** Puts the shared pipeline's counters (drops included) on every device, for meter:show. */
    private void pushStats() {
        String s = stats();
        if (!s.equals(lastStats)) {
            lastStats = s;
            sessions.values().forEach(x -> x.pipeline(s));
        }
    }

    /** New settings (@Modified): reconnects only what changed; the first settings of a hub not started start it. */
    synchronized void configure(HubSettings s) {
        if (!started) {
            settings = s;
            intake.reconfigure(s.excluded, new MeterClock(s.zone, s.clockTolerance));
            start();
            return;
        }
        HubSettings old = settings;
        settings = s;
        intake.reconfigure(s.excluded, new MeterClock(s.zone, s.clockTolerance));
        s.problems.forEach(p -> LOG.warn("KPM33B settings (etc/org.meter2mqtt.driver.kpm33b.cfg): {}", p));
        if (!s.sameConnection(old)) {
            LOG.info("KPM33B meters now on {}", s);
            InternalLink l = internal;
            internal = newInternal(s);
            if (l != null) {
                l.close();
            }
            internal.start();
            gate.changed();
            // sessions reopen and re-register through the core's retry, against the new connection
            lost("internal broker settings changed");
        }
        if (!s.sameProxy(old)) {
            // the sessions suggest the kpm33b-proxy layout to the output when they open: reopen them
            lost("kpm33b_proxy settings changed");
        }
    }

    /** The embedded broker {@code b} went: forgotten only if it is the one in use (a replacement may be bound). */
    synchronized void localBrokerGone(LocalBroker b) {
        if (localBroker == b) {
            localBroker(null);
        }
    }

    /** The embedded broker came, went or was restarted: rebuild the in-process link if that is the one used. */
    synchronized void localBroker(LocalBroker b) {
        localBroker = b;
        if (closed || !started || !settings.embedded()) {
            return;
        }
        InternalLink l = internal;
        boolean wasConnected = l != null && l.connected();
        internal = newInternal(settings);
        if (l != null) {
            l.close();
        }
        internal.start();
        gate.changed();
        if (wasConnected) {
            lost(b == null ? "embedded broker stopped" : "embedded broker restarted");
        }
    }

    private InternalLink newInternal(HubSettings s) {
        if (s.embedded()) {
            return new LocalLink(localBroker, List.of(s.secondsTopic, s.minutesTopic, s.replyTopic), this::message);
        }
        return new MqttLink("internal broker", s.url, s.clientId, s.username, s.password,
                List.of(s.secondsTopic, s.minutesTopic, s.replyTopic), 1, this::message, this::lost, gate::changed,
                timer);
    }

    /** The MQTT output came, went or moved to another broker. */
    void outputUrl(String url) {
        String old = outputUrl;
        outputUrl = url;
        if (settings.proxyUrl != null && url != null && !url.equals(old)) {
            // a session that opened before may have been refused (or accepted) against the old broker
            lost("the MQTT output now publishes to " + url);
        }
    }

    String outputUrl() {
        return outputUrl;
    }

    HubSettings settings() {
        return settings;
    }

    /** Whether a session that opens is waiting for the hub's link (for tests). */
    boolean sessionWaiting() {
        return gate.hasWaiters();
    }

    /** Whether the link to the internal broker is up (for tests and meter:show). */
    boolean linkConnected() {
        InternalLink l = internal;
        return l != null && l.connected();
    }

    Clock clock() {
        return clock;
    }

    // ---- sessions ----

    /**
     * The settings the hub runs with, once its link is up. Inside the gateway the driver is made before its
     * configuration arrives, so a session must not take its layout from {@link #settings()} before this: the
     * defaults have no proxy.url, and a device opened at boot kept "no layout" for good.
     *
     * @throws DriverException when the internal broker cannot be reached (the core retries with backoff)
     */
    HubSettings startedSettings() throws DriverException {
        awaitLink();
        return settings;
    }

    private InternalLink awaitLink() throws DriverException {
        InternalLink l;
        try {
            l = gate.await(() -> internal, () -> closed, CONNECT_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted while waiting for the internal broker");
        }
        if (closed || l == null || !l.connected()) {
            String why = closed ? "closed" : l == null ? "not started" : l.problem();
            throw new DriverException(settings.embedded() ? why
                    : "internal MQTT broker " + settings.url + " not reachable: " + why);
        }
        return l;
    }

    /**
     * Routes a meter's messages to a session.
     *
     * @param used the settings and output url the session took its layout from: when either changed meanwhile, the
     *            session is refused and the core opens it again (a change after this is told by {@link #lost})
     * @throws ConfigException when another device (with a .cfg) already has this meter id
     * @throws DriverException when the internal broker cannot be reached (the core retries with backoff)
     */
    void register(Kpm33bSession s, HubSettings used, String usedOutputUrl) throws DriverException {
        awaitLink();
        Kpm33bSession superseded = null;
        synchronized (sessions) {
            Kpm33bSession old = sessions.get(s.meterId());
            if (old != null && old != s) {
                if (old.transientDevice() && !s.transientDevice()) {
                    superseded = old;
                } else {
                    throw new ConfigException("meter.id " + s.meterId() + " is already used by device "
                            + old.deviceId());
                }
            }
            sessions.put(s.meterId(), s);
        }
        // after the put: configure() and outputUrl() change the field first, then tell the registered sessions
        if (!settings.sameProxy(used) || !java.util.Objects.equals(outputUrl, usedOutputUrl)) {
            synchronized (sessions) {
                // an auto-discovered device this one was to take over from keeps its place
                if (superseded != null) {
                    sessions.replace(s.meterId(), s, superseded);
                } else {
                    sessions.remove(s.meterId(), s);
                }
            }
            throw new DriverException("the kpm33b_proxy settings changed while the device was opening");
        }
        if (superseded != null) {
            LOG.info("KPM33B {}: device {} (.cfg) takes over from the auto-discovered device {}", s.meterId(),
                    s.deviceId(), superseded.deviceId());
            superseded.superseded(s.deviceId());
        }
        // the message that made us discover the meter is not lost
        DiscoveredMeters.Kept kept = discovered.claim(s.meterId(), !s.transientDevice());
        if (kept != null) {
            deliver(s, kept.message, kept.time);
        }
    }

    void unregister(Kpm33bSession s) {
        sessions.remove(s.meterId(), s);
        pending.forgetAll(s);
    }

    /**
     * Publishes a configuration command and routes its reply (by oprid) to {@code onReply}.
     *
     * @return false when the internal broker is not connected (nothing was sent)
     */
    boolean sendCommand(Kpm33bSession from, String meterId, String oprid, byte[] payload,
            Consumer<ConfigCommand.Reply> onReply) {
        InternalLink l = internal;
        // expected before it is sent: a fast meter's reply must find it
        pending.expect(oprid, from, onReply);
        if (l == null || !l.publish(ConfigCommand.topic(settings.commandPrefix, meterId), payload, 1)) {
            pending.forget(oprid);
            return false;
        }
        return true;
    }

    /** The command was given up on (no reply in time, session closed): a late reply is ignored. */
    void forget(String oprid) {
        pending.forget(oprid);
    }

    // ---- the message path (the delivering thread) ----

    /** {@code payload[0, length)} is valid only during the call: everything kept is parsed out of it first. */
    private void message(String topic, byte[] payload, int length) {
        HubSettings s = settings;
        if (topic.equals(s.replyTopic)) {
            reply(Arrays.copyOf(payload, length));
            return;
        }
        counters.received.incrementAndGet();
        Instant now = clock.instant();
        // the message's arrays are this thread's, valid until it parses again: what is kept beyond it is copied
        Intake.Result r = intake.offer(MessageParser.parseReusing(topic, payload, 0, length), now);
        MeterMessage m = r.message();
        switch (r.verdict()) {
            case ACCEPTED:
                break;
            case MALFORMED:
                counters.malformed.incrementAndGet();
                Kpm33bSession bad = m.id() == null ? null : sessions.get(m.id());
                if (bad != null) {
                    bad.badData(r.reason());
                } else {
                    hourly.warn("malformed:" + topic, "KPM33B: unreadable message on {}: {}", topic, r.reason());
                }
                return;
            case EXCLUDED:
                counters.excluded.incrementAndGet();
                return;
            case INCOMPLETE:
                return;
            case DUPLICATE:
                counters.duplicates.incrementAndGet();
                LOG.trace("KPM33B {}: duplicate {} at {}", m.id(), topic, m.time());
                return;
            case ZEROS:
                counters.zeros.incrementAndGet();
                LOG.debug("KPM33B {}: all-zero {} at {} dropped", m.id(), topic, m.time());
                return;
            case BAD_CLOCK:
            default:
                counters.badClock.incrementAndGet();
                Kpm33bSession late = sessions.get(m.id());
                if (late != null) {
                    late.badData(r.reason());
                }
                hourly.warn("clock:" + m.id(), "KPM33B {}: {}", m.id(), r.reason());
                return;
        }
        Kpm33bSession session = sessions.get(m.id());
        if (session == null || session.transientDevice()) {
            seen(m, r.time(), now, session == null);
        }
        if (session == null) {
            counters.withoutDevice.incrementAndGet();
            return;
        }
        deliver(session, m, r.time());
    }

    private void deliver(Kpm33bSession session, MeterMessage m, Instant t) {
        if (session.onMessage(m, t)) {
            counters.dispatched.incrementAndGet();
        }
    }

    private void seen(MeterMessage m, Instant t, Instant now, boolean keep) {
        if (!discovered.seen(m, t, now, keep)) {
            return;
        }
        LOG.info("KPM33B {}: new meter without a .cfg{}", m.id(), settings.autodiscover
                ? "; publishing it with default settings (meter:add " + deviceId(m.id()) + " kpm33b meter.id="
                        + m.id() + " makes it permanent)"
                : " (autodiscover is off: meter:discovered lists it)");
        DeviceRegistry r = registry.get();
        if (settings.autodiscover && r != null) {
            Map<String, String> cfg = new HashMap<>();
            cfg.put(DeviceConfig.DRIVER, Kpm33bDriver.ID);
            cfg.put(Kpm33bDriver.KEY_METER_ID, m.id());
            cfg.put(Kpm33bDriver.KEY_DISCOVERED, "true");
            r.startTransient(deviceId(m.id()), cfg);
        }
    }

    /** The device id of an auto-discovered meter: its meter id, made safe for topics. */
    static String deviceId(String meterId) {
        return DiscoveredMeters.deviceId(meterId);
    }

    private void reply(byte[] payload) {
        ConfigCommand.Reply r = ConfigCommand.parseReply(payload);
        if (r == null) {
            hourly.warn("reply", "KPM33B: unreadable reply on {}: {}", settings.replyTopic,
                    new String(payload, java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        if (!pending.complete(r)) {
            LOG.debug("KPM33B: {} matches no command of this gateway", r);
        }
    }

    private void lost(String why) {
        for (Kpm33bSession s : new ArrayList<>(sessions.values())) {
            s.linkLost("internal MQTT broker " + settings.url + ": " + why);
        }
    }

    // ---- discovery ----

    List<DiscoveredMeter> discovered() {
        return discovered.list(id -> {
            Kpm33bSession s = sessions.get(id);
            return s == null || s.transientDevice();
        });
    }

    /** For logs and benchmarks: what the pipeline did so far. */
    String stats() {
        LocalBroker b = localBroker;
        return counters.summary(settings.embedded() && b != null ? "dropped by the embedded broker " + b.dropped()
                : null);
    }

    @Override
    public void close() {
        closed = true;
        InternalLink l = internal;
        if (l != null) {
            l.close();
        }
        gate.changed();
        timer.shutdownNow();
        LOG.info("KPM33B subscription closed: {}", stats());
    }
}
