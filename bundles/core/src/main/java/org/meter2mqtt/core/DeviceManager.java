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
import java.util.TreeMap;
import java.util.TreeSet;
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
import java.util.concurrent.atomic.AtomicLong;
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

    /** A driver service and the version it is known by (its bundle version inside OSGi). */
    static final class DriverEntry {
        private final MeterDriver driver;
        private final DriverDescription description;
        private final String version;
        private final long order;

        DriverEntry(MeterDriver driver, DriverDescription description, String version, long order) {
            this.driver = driver;
            this.description = description;
            this.version = version;
            this.order = order;
        }

        MeterDriver driver() {
            return driver;
        }

        DriverDescription description() {
            return description;
        }

        String version() {
            return version;
        }
    }

    private static final Comparator<DriverEntry> BEST_FIRST = Comparator
            .comparing((DriverEntry e) -> e.version, DeviceManager::compareVersions)
            .thenComparingLong(e -> e.order).reversed();

    private final Path stateDir;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService workers;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, List<DriverEntry>> drivers = new TreeMap<>(); // guarded by itself
    private final List<LinkEntry> links = new CopyOnWriteArrayList<>();
    private final List<MeterOutput> outputs = new CopyOnWriteArrayList<>();
    private final List<OutputKeys> keyOwners = new CopyOnWriteArrayList<>();
    private final AtomicLong driverOrder = new AtomicLong();
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
        DriverEntry entry = new DriverEntry(driver, desc, desc.version(), driverOrder.incrementAndGet());
        if (closed) {
            return;
        }
        DriverEntry best;
        synchronized (drivers) {
            List<DriverEntry> list = drivers.computeIfAbsent(desc.id(), k -> new ArrayList<>());
            list.add(entry);
            list.sort(BEST_FIRST);
            best = list.get(0);
            if (list.size() > 1) {
                LOG.warn("Driver '{}' is installed {} times (versions {}); using {}. Remove the older jar from deploy/.",
                        desc.id(), list.size(), list.stream().map(e -> e.version).collect(Collectors.toList()),
                        best.version);
            } else {
                LOG.info("Driver '{}' {} available", desc.id(), desc.version());
            }
        }
        rebind(desc.id(), best);
    }

    public void removeDriver(MeterDriver driver) {
        String id = null;
        DriverEntry best = null;
        synchronized (drivers) {
            for (Map.Entry<String, List<DriverEntry>> e : drivers.entrySet()) {
                if (e.getValue().removeIf(d -> d.driver == driver)) {
                    id = e.getKey();
                    best = e.getValue().isEmpty() ? null : e.getValue().get(0);
                    if (e.getValue().isEmpty()) {
                        drivers.remove(id);
                    }
                    break;
                }
            }
        }
        // DS unbinds drivers after deactivate: by then every session is closed and the pools are gone
        if (id == null || closed) {
            return;
        }
        if (stopping) {
            LOG.debug("Driver '{}' stopped with the gateway", id);
        } else {
            LOG.info("Driver '{}' removed{}", id, best == null ? "" : "; falling back to " + best.version);
        }
        // close the sessions now: the driver's bundle is stopping and must not be called afterwards
        for (Device d : devices.values()) {
            DriverEntry current = d.driver();
            if (current != null && current.driver == driver) {
                if (best == null) {
                    d.shutdown(null, null);
                }
                d.driverChanged(best);
            }
        }
    }

    private void rebind(String driverId, DriverEntry best) {
        for (Device d : devices.values()) {
            if (driverId.equals(d.driverId())) {
                d.driverChanged(best);
            }
        }
    }

    private DriverEntry bestDriver(String driverId) {
        if (driverId == null) {
            return null;
        }
        synchronized (drivers) {
            List<DriverEntry> list = drivers.get(driverId);
            return list == null || list.isEmpty() ? null : list.get(0);
        }
    }

    String installedDriverIds() {
        synchronized (drivers) {
            return drivers.isEmpty() ? "none" : String.join(", ", drivers.keySet());
        }
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
        if (d.configure(clean, isTransient, bestDriver(clean.get(DeviceConfig.DRIVER)))) {
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
        synchronized (drivers) {
            return drivers.values().stream().filter(l -> !l.isEmpty()).map(l -> l.get(0).description)
                    .collect(Collectors.toList());
        }
    }

    @Override
    public List<String> validate(String deviceId, Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        ConfigValidator.checkDeviceId(deviceId).ifPresent(problems::add);
        Map<String, String> clean = ConfigValidator.userKeys(config);
        String driverId = clean.get(DeviceConfig.DRIVER);
        DriverEntry entry = bestDriver(driverId);
        problems.addAll(ConfigValidator.check(clean, entry == null ? null : entry.description, outputKeys()));
        if (entry == null && driverId != null && !driverId.isBlank()) {
            // a driver that is not installed is fine (the device waits for it), unless it looks like a typo
            Set<String> installed;
            synchronized (drivers) {
                installed = new TreeSet<>(drivers.keySet());
            }
            ConfigValidator.nearest(driverId, installed).ifPresent(near -> problems.add("no driver '" + driverId
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

    long backoffMillis(int failures) {
        long delay = backoffMinMillis << Math.min(20, Math.max(0, failures - 1));
        return Math.min(backoffMaxMillis, delay);
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
        if (outputs.isEmpty()) {
            return;
        }
        List<Reading> view = java.util.Collections.unmodifiableList(batch);
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
        String[] pa = (a == null ? "0" : a).split("[.\\-]");
        String[] pb = (b == null ? "0" : b).split("[.\\-]");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            String x = i < pa.length ? pa[i] : "0";
            String y = i < pb.length ? pb[i] : "0";
            // numeric segments as numbers, the qualifier as text (OSGi rules)
            int c = x.matches("\\d+") && y.matches("\\d+") ? Long.compare(Long.parseLong(x), Long.parseLong(y))
                    : x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
