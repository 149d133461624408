package org.meter2mqtt.tck;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.StateStore;

/**
 * A {@link DeviceContext} that records what a session does: batches, errors, lost links, announced channels,
 * and exceptions that escaped a thread it started. Behaves like the core where it matters to a driver: threads
 * started with {@link #startThread} are interrupted and joined at {@link #release()}, the scheduler is shut
 * down, state is kept in memory. Usable in a driver's own fixture tests too.
 */
public final class RecordingContext implements DeviceContext {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String deviceId;
    private final DeviceConfig config;
    private final ModelDescription model;
    private final SampleFeed feed;
    private final Clock clock;
    private final MemoryState state;

    private final List<List<Reading>> batches = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<String> linkLost = new CopyOnWriteArrayList<>();
    private final List<Throwable> escaped = new CopyOnWriteArrayList<>();
    private final Map<String, Channel> announced = new ConcurrentHashMap<>();
    private final Map<String, String> attributes = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<ByteLink> links = new CopyOnWriteArrayList<>();
    private ScheduledThreadPoolExecutor scheduler;
    private volatile boolean removed;

    public RecordingContext(String deviceId, DriverDescription description, Map<String, String> config,
            SampleFeed feed) {
        this(deviceId, description, config, feed, Clock.systemUTC(), new MemoryState());
    }

    public RecordingContext(String deviceId, DriverDescription description, Map<String, String> config,
            SampleFeed feed, Clock clock, MemoryState state) {
        this.deviceId = deviceId;
        this.config = withDefaults(description, config);
        this.model = description.model(this.config.get(DeviceConfig.MODEL)).orElse(description.models().get(0));
        this.feed = feed;
        this.clock = clock;
        this.state = state;
    }

    /** The configuration as the core hands it over: the driver's defaults filled in where a key is absent. */
    public static DeviceConfig withDefaults(DriverDescription description, Map<String, String> raw) {
        Map<String, String> all = new HashMap<>();
        for (ConfigKey k : description.configKeys()) {
            k.defaultValue().ifPresent(v -> all.put(k.id(), v));
        }
        all.putAll(raw);
        all.put(DeviceConfig.DRIVER, description.id());
        return new DeviceConfig(all);
    }

    @Override
    public String deviceId() {
        return deviceId;
    }

    @Override
    public DeviceConfig config() {
        return config;
    }

    @Override
    public ModelDescription model() {
        return model;
    }

    @Override
    public void publish(List<Reading> batch) {
        batches.add(List.copyOf(batch));
    }

    @Override
    public void announce(Channel channel) {
        announced.put(channel.id(), channel);
    }

    @Override
    public void error(String reason) {
        errors.add(String.valueOf(reason));
    }

    @Override
    public void linkLost(String reason, Throwable cause) {
        linkLost.add(String.valueOf(reason));
    }

    @Override
    public void attribute(String key, String value) {
        if (value == null) {
            attributes.remove(key);
        } else {
            attributes.put(key, value);
        }
    }

    @Override
    public Thread startThread(String purpose, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                escaped.add(e);
            }
        }, "tck-session " + deviceId + " " + purpose);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    @Override
    public synchronized ScheduledExecutorService scheduler() {
        if (scheduler == null) {
            scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(() -> {
                    try {
                        r.run();
                    } catch (Throwable e) {
                        escaped.add(e);
                    }
                }, "tck-scheduler " + deviceId + " " + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return scheduler;
    }

    @Override
    public StateStore state() {
        return state;
    }

    @Override
    public boolean removed() {
        return removed;
    }

    /** Marks the device deleted, as the core does before it closes the session for good. */
    public void markRemoved() {
        removed = true;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public ByteLink openLink(String uri, Map<String, String> defaults) throws DriverException {
        ByteLink link = feed.openLink(uri, defaults);
        links.add(link);
        return link;
    }

    /** Does what the core does after closing a session: stops its threads and scheduler, closes links. */
    public void release() {
        synchronized (this) {
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
        }
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        links.forEach(ByteLink::close);
        state.flush();
    }

    /** Waits until {@code condition} holds, at most {@code timeout}; true if it did. */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    public List<List<Reading>> batches() {
        return batches;
    }

    public List<String> errors() {
        return errors;
    }

    public List<String> linkLost() {
        return linkLost;
    }

    /** Exceptions that escaped a thread or task the session started through this context. */
    public List<Throwable> escaped() {
        return escaped;
    }

    public Map<String, Channel> announced() {
        return announced;
    }

    public Map<String, String> attributes() {
        return attributes;
    }

    /** Threads the session started through {@link #startThread}. */
    public List<Thread> threads() {
        return threads;
    }

    /** A channel the session may publish: declared by its model or announced. */
    public Optional<Channel> channel(String id) {
        Optional<Channel> c = model.channel(id);
        return c.isPresent() ? c : Optional.ofNullable(announced.get(id));
    }

    /** In-memory {@link StateStore}; pass the same one to a second context to test state across sessions. */
    public static final class MemoryState implements StateStore {
        private final Map<String, String> values = new ConcurrentHashMap<>();
        private final AtomicInteger flushes = new AtomicInteger();

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        @Override
        public void put(String key, String value) {
            values.put(key, value);
        }

        @Override
        public void remove(String key) {
            values.remove(key);
        }

        @Override
        public Map<String, String> snapshot() {
            return Map.copyOf(values);
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        public int flushes() {
            return flushes.get();
        }
    }
}
