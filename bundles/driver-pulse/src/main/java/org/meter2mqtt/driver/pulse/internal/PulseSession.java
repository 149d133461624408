package org.meter2mqtt.driver.pulse.internal;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.LocalBroker;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.meter2mqtt.driver.pulse.protocol.Kind;
import org.meter2mqtt.driver.pulse.protocol.PowerTracker;
import org.meter2mqtt.driver.pulse.protocol.Pulse;
import org.meter2mqtt.driver.pulse.protocol.PulseCounter;
import org.meter2mqtt.driver.pulse.protocol.PulseParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pulse meter. The input's threads only queue deliveries; one writer thread takes whatever has queued,
 * counts it, writes the counter to disk (atomic, fsync), then publishes and acknowledges. So a pulse is
 * acknowledged only once the counter that includes it is on disk, and a published total is never ahead of the
 * saved one (after a crash the first total published is the saved one, never lower than what went out).
 */
final class PulseSession implements DriverSession, Input.Sink {

    private static final Logger LOG = LoggerFactory.getLogger(PulseSession.class);
    /** Keyed by device, so a new session after a reconnect does not log the same condition again at once. */
    private static final RateLimitedLog REJECTED_LOG = new RateLimitedLog(LOG, Duration.ofMinutes(1));
    private static final RateLimitedLog CEILING_LOG = new RateLimitedLog(LOG, Duration.ofHours(1));
    private static final int MAX_BATCH = 20_000;
    /** The edge drops pulses closer than 800 ms; near that the count falls short. */
    private static final long CEILING_WARN_MS = 1_000;

    private final DeviceContext ctx;
    private final Settings s;
    private final Input input;
    private final LinkedBlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    private final PulseCounter counter;
    private final PowerTracker power;
    private final Map<Kind, BigDecimal> lastTotal = new HashMap<>();
    private final Map<Kind, Double> lastPower = new HashMap<>();
    private volatile boolean closed;
    private long counted;
    private long duplicates;
    private long rejected;
    private long filtered;
    private String lastRejection;
    private String shownStats = "";

    private PulseSession(DeviceContext ctx, Settings s, Input input, PulseCounter counter) {
        this.ctx = ctx;
        this.s = s;
        this.input = input;
        this.counter = counter;
        this.power = new PowerTracker(s.whPerPulse.doubleValue(), s.powerTimeoutMs);
    }

    static PulseSession open(DeviceContext ctx, PulseDriver driver) throws DriverException {
        Settings s = Settings.of(ctx.deviceId(), ctx.config());
        try {
            // what a failed write of an earlier session left in memory is not on disk: never publish or count on it
            ctx.state().flush();
        } catch (UncheckedIOException e) {
            throw new DriverException(e.getMessage(), e);
        }
        PulseCounter counter;
        try {
            counter = PulseCounter.fromState(s.whPerPulse, ctx.state().snapshot());
        } catch (RuntimeException e) {
            // never start from 0 over a counter we cannot read: Home Assistant would see a reset
            throw new ConfigException("the saved pulse counter is unreadable (" + e.getMessage()
                    + "); fix or remove the device's state file");
        }
        Holder h = new Holder();
        Input input;
        switch (s.transport) {
            case AMQP:
                input = new AmqpInput(s, ctx.deviceId(), h, ctx.clock());
                break;
            case EMBEDDED:
                LocalBroker b = driver.localBroker();
                if (b == null) {
                    throw new DriverException("url = embedded, but the embedded broker is not running "
                            + "(etc/org.meter2mqtt.broker.cfg)");
                }
                input = new MqttInput(s, "tcp://" + b.address(), h, ctx.clock());
                break;
            default:
                input = new MqttInput(s, s.url, h, ctx.clock());
        }
        PulseSession session = new PulseSession(ctx, s, input, counter);
        h.target = session;
        ctx.attribute("source", input.describe());
        ctx.startThread("pulse writer", session::run);
        return session;
    }

    /** The inputs are built before the session they feed. */
    private static final class Holder implements Input.Sink {
        volatile PulseSession target;

        @Override
        public void delivered(Delivery d) {
            target.delivered(d);
        }

        @Override
        public void lost(String why, Throwable cause) {
            target.lost(why, cause);
        }
    }

    @Override
    public void delivered(Delivery d) {
        queue.add(d);
    }

    @Override
    public void lost(String why, Throwable cause) {
        if (!closed) {
            ctx.linkLost(why, cause);
        }
    }

    private void run() {
        try {
            input.start();
        } catch (Exception e) {
            if (!closed) {
                ctx.linkLost("cannot consume from " + input.describe() + ": " + e.getMessage(), e);
            }
            return;
        }
        LOG.info("Pulse device {}: consuming from {}", ctx.deviceId(), input.describe());
        synchronized (this) {
            // the saved totals, published once loaded and consuming: the device is ONLINE with no pulses at night
            publish(ctx.clock().millis(), true);
        }
        try {
            ctx.scheduler().scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // closed while the input was starting: the released context's scheduler refuses (seen in CI)
            if (closed) {
                return;
            }
            throw e;
        }
        List<Delivery> batch = new ArrayList<>();
        while (!closed) {
            try {
                Delivery first = queue.poll(500, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                process(batch);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("Pulse device {}: batch failed; the pulses are not acknowledged and come again",
                        ctx.deviceId(), e);
                ctx.linkLost("internal error: " + e, e);
                return;
            }
        }
    }

    private void process(List<Delivery> batch) {
        long now = ctx.clock().millis();
        boolean changed = false;
        // rejected ones are settled already; a multiple-ack naming one of them would be an unknown tag
        List<Delivery> accepted = new ArrayList<>(batch.size());
        synchronized (this) {
            for (Delivery d : batch) {
                PulseParser.Result r = PulseParser.parse(d.body(), d.key(), now);
                if (!r.ok()) {
                    reject(d, r.rejected());
                    continue;
                }
                accepted.add(d);
                Pulse p = r.pulse();
                if (s.dcId != null && !s.dcId.equals(p.dcId())) {
                    filtered++;
                    continue;
                }
                if (counter.count(p)) {
                    power.pulse(p, d.arrivedMs());
                    counted++;
                    changed = true;
                } else {
                    duplicates++;
                }
            }
            if (changed) {
                Map<String, String> st = counter.changes();
                st.forEach(ctx.state()::put);
                ctx.state().put(PulseDriver.KEY_ENERGY_OFFSET, s.energyOffset.toPlainString());
                ctx.state().put(PulseDriver.KEY_REACTIVE_OFFSET, s.reactiveOffset.toPlainString());
            }
            if (!persisted()) {
                return;
            }
            if (changed) {
                publish(now, false);
                warnNearCeiling();
            }
        }
        input.ack(accepted);
    }

    /**
     * Flushes even when this batch changed nothing: duplicates of pulses whose write failed before are
     * acknowledged only once that write succeeded. @return false when nothing may be acknowledged
     */
    private boolean persisted() {
        try {
            ctx.state().flush();
        } catch (UncheckedIOException e) {
            // a full disk or a state folder that cannot be written: the pulses stay unacknowledged, RabbitMQ or the
            // broker redelivers them to the next session, which the core opens with backoff until the disk is back
            if (!closed) {
                ctx.linkLost(e.getMessage(), e);
            }
            closed = true;
            return false;
        }
        // the write may have been cut short (the session closes): acknowledge nothing, it comes again
        return !closed && !Thread.currentThread().isInterrupted();
    }

    private void reject(Delivery d, String why) {
        rejected++;
        lastRejection = why;
        input.reject(d);
        ctx.error("rejected pulse message: " + why);
        REJECTED_LOG.warn(ctx.deviceId(), "Pulse device {}: message rejected: {}", ctx.deviceId(), why);
    }

    private void warnNearCeiling() {
        long dt = power.shortestInterval(Kind.ACTIVE);
        if (dt > 0 && dt < CEILING_WARN_MS) {
            CEILING_LOG.warn(ctx.deviceId(), "Pulse device {}: pulses {} ms apart; the edge drops pulses closer than "
                    + "800 ms, so the count falls short at this load", ctx.deviceId(), dt);
        }
    }

    /** Totals from the saved counter and the power now; called with the lock held. */
    private void publish(long now, boolean totalsOnly) {
        List<Reading> out = new ArrayList<>(4);
        out.add(total(Kind.ACTIVE, PulseDriver.ACTIVE_ENERGY, s.energyOffset, now));
        out.add(total(Kind.REACTIVE, PulseDriver.REACTIVE_ENERGY, s.reactiveOffset, now));
        if (!totalsOnly) {
            for (Kind k : Kind.values()) {
                if (power.shortestInterval(k) > 0) {
                    out.add(power(k, now, Instant.ofEpochMilli(counter.lastTs(k))));
                }
            }
        }
        ctx.publish(out);
    }

    private Reading total(Kind k, String channel, BigDecimal offset, long now) {
        BigDecimal v = offset.add(counter.wh(k).movePointLeft(3));
        v = v.scale() < 3 ? v.setScale(3) : v.stripTrailingZeros();
        if (v.scale() < 3) {
            v = v.setScale(3);
        }
        BigDecimal before = lastTotal.put(k, v);
        if (before != null && v.compareTo(before) < 0) {
            LOG.warn("Pulse device {}: {} went down from {} to {} (a lower offset?)", ctx.deviceId(), channel,
                    before, v);
        }
        long ts = counter.lastTs(k);
        return Reading.of(channel, v, Instant.ofEpochMilli(ts > 0 ? ts : now));
    }

    private Reading power(Kind k, long now, Instant at) {
        double w = power.power(k, now);
        lastPower.put(k, w);
        String channel = k == Kind.ACTIVE ? PulseDriver.ACTIVE_POWER : PulseDriver.REACTIVE_POWER;
        return Reading.of(channel, BigDecimal.valueOf(w).setScale(1, RoundingMode.HALF_UP), at);
    }

    /** Power decays when pulses stop; counters for meter:show. */
    private void tick() {
        try {
            tickNow();
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: the power would freeze at its last value
            LOG.error("Pulse device {}: power update failed", ctx.deviceId(), e);
        }
    }

    private void tickNow() {
        List<Reading> out = new ArrayList<>(2);
        String stats;
        synchronized (this) {
            long now = ctx.clock().millis();
            for (Kind k : Kind.values()) {
                double w = power.power(k, now);
                Double before = lastPower.get(k);
                if (before == null || Math.abs(before - w) >= 0.05) {
                    out.add(power(k, now, Instant.ofEpochMilli(now)));
                }
            }
            stats = counted + "/" + duplicates + "/" + rejected + "/" + filtered;
            if (!stats.equals(shownStats)) {
                shownStats = stats;
                ctx.attribute("pulses", Long.toString(counted));
                ctx.attribute("duplicates", Long.toString(duplicates));
                ctx.attribute("filtered", filtered == 0 ? null : Long.toString(filtered));
                ctx.attribute("rejected", rejected == 0 ? null : rejected + " (last: " + lastRejection + ")");
            }
        }
        if (!out.isEmpty()) {
            ctx.publish(out);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!ctx.removed()) {
            input.close(); // the queue or session stays: the next session continues where this one stopped
            return;
        }
        try {
            String removed = input.forget();
            if (removed != null) {
                LOG.info("Pulse device {} deleted: removed {}", ctx.deviceId(), removed);
            }
        } catch (Exception e) {
            LOG.warn("Pulse device {} deleted, but {} keeps collecting pulses for it: {}", ctx.deviceId(),
                    input.describe(), e.getMessage());
        }
    }
}
