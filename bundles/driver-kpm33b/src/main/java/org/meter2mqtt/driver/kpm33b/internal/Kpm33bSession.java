package org.meter2mqtt.driver.kpm33b.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.util.Backoff;
import org.meter2mqtt.driver.kpm33b.protocol.ConfigCommand;
import org.meter2mqtt.driver.kpm33b.protocol.Field;
import org.meter2mqtt.driver.kpm33b.protocol.MeterMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KPM33B meter. It owns no connection: it registers its meter id with the {@link Kpm33bHub} and turns
 * the messages the hub hands it into readings. Channels are announced when a field first appears, so only
 * what the meter really sends (in the chosen groups) becomes a Home Assistant entity.
 *
 * <p>Configuration: when the session opens (gateway start, new or changed .cfg, first sight of a discovered
 * meter) it sends the configured upload intervals, each with a fresh oprid, and expects the meter's reply
 * within {@code ack.timeout.ms}: code 01 logs INFO, code 02 logs ERROR with the meter's message, silence logs
 * an {@code ALERT:} line at ERROR. Failures are retried with exponential backoff; what the meter acknowledged
 * is kept in the device state.
 */
final class Kpm33bSession implements DriverSession {

    private static final Logger LOG = LoggerFactory.getLogger(Kpm33bSession.class);
    static final String STATE_ACKED = "acked.";
    static final String ATTR_RESULT = "config.result";
    /** Counters of the subscription all KPM33B meters share (what was received, dropped and why). */
    static final String ATTR_PIPELINE = "kpm33b.pipeline";

    private final DeviceContext context;
    private final Kpm33bHub hub;
    private final String meterId;
    private final boolean transientDevice;
    private final Set<Field.Group> groups;
    private final boolean[] announced = new boolean[Field.values().length];
    private int lastBatch;
    private final Set<String> unknownTags = new HashSet<>();
    private final List<IntervalSetting> settings = new ArrayList<>();
    private volatile boolean closed;
    private volatile String supersededBy;
    private boolean seen;

    private Kpm33bSession(DeviceContext context, Kpm33bHub hub, String meterId, boolean transientDevice,
            Set<Field.Group> groups) {
        this.context = context;
        this.hub = hub;
        this.meterId = meterId;
        this.transientDevice = transientDevice;
        this.groups = groups;
    }

    static Kpm33bSession open(DeviceContext context, Kpm33bHub hub) throws DriverException {
        DeviceConfig c = context.config();
        String meterId = c.get(Kpm33bDriver.KEY_METER_ID);
        if (meterId.length() < 8) {
            throw new ConfigException("'meter.id' must be the meter's id as it publishes it (13 characters, e.g. "
                    + "33B1225950027), got '" + meterId + "'");
        }
        Set<Field.Group> groups = EnumSet.noneOf(Field.Group.class);
        for (String g : c.getList(Kpm33bDriver.KEY_GROUPS)) {
            groups.add(Field.Group.valueOf(g.toUpperCase(Locale.ROOT)));
        }
        Kpm33bSession s = new Kpm33bSession(context, hub, meterId, c.getBoolean(Kpm33bDriver.KEY_DISCOVERED, false),
                groups);
        for (ConfigCommand.Interval i : ConfigCommand.Interval.values()) {
            String key = key(i);
            c.find(key).ifPresent(v -> s.settings.add(s.new IntervalSetting(i, key, v)));
        }
        // the kpm33b_proxy layout of the driver-wide proxy.* settings is published by the MQTT output
        HubSettings settings = hub.startedSettings();
        String outputUrl = hub.outputUrl();
        for (Map.Entry<String, String> a : ProxyLayout.attributes(settings, outputUrl).entrySet()) {
            context.attribute(a.getKey(), a.getValue());
        }
        hub.register(s, settings, outputUrl);
        s.startConfiguration();
        LOG.debug("KPM33B {} opened as device {} (groups {})", meterId, context.deviceId(), groups);
        return s;
    }

    static String key(ConfigCommand.Interval i) {
        return i == ConfigCommand.Interval.SECONDS ? Kpm33bDriver.KEY_UPLOAD_SECONDS : Kpm33bDriver.KEY_UPLOAD_MINUTES;
    }

    String meterId() {
        return meterId;
    }

    String deviceId() {
        return context.deviceId();
    }

    boolean transientDevice() {
        return transientDevice;
    }

    // ---- data (hub thread) ----

    /**
     * Publishes one accepted message.
     *
     * @return false when this session no longer takes data (closed, or superseded by a .cfg device)
     */
    synchronized boolean onMessage(MeterMessage m, Instant time) {
        if (closed || supersededBy != null) {
            return false;
        }
        if (!seen) {
            seen = true;
            // a meter that was silent when the session opened gets its configuration now instead of at the
            // next backoff retry
            settings.forEach(IntervalSetting::meterAppeared);
        }
        // sized as the last batch: a KPM33B sends 42 tags, of which the default channel groups publish about 18
        List<Reading> batch = new ArrayList<>(lastBatch > 0 ? lastBatch : m.size());
        String device = context.deviceId();
        for (int i = 0; i < m.size(); i++) {
            Field f = m.field(i);
            if (f == null) {
                if (unknownTags.add(m.tag(i))) {
                    LOG.debug("KPM33B {}: tag '{}' is not known; not published", meterId, m.tag(i));
                }
                continue;
            }
            if (!groups.contains(f.group())) {
                continue;
            }
            if (!announced[f.ordinal()]) {
                announced[f.ordinal()] = true;
                context.announce(Kpm33bChannels.of(f));
            }
            batch.add(Reading.forDevice(device, f.channel(), m.number(i), time));
        }
        lastBatch = batch.size();
        if (!batch.isEmpty()) {
            context.publish(batch);
        }
        return true;
    }

    void badData(String why) {
        if (!closed && supersededBy == null) {
            context.error(why);
        }
    }

    void pipeline(String stats) {
        if (!closed) {
            context.attribute(ATTR_PIPELINE, stats);
        }
    }

    void linkLost(String why) {
        if (!closed) {
            context.linkLost(why, null);
        }
    }

    void superseded(String byDevice) {
        supersededBy = byDevice;
        context.attribute("superseded", "meter " + meterId + " is now published by device " + byDevice);
    }

    @Override
    public void close() {
        closed = true;
        hub.unregister(this);
        synchronized (this) {
            settings.forEach(IntervalSetting::cancel);
        }
    }

    // ---- configuration ----

    private void startConfiguration() {
        if (settings.isEmpty()) {
            return;
        }
        Map<String, String> state = context.state().snapshot();
        StringBuilder known = new StringBuilder();
        for (IntervalSetting s : settings) {
            String acked = state.get(STATE_ACKED + s.key);
            if (acked != null) {
                known.append(known.length() == 0 ? "" : ", ").append(s.key).append('=').append(acked);
            }
        }
        if (known.length() > 0) {
            context.attribute(ATTR_RESULT, "last acknowledged " + known + "; sending the configuration again");
        }
        synchronized (this) {
            settings.forEach(IntervalSetting::send);
        }
    }

    /** One upload interval to set on the meter, with its retry state. Guarded by the session's lock. */
    private final class IntervalSetting {
        final ConfigCommand.Interval interval;
        final String key;
        final String value;
        String oprid;
        boolean acknowledged;
        int failures;
        ScheduledFuture<?> timeout;
        ScheduledFuture<?> retry;

        IntervalSetting(ConfigCommand.Interval interval, String key, String value) {
            this.interval = interval;
            this.key = key;
            this.value = value;
        }

        String describe() {
            return "MQTT_COMMOD_SET Cmd " + interval.cmd() + " (" + key + "=" + value + ")";
        }

        void send() {
            if (closed) {
                return;
            }
            cancelRetry();
            String id = ConfigCommand.newOprid();
            oprid = id;
            if (!hub.sendCommand(Kpm33bSession.this, meterId, id, ConfigCommand.payload(id, interval, value),
                    r -> onReply(id, r))) {
                oprid = null;
                failed("ERROR: " + describe() + " not sent: internal broker not connected", false);
                return;
            }
            LOG.debug("KPM33B {}: sent {} oprid {}", meterId, describe(), id);
            long ms = hub.settings().ackTimeout.toMillis();
            timeout = context.scheduler().schedule(() -> noReply(id), ms, TimeUnit.MILLISECONDS);
        }

        void onReply(String id, ConfigCommand.Reply r) {
            synchronized (Kpm33bSession.this) {
                if (closed || !id.equals(oprid)) {
                    return;
                }
                oprid = null;
                cancelTimeout();
                Instant now = hub.clock().instant();
                if (r.success()) {
                    acknowledged = true;
                    failures = 0;
                    LOG.info("KPM33B {} (device {}) acknowledged {}", meterId, context.deviceId(), describe());
                    context.attribute(ATTR_RESULT, "OK: " + key + "=" + value + " acknowledged at " + now);
                    context.state().put(STATE_ACKED + key, value);
                    context.state().put(STATE_ACKED + key + ".at", now.toString());
                    context.state().flush();
                } else {
                    String msg = r.msg() == null ? "no message" : r.msg();
                    LOG.error("KPM33B {} (device {}) rejected {}: code {}, {}", meterId, context.deviceId(),
                            describe(), r.code(), msg);
                    failed("ERROR: " + key + "=" + value + " rejected at " + now + " (code " + r.code() + ": " + msg
                            + ")", true);
                }
            }
        }

        private void noReply(String id) {
            synchronized (Kpm33bSession.this) {
                if (closed || !id.equals(oprid)) {
                    return;
                }
                hub.forget(id);
                oprid = null;
                long ms = hub.settings().ackTimeout.toMillis();
                String result = "ALERT: no reply to " + key + "=" + value + " within " + ms + " ms (at "
                        + hub.clock().instant() + ")";
                // the result is visible (meter:show) before the alert line, so whoever reacts to it sees it
                context.attribute(ATTR_RESULT, result);
                LOG.error("ALERT: KPM33B {} (device {}) did not acknowledge {} within {} ms; retrying in {} s",
                        meterId, context.deviceId(), describe(), ms, nextDelay().toSeconds());
                failed(result, true);
            }
        }

        private void failed(String result, boolean logged) {
            context.attribute(ATTR_RESULT, result);
            Duration d = nextDelay();
            failures++;
            if (!logged) {
                LOG.warn("KPM33B {} (device {}): {}; retrying in {} s", meterId, context.deviceId(), result,
                        d.toSeconds());
            }
            if (!closed) {
                retry = context.scheduler().schedule(() -> {
                    synchronized (Kpm33bSession.this) {
                        send();
                    }
                }, d.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        private Duration nextDelay() {
            HubSettings s = hub.settings();
            // the delay after this failure, the (failures + 1)-th in a row
            return Duration.ofMillis(Backoff.delayMillis(s.retryMin.toMillis(), s.retryMax.toMillis(), failures + 1));
        }

        void meterAppeared() {
            if (!acknowledged && oprid == null) {
                send();
            }
        }

        void cancel() {
            cancelTimeout();
            cancelRetry();
            if (oprid != null) {
                hub.forget(oprid);
            }
        }

        private void cancelTimeout() {
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
        }

        private void cancelRetry() {
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
        }
    }
}
