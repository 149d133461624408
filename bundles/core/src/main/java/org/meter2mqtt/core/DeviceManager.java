package org.meter2mqtt.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.LinkFactory;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.OutputKeys;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.util.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device manager: binds each configured device to the driver named by its {@code driver} key, runs its
 * session and routes its readings to every output. Plain Java: the OSGi component only feeds it drivers,
 * links, outputs and configurations, so tests (and drivers' own tests) run the real thing without a
 * framework.
 */
public final class DeviceManager implements DeviceRegistry, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);

    private final Path stateDir;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService workers;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final DriverCatalogue catalogue = new DriverCatalogue();
    private final List<LinkEntry> links = new CopyOnWriteArrayList<>();
    private final List<MeterOutput> outputs = new CopyOnWriteArrayList<>();
    /** Readings of the first two minutes, for outputs that register after a device's first readings. */
    private final BootReplay bootReplay = new BootReplay(TimeUnit.MINUTES.toNanos(2), 5_000, System::nanoTime);
    private final List<OutputKeys> keyOwners = new CopyOnWriteArrayList<>();
    private volatile long backoffMinMillis = 1_000;
    private volatile long backoffMaxMillis = 60_000;
    private volatile long minCallDeadlineMillis = 30_000;
    private volatile boolean closed;
    /** The whole gateway is shutting down: device transitions are expected and logged at DEBUG only. */
    private volatile boolean stopping;

    private static final class LinkEntry {
        final LinkFactory factory;
        final Set<String> schemes;

        LinkEntry(LinkFactory factory, Set<String> schemes) {
            this.factory = factory;
            this.schemes = schemes;
        }
    }

    public DeviceManager(Path stateDir, Clock clock) {
        this.stateDir = stateDir;
        this.clock = clock;
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create state folder " + stateDir, e);
        }
        this.timer = new ScheduledThreadPoolExecutor(1, named("meter-timer"));
        timer.setRemoveOnCancelPolicy(true);
        // driver calls block (serial reads, TCP connects): a cached pool grows with the devices that are busy
        // at once and shrinks when they are idle
        this.workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                named("meter-worker"));
        timer.scheduleWithFixedDelay(this::watchdog, 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::flushStates, 30, 30, TimeUnit.SECONDS);
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ---- wiring ----

    /** Adds a driver known by its own description's version. */
    public void addDriver(MeterDriver driver) {
        addDriver(driver, null);
    }

    /** Adds a driver; {@code version} (its bundle version) wins over the description's when given. */
    public void addDriver(MeterDriver driver, String version) {
        DriverDescription desc;
        try {
            desc = driver.describe();
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Driver {} cannot describe itself and is ignored", driver.getClass().getName(), e);
            return;
        }
        if (version != null) {
            desc = desc.withVersion(version);
        }
        if (closed) {
            return;
        }
        DriverCatalogue.Change change = catalogue.add(driver, desc);
        if (change.versions().size() > 1) {
            LOG.warn("Driver '{}' is installed {} times (versions {}); using {}. Remove the older jar from deploy/.",
                    desc.id(), change.versions().size(), change.versions(), change.best().version());
        } else {
            LOG.info("Driver '{}' {} available", desc.id(), desc.version());
        }
        rebind(desc.id());
    }

    public void removeDriver(MeterDriver driver) {
        DriverCatalogue.Change change = catalogue.remove(driver);
        // DS unbinds drivers after deactivate: by then every session is closed and the pools are gone
        if (change == null || closed) {
            return;
        }
        DriverCatalogue.Entry best = change.best();
        if (stopping) {
            LOG.debug("Driver '{}' stopped with the gateway", change.id());
        } else {
            LOG.info("Driver '{}' removed{}", change.id(), best == null ? "" : "; falling back to " + best.version());
        }
        // close the sessions now: the driver's bundle is stopping and must not be called afterwards
        for (Device d : devices.values()) {
            DriverCatalogue.Entry current = d.driver();
            if (current != null && current.driver() == driver) {
                if (best == null) {
                    d.shutdown(null, null);
                }
                d.driverChanged();
            }
        }
    }

    /**
     * Every device of {@code driverId} looks its driver up again. A device that is being configured at the same
     * moment looks it up itself under its own lock, after its configuration is in place, so either this call or
     * that lookup sees the new driver.
     */
    private void rebind(String driverId) {
        for (Device d : devices.values()) {
            if (driverId.equals(d.driverId())) {
                d.driverChanged();
            }
        }
    }

    DriverCatalogue catalogue() {
        return catalogue;
    }

    public void addLinkFactory(LinkFactory factory) {
        addLinkFactory(factory, Set.of());
    }

    /** Adds a transport; empty {@code schemes} serves every scheme. */
    public void addLinkFactory(LinkFactory factory, Set<String> schemes) {
        links.add(new LinkEntry(factory, schemes));
    }

    public void removeLinkFactory(LinkFactory factory) {
        links.removeIf(l -> l.factory == factory);
    }

    public void addOutput(MeterOutput output) {
        // under the replay's lock no batch goes out between the replay and the live stream
        synchronized (bootReplay) {
            outputs.add(output);
            if (output instanceof OutputKeys) {
                keyOwners.add((OutputKeys) output);
                for (Device d : devices.values()) {
                    d.outputKeysChanged(((OutputKeys) output).keyPrefix());
                }
            }
            for (Device d : devices.values()) {
                call(output, o -> o.deviceChanged(d.currentOutputInfo()));
            }
            List<BootReplay.Batch> missed = bootReplay.forNewOutput(output.getClass().getName());
            if (!missed.isEmpty()) {
                LOG.info("Output {} started after the first readings: handing it the {} batches read since the "
                        + "gateway started{}", output.getClass().getSimpleName(), missed.size(),
                        bootReplay.dropped() > 0 ? " (the " + bootReplay.dropped() + " oldest were not kept)" : "");
                for (BootReplay.Batch b : missed) {
                    call(output, o -> o.readings(b.info(), b.readings()));
                }
            }
        }
    }

    public void removeOutput(MeterOutput output) {
        outputs.remove(output);
        if (output instanceof OutputKeys && keyOwners.remove(output) && !closed) {
            for (Device d : devices.values()) {
                d.outputKeysChanged(((OutputKeys) output).keyPrefix());
            }
        }
    }

    /** Sets the retry backoff (first delay, maximum); the delay doubles after each failure. */
    public void setBackoff(Duration min, Duration max) {
        this.backoffMinMillis = min.toMillis();
        this.backoffMaxMillis = max.toMillis();
    }

    // ---- configurations ----

    /** A device configuration appeared or changed (a {@code .cfg} file). */
    public void configure(String deviceId, Map<String, String> config) {
        configure(deviceId, config, false);
    }

    private void configure(String deviceId, Map<String, String> config, boolean isTransient) {
        if (closed) {
            return;
        }
        Map<String, String> clean = ConfigValidator.userKeys(config);
        Device d = devices.computeIfAbsent(deviceId, id -> new Device(this, id));
        if (d.configure(clean, isTransient)) {
            LOG.debug("Device {} configured", deviceId);
        }
    }

    /** The configuration was deleted: stop the device and retract it from outputs. */
    public void delete(String deviceId) {
        Device d = devices.remove(deviceId);
        if (d == null) {
            return;
        }
        DeviceInfo last = d.currentOutputInfo();
        d.delete();
        LOG.info("Device {} removed", deviceId);
        for (MeterOutput o : outputs) {
            call(o, out -> out.deviceRemoved(last));
        }
    }

    @Override
    public void startTransient(String deviceId, Map<String, String> config) {
        if (ConfigValidator.checkDeviceId(deviceId).isPresent() || devices.containsKey(deviceId)) {
            return;
        }
        configure(deviceId, config, true);
    }

    // ---- registry ----

    @Override
    public List<DeviceInfo> devices() {
        return devices.values().stream().map(Device::info).sorted(Comparator.comparing(DeviceInfo::id))
                .collect(Collectors.toList());
    }

    @Override
    public Optional<DeviceInfo> device(String id) {
        Device d = devices.get(id);
        return d == null ? Optional.empty() : Optional.of(d.info());
    }

    @Override
    public List<DriverDescription> drivers() {
        return catalogue.descriptions();
    }

    @Override
    public List<String> validate(String deviceId, Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        ConfigValidator.checkDeviceId(deviceId).ifPresent(problems::add);
        Map<String, String> clean = ConfigValidator.userKeys(config);
        String driverId = clean.get(DeviceConfig.DRIVER);
        DriverCatalogue.Lookup lookup = catalogue.lookup(driverId);
        DriverCatalogue.Entry entry = lookup.best();
        problems.addAll(ConfigValidator.check(clean, entry == null ? null : entry.description(), outputKeys()));
        if (entry == null && driverId != null && !driverId.isBlank()) {
            // a driver that is not installed is fine (the device waits for it), unless it looks like a typo
            ConfigValidator.nearest(driverId, lookup.installedIds()).ifPresent(near -> problems.add("no driver '" + driverId
                    + "' is installed (did you mean '" + near + "'?)"));
        }
        return problems;
    }

    @Override
    public List<Reading> readNow(String deviceId, Duration timeout) throws DriverException {
        Device d = devices.get(deviceId);
        if (d == null) {
            throw new DriverException("no device '" + deviceId + "'");
        }
        return d.readNow(timeout);
    }

    /** The device object itself, for tests in this package. */
    Device deviceObject(String id) {
        return devices.get(id);
    }

    // ---- services for devices ----

    Path stateDir() {
        return stateDir;
    }

    Clock clock() {
        return clock;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    Lane newLane() {
        return new Lane(workers);
    }

    SessionScheduler newScheduler(String owner) {
        return new SessionScheduler(timer, workers, owner);
    }

    /** The least time a poll may take before the watchdog calls the driver hung (default 30 s). */
    public void setMinCallDeadline(Duration deadline) {
        this.minCallDeadlineMillis = deadline.toMillis();
    }

    long minCallDeadlineMillis() {
        return minCallDeadlineMillis;
    }

    /** The retry delay after {@code failures} consecutive failures, without jitter (the device adds its own). */
    long backoffMillis(int failures) {
        return Backoff.delayMillis(backoffMinMillis, backoffMaxMillis, failures);
    }

    ByteLink openLink(String uri, Map<String, String> defaults) throws DriverException {
        if (uri == null || uri.isBlank()) {
            throw new DriverException("no port configured");
        }
        String scheme = schemeOf(uri);
        for (LinkEntry l : links) {
            if (l.schemes.isEmpty() || l.schemes.contains(scheme)) {
                return l.factory.open(uri, defaults == null ? Map.of() : defaults);
            }
        }
        throw new DriverException("no transport for '" + scheme + "' links is installed (feature meter2mqtt-transport)");
    }

    static String schemeOf(String uri) {
        int colon = uri.indexOf(':');
        if (uri.startsWith("/") || colon < 0) {
            return "file";
        }
        return uri.substring(0, colon);
    }

    /** The outputs that check device keys under their prefix. */
    List<OutputKeys> outputKeys() {
        return keyOwners;
    }

    void notifyChanged(DeviceInfo info) {
        for (MeterOutput o : outputs) {
            call(o, out -> out.deviceChanged(info));
        }
    }

    /** {@code batch} is a list the device built for this call and keeps no reference to. */
    void notifyReadings(DeviceInfo info, List<Reading> batch) {
        List<Reading> view = java.util.Collections.unmodifiableList(batch);
        if (bootReplay.open()) {
            synchronized (bootReplay) {
                bootReplay.record(info, view);
                for (MeterOutput o : outputs) {
                    call(o, out -> out.readings(info, view));
                }
            }
            return;
        }
        for (MeterOutput o : outputs) {
            call(o, out -> out.readings(info, view));
        }
    }

    private static void call(MeterOutput output, java.util.function.Consumer<MeterOutput> action) {
        try {
            action.accept(output);
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Output {} failed", output.getClass().getName(), e);
        }
    }

    private void watchdog() {
        for (Device d : devices.values()) {
            try {
                d.checkHung();
            } catch (RuntimeException e) {
                LOG.error("Watchdog failed for device {}", d.id(), e);
            }
        }
    }

    private void flushStates() {
        devices.values().forEach(d -> d.stateStore().flushOrLog());
    }

    /** Counts devices per state, for health and metrics. */
    public Map<DeviceState, Long> stateCounts() {
        Map<DeviceState, Long> counts = new LinkedHashMap<>();
        for (DeviceState s : DeviceState.values()) {
            counts.put(s, 0L);
        }
        devices.values().forEach(d -> counts.merge(d.state(), 1L, Long::sum));
        return counts;
    }

    /** Called once the framework is stopping; the next drivers to go away take their devices along quietly. */
    public void gatewayStopping() {
        if (!stopping) {
            stopping = true;
            LOG.info("Gateway stopping: closing {} devices", devices.size());
        }
    }

    boolean stopping() {
        return stopping;
    }

    /** Stops every device (no retraction from outputs: the devices still exist) and the threads. */
    @Override
    public void close() {
        closed = true;
        List<Device> all = new ArrayList<>(devices.values());
        all.parallelStream().forEach(d -> d.shutdown(null, null));
        timer.shutdownNow();
        workers.shutdownNow();
    }

    static int compareVersions(String a, String b) {
        return DriverCatalogue.compareVersions(a, b);
    }
}
