package org.meter2mqtt.driver.homeassistant.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.driver.homeassistant.protocol.Discovery;
import org.meter2mqtt.driver.homeassistant.protocol.EntityState;
import org.meter2mqtt.driver.homeassistant.protocol.LoopGuard;
import org.meter2mqtt.driver.homeassistant.protocol.Normaliser;
import org.meter2mqtt.driver.homeassistant.protocol.Plan;
import org.meter2mqtt.driver.homeassistant.protocol.Source;

/**
 * Turns Home Assistant states into readings for one device: keeps the latest state of every candidate entity,
 * the discovery plan, and the current (never an old) whole-home and circuit power for the shares. A missing
 * value publishes nothing and shows as {@code stale.<channel>} in meter:show, with the state word.
 */
final class StatePublisher {

    static final String ATTR_SOURCE = "source.";
    static final String ATTR_STALE = "stale.";
    static final String ATTR_SKIPPED = "skipped";

    private final DeviceContext ctx;
    private final Discovery discovery;
    private final Map<String, EntityState> states = new HashMap<>();
    private final Map<String, BigDecimal> circuitWatts = new HashMap<>();
    private final Map<String, Instant> circuitTimes = new HashMap<>();
    private final Set<String> attributeKeys;
    private LoopGuard guard;
    private Plan plan;
    private BigDecimal totalWatts;
    private Instant totalTime;

    /**
     * @param attributeKeys the meter:show attributes set for this device so far, by earlier sessions too: the
     *                      core keeps attributes across sessions, so a stale mark must be cleared by the next one
     */
    StatePublisher(DeviceContext ctx, Discovery discovery, Set<String> attributeKeys) {
        this.ctx = ctx;
        this.discovery = discovery;
        this.attributeKeys = attributeKeys;
    }

    /** A full snapshot (after every connect, or one poll): plan again and publish every source. */
    synchronized void resync(Collection<EntityState> all, LoopGuard loopGuard) {
        this.guard = loopGuard;
        states.clear();
        for (EntityState s : all) {
            if (discovery.candidate(s)) {
                states.put(s.entityId(), s);
            }
        }
        replan();
        publish(plan.sources());
    }

    /** One state change (push). Older than what we hold: ignored (an event racing the snapshot). */
    synchronized void changed(EntityState s) {
        if (plan == null || !discovery.candidate(s)) {
            return;
        }
        EntityState prev = states.get(s.entityId());
        if (prev != null && prev.lastUpdated() != null && s.lastUpdated() != null
                && s.lastUpdated().isBefore(prev.lastUpdated())) {
            return;
        }
        states.put(s.entityId(), s);
        if (prev == null) {
            // a new entity can add a circuit or become the first present whole-home sensor
            List<Source> before = plan.sources();
            replan();
            if (!before.equals(plan.sources())) {
                publish(plan.sources());
                return;
            }
        }
        plan.forEntity(s.entityId()).ifPresent(src -> publish(List.of(src)));
    }

    /** The entity was removed from Home Assistant ({@code new_state} null). */
    synchronized void removed(String entityId) {
        if (plan == null || states.remove(entityId) == null) {
            return;
        }
        replan();
        publish(plan.sources());
    }

    synchronized Plan plan() {
        return plan;
    }

    private void replan() {
        plan = discovery.plan(states.values(), guard);
        Set<String> keys = new HashSet<>();
        for (Source src : plan.sources()) {
            EntityState s = states.get(src.entityId());
            ctx.announce(HaChannels.of(src, s));
            keys.add(setAttribute(ATTR_SOURCE + src.channelId(), src.entityId() + ": " + src.why()));
            if (src.kind() == Source.Kind.CIRCUIT) {
                ctx.announce(HaChannels.share(src, s));
            }
        }
        if (!plan.skipped().isEmpty()) {
            keys.add(setAttribute(ATTR_SKIPPED, Discovery.describeSkipped(plan.skipped())));
        }
        for (String k : new ArrayList<>(attributeKeys)) {
            if (!keys.contains(k) && !k.startsWith(ATTR_STALE)) {
                ctx.attribute(k, null);
                attributeKeys.remove(k);
            }
        }
        circuitWatts.keySet().removeIf(id -> plan.forEntity(id).map(x -> x.kind() != Source.Kind.CIRCUIT)
                .orElse(true));
        if (plan.ofKind(Source.Kind.TOTAL_POWER).isEmpty()) {
            totalWatts = null;
        }
        for (String k : new ArrayList<>(attributeKeys)) {
            if (k.startsWith(ATTR_STALE) && plan.sources().stream().noneMatch(x -> k.equals(ATTR_STALE
                    + x.channelId()) || k.equals(ATTR_STALE + x.shareChannelId()))) {
                ctx.attribute(k, null);
                attributeKeys.remove(k);
            }
        }
    }

    private void publish(List<Source> sources) {
        List<Reading> batch = new ArrayList<>();
        Set<Source> circuitsToShare = new HashSet<>();
        boolean totalChanged = false;
        for (Source src : sources) {
            EntityState s = states.get(src.entityId());
            Normaliser.Result r = Normaliser.normalise(src.kind(), s);
            if (r.present()) {
                batch.add(Reading.of(src.channelId(), r.value(), s.lastUpdated()));
                clearAttribute(ATTR_STALE + src.channelId());
            } else {
                setAttribute(ATTR_STALE + src.channelId(), r.missing() + " (" + src.entityId()
                        + (s.lastUpdated() == null ? "" : " since " + s.lastUpdated()) + "); nothing published");
                if (!EntityState.UNAVAILABLE.equals(r.missing()) && !EntityState.UNKNOWN.equals(r.missing())) {
                    ctx.error(src.entityId() + ": " + r.missing());
                }
            }
            if (src.kind() == Source.Kind.TOTAL_POWER) {
                totalWatts = r.present() ? r.value() : null;
                totalTime = s.lastUpdated();
                totalChanged = true;
            } else if (src.kind() == Source.Kind.CIRCUIT) {
                if (r.present()) {
                    circuitWatts.put(src.entityId(), r.value());
                    circuitTimes.put(src.entityId(), s.lastUpdated());
                } else {
                    circuitWatts.remove(src.entityId());
                }
                circuitsToShare.add(src);
            }
        }
        if (totalChanged) {
            plan.sources().stream().filter(x -> x.kind() == Source.Kind.CIRCUIT).forEach(circuitsToShare::add);
        }
        for (Source c : circuitsToShare) {
            share(c, batch);
        }
        if (!batch.isEmpty()) {
            ctx.publish(batch);
        }
    }

    private void share(Source circuit, List<Reading> batch) {
        String key = ATTR_STALE + circuit.shareChannelId();
        BigDecimal w = circuitWatts.get(circuit.entityId());
        if (w == null || totalWatts == null || totalWatts.signum() <= 0) {
            String why = w == null ? circuit.channelId() + " has no value"
                    : totalWatts == null ? "total_power has no value" : "total_power is " + totalWatts.toPlainString();
            setAttribute(key, why + "; nothing published");
            return;
        }
        BigDecimal pct = w.multiply(BigDecimal.valueOf(100)).divide(totalWatts, MathContext.DECIMAL64)
                .setScale(2, RoundingMode.HALF_UP);
        Instant a = circuitTimes.get(circuit.entityId());
        Instant ts = a == null ? totalTime : totalTime == null || a.isAfter(totalTime) ? a : totalTime;
        batch.add(Reading.of(circuit.shareChannelId(), pct, ts));
        clearAttribute(key);
    }

    private String setAttribute(String key, String value) {
        ctx.attribute(key, value);
        attributeKeys.add(key);
        return key;
    }

    private void clearAttribute(String key) {
        if (attributeKeys.remove(key)) {
            ctx.attribute(key, null);
        }
    }
}
