package org.meter2mqtt.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.LatestReadings;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured meter and its state machine. Lifecycle fields are guarded by {@code this}; driver calls
 * (open, poll, close) run on the device's {@link Lane}, never under the lock, so a slow driver cannot block
 * Config Admin, the shell or other devices. Output callbacks are made outside the lock.
 */
final class Device {

    private static final Logger LOG = LoggerFactory.getLogger(Device.class);

    static final long CLOSE_DEADLINE_MILLIS = 10_000;

    private final DeviceManager manager;
    private final String id;
    private final FileStateStore state;

    // guarded by this
    private Map<String, String> raw = Map.of();
    private boolean transientDevice;
    private DriverCatalogue.Entry driver;
    private DeviceConfig config;
    private ModelDescription model;
    private DriverSession session;
    private SessionContext context;
    private Lane lane;
    private int generation;
    private DeviceState deviceState = DeviceState.STARTING;
    private boolean announced;
    private String reason;
    private ScheduledFuture<?> pollTask;
    private ScheduledFuture<?> retryTask;
    private int failures;
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private Set<String> channelFilter = Set.of();
    private DeviceInfo outputInfo;

    // written by reading threads
    /**
     * Guarded by this; written for every reading, read rarely. Primitives overwritten in place: a map of Readings
     * made every young collection copy 1000 meters' values.
     */
    private final LatestReadings latest = new LatestReadings();
    private final Map<String, String> attributes = new ConcurrentHashMap<>();
    private volatile long readingCount;
    private volatile long errorCount;
    /** Errors by kind (DeviceInfo.ERROR_*): a handful of keys, updated under the lock. */
    private final Map<String, Long> errorsByKind = new HashMap<>(8);
    private volatile Instant lastReading;
    private volatile String lastError;
    private volatile Instant lastErrorTime;
    private Instant recentBadData; // guarded by this; decides DEGRADED, reset when the device is reconfigured
    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private volatile List<Reading> capture;
    /** Set before the last session closes because the configuration was deleted; see DeviceContext.removed(). */
    private volatile boolean removed;

    Device(DeviceManager manager, String id) {
        this.manager = manager;
        this.id = id;
        this.state = new FileStateStore(manager.stateDir().resolve(id + ".properties"));
        this.lane = manager.newLane();
    }

    boolean removed() {
        return removed;
    }

    String id() {
        return id;
    }

    DeviceManager manager() {
        return manager;
    }

    FileStateStore stateStore() {
        return state;
    }

    synchronized String driverId() {
        return raw.get(DeviceConfig.DRIVER);
    }

    synchronized boolean isTransient() {
        return transientDevice;
    }

    synchronized DriverCatalogue.Entry driver() {
        return driver;
    }

    // ---- lifecycle, called by the manager ----

    /** A new or changed configuration. Returns false when nothing changed. */
    boolean configure(Map<String, String> newRaw, boolean isTransient) {
        Runnable notify;
        synchronized (this) {
            // looked up under this lock, after the configuration it depends on: a driver that registers meanwhile
            // is either found here or rebinds this device afterwards (see DeviceManager.rebind)
            DriverCatalogue.Entry entry = manager.catalogue().best(newRaw.get(DeviceConfig.DRIVER));
            if (newRaw.equals(raw) && transientDevice == isTransient && entry == driver && config != null) {
                return false;
            }
            raw = Map.copyOf(newRaw);
            transientDevice = isTransient;
            driver = entry;
            stopSession();
            failures = 0;
            recentBadData = null;
            notify = evaluate();
        }
        notify.run();
        return true;
    }

    /** The best driver for this device's id may have changed (installed, upgraded, removed): look it up again. */
    void driverChanged() {
        Runnable notify;
        synchronized (this) {
            DriverCatalogue.Entry entry = manager.catalogue().best(raw.get(DeviceConfig.DRIVER));
            if (entry == driver) {
                return;
            }
            DriverCatalogue.Entry old = driver;
            driver = entry;
            if (old != null && entry != null) {
                LOG.info("Device {}: driver {} {} replaces {}; restarting", id, entry.description().id(), entry.version(),
                        old.version());
            }
            stopSession();
            failures = 0;
            notify = evaluate();
        }
        notify.run();
    }

    /**
     * An output that owns keys under {@code prefix} came or went: evaluate again when its verdict may differ (the
     * device has such keys and either they have a problem now or the device is in CONFIG_ERROR).
     */
    void outputKeysChanged(String prefix) {
        Runnable notify;
        synchronized (this) {
            if (raw.keySet().stream().noneMatch(k -> k.startsWith(prefix))) {
                return;
            }
            if (deviceState != DeviceState.CONFIG_ERROR
                    && ConfigValidator.checkOutputs(raw, manager.outputKeys()).isEmpty()) {
                return;
            }
            stopSession();
            failures = 0;
            notify = evaluate();
        }
        notify.run();
    }

    /** Gateway stop or driver unbind: close the session and wait (bounded) for it. */
    void shutdown(DeviceState finalState, String why) {
        Lane l;
        synchronized (this) {
            stopSession();
            l = lane;
            if (finalState != null) {
                setState(finalState, why);
            }
        }
        awaitLane(l);
        state.flushOrLog();
    }

    /** The configuration was deleted. */
    void delete() {
        removed = true;
        shutdown(null, null);
        if (!isTransient()) {
            state.retire();
        }
    }

    private void awaitLane(Lane l) {
        CountDownLatch done = new CountDownLatch(1);
        l.submit("await", 0, done::countDown);
        try {
            if (!done.await(CLOSE_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Device {}: driver did not finish closing within {} s", id, CLOSE_DEADLINE_MILLIS / 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Decides the next state from configuration and driver; opens a session when all is well. */
    private Runnable evaluate() {
        channels.clear();
        outputInfo = null;
        String bad = ConfigValidator.checkDeviceId(id).orElse(null);
        // with the driver at hand every problem is reported at once, common keys and the driver's alike
        List<String> problems = bad != null ? List.of(bad)
                : ConfigValidator.check(raw, driver == null ? null : driver.description(), manager.outputKeys());
        if (!problems.isEmpty()) {
            return configError(problems);
        }
        if (!new DeviceConfig(raw).getBoolean(DeviceConfig.ENABLED, true)) {
            return setState(DeviceState.DISABLED, "enabled=false");
        }
        if (driver == null) {
            return setState(DeviceState.WAITING_FOR_DRIVER, waitingReason(raw.get(DeviceConfig.DRIVER)));
        }
        DriverDescription desc = driver.description();
        config = ConfigValidator.withDefaults(raw, desc);
        model = desc.model(config.get(DeviceConfig.MODEL)).orElseThrow();
        channelFilter = Set.copyOf(config.getList(DeviceConfig.CHANNELS));
        model.channels().forEach(c -> channels.put(c.id(), c));
        Runnable notify = setState(DeviceState.STARTING, null);
        open();
        return notify;
    }

    /**
     * Why the device waits. The catalogue may have gained the driver since this device looked it up (it is then
     * rebound right after): say so instead of "'demo' is not installed (installed: demo)".
     */
    private String waitingReason(String driverId) {
        Set<String> installed = manager.catalogue().ids();
        if (installed.contains(driverId)) {
            return "driver '" + driverId + "' is being installed";
        }
        return "driver '" + driverId + "' is not installed (installed: "
                + (installed.isEmpty() ? "none" : String.join(", ", installed)) + ")";
    }

    private Runnable configError(List<String> problems) {
        return setState(DeviceState.CONFIG_ERROR, String.join("; ", problems));
    }

    private void open() {
        final int g = ++generation;
        final DriverCatalogue.Entry entry = driver;
        final SessionContext ctx = new SessionContext(this, g, config, model);
        lane.submit("open", manager.minCallDeadlineMillis(), () -> {
            DriverSession s;
            try {
                s = entry.driver().open(ctx);
                if (s == null) {
                    throw new IllegalStateException("open returned no session");
                }
            } catch (ConfigException e) {
                ctx.release();
                failedToOpen(g, DeviceState.CONFIG_ERROR, e.getMessage());
                return;
            } catch (DriverException e) {
                ctx.release();
                failedToOpen(g, DeviceState.OFFLINE, e.getMessage());
                return;
            } catch (RuntimeException | LinkageError e) {
                LOG.error("Device {}: driver {} failed to open", id, entry.description().id(), e);
                ctx.release();
                failedToOpen(g, DeviceState.OFFLINE, "driver failed to open: " + e);
                return;
            }
            boolean stale;
            synchronized (this) {
                stale = g != generation;
                if (!stale) {
                    session = s;
                    context = ctx;
                    if (entry.description().mode() == DriverDescription.Mode.POLLED) {
                        long every = config.getInt(DeviceConfig.POLL_INTERVAL, entry.description().defaultPollSeconds());
                        pollTask = manager.timer().scheduleWithFixedDelay(() -> queuePoll(g), 0, every, TimeUnit.SECONDS);
                    }
                }
            }
            if (stale) {
                closeSession(s, ctx);
            }
        });
    }

    private void failedToOpen(int g, DeviceState next, String why) {
        Runnable notify;
        synchronized (this) {
            if (g != generation) {
                return;
            }
            notify = setState(next, why);
            if (next == DeviceState.OFFLINE) {
                countError(DeviceInfo.ERROR_UNREACHABLE);
                scheduleRetry(g);
            }
        }
        notify.run();
    }

    private void queuePoll(int g) {
        // a poll still queued or running is not doubled: a slow meter is polled as fast as it answers
        if (!pollQueued.compareAndSet(false, true)) {
            return;
        }
        Lane l;
        synchronized (this) {
            l = lane;
        }
        l.submit("poll", pollDeadlineMillis(), () -> {
            pollQueued.set(false);
            pollNow(g);
        });
    }

    private long pollDeadlineMillis() {
        long interval = config == null ? 60 : config.getInt(DeviceConfig.POLL_INTERVAL, 60);
        return Math.max(manager.minCallDeadlineMillis(), interval * 1000);
    }

    /** Runs one poll on the current thread (the lane). Throws only for {@link #readNow}. */
    private void pollNow(int g) {
        DriverSession s;
        synchronized (this) {
            if (g != generation || session == null) {
                return;
            }
            s = session;
        }
        try {
            s.poll();
        } catch (DriverException e) {
            onLinkLost(g, e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Device {}: driver crashed while polling", id, e);
            onLinkLost(g, "driver crashed while polling: " + e);
        }
    }

    /** Cancels timers and closes the session on the lane. Caller holds the lock. */
    private void stopSession() {
        generation++;
        pollQueued.set(false);
        if (pollTask != null) {
            pollTask.cancel(false);
            pollTask = null;
        }
        if (retryTask != null) {
            retryTask.cancel(false);
            retryTask = null;
        }
        DriverSession s = session;
        SessionContext c = context;
        session = null;
        context = null;
        if (s != null || c != null) {
            lane.submit("close", CLOSE_DEADLINE_MILLIS, () -> closeSession(s, c));
        }
    }

    private void closeSession(DriverSession s, SessionContext c) {
        try {
            if (s != null) {
                s.close();
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Device {}: driver failed to close its session: {}", id, e.toString());
        } finally {
            if (c != null) {
                c.release();
            }
        }
    }

    private void scheduleRetry(int g) {
        failures++;
        long delay = manager.backoffMillis(failures);
        delay += ThreadLocalRandom.current().nextLong(Math.max(1, delay / 5));
        LOG.debug("Device {}: retry {} in {} ms", id, failures, delay);
        retryTask = manager.timer().schedule(() -> retry(g), delay, TimeUnit.MILLISECONDS);
    }

    private void retry(int g) {
        Runnable notify;
        synchronized (this) {
            if (g != generation || deviceState != DeviceState.OFFLINE) {
                return;
            }
            retryTask = null;
            notify = evaluate();
        }
        notify.run();
    }

    /** The watchdog found a driver call running past its deadline. */
    void checkHung() {
        String overdue;
        Runnable notify;
        synchronized (this) {
            overdue = lane.overdue();
            if (overdue == null) {
                return;
            }
            LOG.error("Device {}: driver {} hung: {}; abandoning the call and restarting the device", id,
                    driverId(), overdue);
            Lane hung = lane;
            lane = manager.newLane();
            hung.abandon();
            stopSession();
            notify = setState(DeviceState.OFFLINE, "driver hung: " + overdue);
            scheduleRetry(generation);
        }
        notify.run();
    }

    // ---- calls from the session ----

    void onBatch(int g, List<Reading> batch) {
        Instant now = manager.clock().instant();
        List<Reading> out = new ArrayList<>(batch.size());
        List<Channel> added = null;
        Runnable notify;
        DeviceInfo info;
        synchronized (this) {
            if (g != generation) {
                return;
            }
            boolean bad = false;
            for (Reading r : batch) {
                if (!channels.containsKey(r.channel())) {
                    // metadata unknown: publish as a bare measurement rather than lose the value
                    LOG.warn("Device {}: driver published undeclared channel '{}'", id, r.channel());
                    Channel c = Channel.builder(r.channel()).build();
                    channels.put(c.id(), c);
                    outputInfo = null;
                    if (added == null) {
                        added = new ArrayList<>();
                    }
                    added.add(c);
                }
                // a driver that stamps its readings (Reading.forDevice) saves a copy of each
                Reading full = id.equals(r.deviceId()) ? r : r.withDevice(id);
                if (full.timestamp() == null) {
                    full = full.withTimestamp(now);
                }
                if (!full.status().publishable()) {
                    bad = true;
                    errorCount++;
                    countError(DeviceInfo.ERROR_BAD_READING);
                    lastError = "channel " + r.channel() + ": " + r.status();
                    lastErrorTime = now;
                    continue;
                }
                latest.put(full);
                List<Reading> c = capture;
                if (c != null) {
                    c.add(full);
                }
                if (channelFilter.isEmpty() || channelFilter.contains(full.channel())) {
                    out.add(full);
                }
            }
            readingCount += out.size();
            lastReading = now;
            failures = 0;
            if (bad) {
                recentBadData = now;
            }
            boolean recentErrors = recentBadData != null
                    && Duration.between(recentBadData, now).compareTo(degradedWindow()) < 0;
            notify = recentErrors ? setState(DeviceState.DEGRADED, lastError) : setState(DeviceState.ONLINE, null);
            if (added != null && notify == NOTHING) {
                notify = announceLocked();
            }
            info = outputInfo();
        }
        notify.run();
        if (!out.isEmpty()) {
            manager.notifyReadings(info, out);
        }
    }

    /** Caller holds the lock. */
    private void countError(String kind) {
        errorsByKind.merge(kind, 1L, Long::sum);
    }

    private Duration degradedWindow() {
        long poll = config == null ? 60 : config.getInt(DeviceConfig.POLL_INTERVAL, 60);
        return Duration.ofSeconds(Math.max(60, 3 * poll));
    }

    void onAnnounce(int g, Channel c) {
        Runnable notify;
        synchronized (this) {
            if (g != generation || c.equals(channels.get(c.id()))) {
                return;
            }
            channels.put(c.id(), c);
            outputInfo = null;
            notify = announceLocked();
        }
        notify.run();
    }

    void onError(int g, String why) {
        Runnable notify;
        synchronized (this) {
            if (g != generation) {
                return;
            }
            errorCount++;
            countError(DeviceInfo.ERROR_BAD_DATA);
            lastError = why;
            lastErrorTime = manager.clock().instant();
            recentBadData = lastErrorTime;
            LOG.debug("Device {}: {}", id, why);
            notify = deviceState == DeviceState.ONLINE ? setState(DeviceState.DEGRADED, why) : NOTHING;
        }
        notify.run();
    }

    void onLinkLost(int g, String why) {
        Runnable notify;
        synchronized (this) {
            if (g != generation) {
                return;
            }
            countError(DeviceInfo.ERROR_LINK_LOST);
            lastError = why;
            lastErrorTime = manager.clock().instant();
            stopSession();
            notify = setState(DeviceState.OFFLINE, why);
            scheduleRetry(generation);
        }
        notify.run();
    }

    void onAttribute(int g, String key, String value) {
        synchronized (this) {
            if (g != generation) {
                return;
            }
        }
        if (value == null) {
            attributes.remove(key);
        } else {
            attributes.put(key, value);
        }
        if (ConfigValidator.outputKey(key, manager.outputKeys())) {
            // a driver's suggestion for an output (e.g. mqtt.layouts): outputs see it in the device snapshot
            Runnable notify;
            synchronized (this) {
                outputInfo = null;
                notify = announceLocked();
            }
            notify.run();
        }
    }

    // ---- read now ----

    List<Reading> readNow(Duration timeout) throws DriverException {
        int g;
        Lane l;
        synchronized (this) {
            if (session == null) {
                throw new DriverException("device " + id + " is " + deviceState
                        + (reason == null ? "" : " (" + reason + ")"));
            }
            g = generation;
            l = lane;
            if (driver.description().mode() != DriverDescription.Mode.POLLED) {
                return new ArrayList<>(new TreeMap<>(latest.toMap()).values());
            }
        }
        List<Reading> captured = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        l.submit("read", pollDeadlineMillis(), () -> {
            capture = captured;
            try {
                pollNow(g);
            } finally {
                capture = null;
                done.countDown();
            }
        });
        try {
            if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new DriverException("device " + id + " did not answer within " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted");
        }
        synchronized (captured) {
            if (captured.isEmpty()) {
                synchronized (this) {
                    throw new DriverException("device " + id + " produced no readings"
                            + (g != generation ? " and went " + deviceState + ": " + reason
                                    : lastError == null ? "" : " (last error: " + lastError + ")"));
                }
            }
            return new ArrayList<>(captured);
        }
    }

    // ---- state and snapshots ----

    private static final Runnable NOTHING = () -> {
    };

    /** Guarded by this: the number of the last snapshot handed out for announcing (see announceLocked). */
    private long announceSeq;
    private final Object announceLock = new Object();
    /** Guarded by announceLock: the number of the last snapshot the outputs got. */
    private long announcedSeq;

    /** Sets the state; returns the notification to run outside the lock (NOTHING when unchanged). */
    private Runnable setState(DeviceState next, String why) {
        // the first state is always announced: a device that stays STARTING (a meter that never sends) must
        // still reach the outputs, or Home Assistant never learns it exists
        if (announced && next == deviceState && java.util.Objects.equals(why, reason)) {
            return NOTHING;
        }
        announced = true;
        DeviceState previous = deviceState;
        deviceState = next;
        reason = why;
        outputInfo = null;
        if (previous != next && manager.stopping()) {
            LOG.debug("Device {}: {} -> {} (gateway stopping)", id, previous, next);
        } else if (previous != next) {
            if (next == DeviceState.CONFIG_ERROR || next == DeviceState.OFFLINE) {
                LOG.warn("Device {}: {} -> {}: {}", id, previous, next, why);
            } else {
                LOG.info("Device {}: {} -> {}{}", id, previous, next, why == null ? "" : ": " + why);
            }
        }
        return announceLocked();
    }

    /**
     * Caller holds the lock: the notification of the current snapshot, to run outside the lock. Notifications run
     * on several threads (the device's worker, the config thread, the timer) after their locks are released, so two
     * of them can overtake each other; each carries a sequence number, and one older than a snapshot the outputs
     * already have is dropped. Without that, a STARTING snapshot delivered after the ONLINE one left an output
     * showing the device offline until its next change (seen in CI as a retained layout status that stayed
     * "offline").
     */
    private Runnable announceLocked() {
        DeviceInfo info = outputInfo();
        long seq = ++announceSeq;
        return () -> announce(seq, info);
    }

    private void announce(long seq, DeviceInfo info) {
        synchronized (announceLock) {
            if (seq <= announcedSeq) {
                return;
            }
            announcedSeq = seq;
            manager.notifyChanged(info);
        }
    }

    synchronized DeviceState state() {
        return deviceState;
    }

    /** The snapshot outputs get: identity, state and channels, no per-reading data. Cached. */
    private DeviceInfo outputInfo() {
        if (outputInfo == null) {
            Map<String, String> forOutputs = new HashMap<>();
            attributes.forEach((k, v) -> {
                if (ConfigValidator.outputKey(k, manager.outputKeys())) {
                    forOutputs.put(k, v);
                }
            });
            outputInfo = base().attributes(forOutputs).build();
        }
        return outputInfo;
    }

    private DeviceInfo.Builder base() {
        DriverDescription desc = driver == null ? null : driver.description();
        List<Channel> visible = channels.values().stream()
                .filter(c -> channelFilter.isEmpty() || channelFilter.contains(c.id())).collect(Collectors.toList());
        return DeviceInfo.builder(id, deviceState)
                .name(raw.getOrDefault(DeviceConfig.NAME, id))
                .driver(raw.get(DeviceConfig.DRIVER), driver == null ? null : driver.version())
                .model(model == null ? null : model.manufacturer(), model == null ? null : model.name())
                .reason(reason)
                .channels(visible)
                .config(ConfigValidator.masked(raw, desc));
    }

    /** Full snapshot for shells and status pages. */
    synchronized DeviceInfo info() {
        Map<String, String> attrs = new HashMap<>(attributes);
        if (transientDevice) {
            attrs.put("transient", "true (auto-discovered, no .cfg)");
        }
        // DeviceInfo copies the maps itself
        return base().attributes(attrs).latest(latest.toMap()).errorsByKind(errorsByKind)
                .counters(readingCount, errorCount, lastReading, lastError, lastErrorTime).build();
    }

    synchronized DeviceInfo currentOutputInfo() {
        return outputInfo();
    }
}
