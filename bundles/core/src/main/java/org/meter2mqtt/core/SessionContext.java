package org.meter2mqtt.core;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The context of one session. Everything it does is tagged with the session's generation, so a late call
 * from a session the core already closed (a reader thread finishing, a stale callback) changes nothing.
 */
final class SessionContext implements DeviceContext {

    private static final Logger LOG = LoggerFactory.getLogger(SessionContext.class);
    private static final long THREAD_JOIN_MILLIS = 2_000;

    private final Device device;
    private final int generation;
    private final DeviceConfig config;
    private final ModelDescription model;
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private volatile SessionScheduler scheduler;
    private volatile boolean released;

    SessionContext(Device device, int generation, DeviceConfig config, ModelDescription model) {
        this.device = device;
        this.generation = generation;
        this.config = config;
        this.model = model;
    }

    int generation() {
        return generation;
    }

    @Override
    public String deviceId() {
        return device.id();
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
        if (!released && batch != null && !batch.isEmpty()) {
            device.onBatch(generation, batch);
        }
    }

    @Override
    public void announce(Channel channel) {
        if (!released) {
            device.onAnnounce(generation, channel);
        }
    }

    @Override
    public void error(String reason) {
        if (!released) {
            device.onError(generation, reason);
        }
    }

    @Override
    public void linkLost(String reason, Throwable cause) {
        if (!released) {
            if (cause != null) {
                LOG.debug("Device {}: link lost", device.id(), cause);
            }
            device.onLinkLost(generation, reason);
        }
    }

    @Override
    public void attribute(String key, String value) {
        device.onAttribute(generation, key, value);
    }

    @Override
    public Thread startThread(String purpose, Runnable body) {
        if (released) {
            throw new IllegalStateException("session of " + device.id() + " is closed");
        }
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (RuntimeException | LinkageError e) {
                // a reader that dies must not leave a device that looks alive but reads nothing
                LOG.error("Device {}: {} thread crashed", device.id(), purpose, e);
                linkLost(purpose + " thread crashed: " + e, e);
            }
        }, "meter-" + device.id() + "-" + purpose);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        SessionScheduler s = scheduler;
        if (s == null) {
            synchronized (this) {
                s = scheduler;
                if (s == null) {
                    s = device.manager().newScheduler(device.id());
                    if (released) {
                        s.shutdownNow();
                    }
                    scheduler = s;
                }
            }
        }
        return s;
    }

    @Override
    public StateStore state() {
        return device.stateStore();
    }

    @Override
    public boolean removed() {
        return device.removed();
    }

    @Override
    public Clock clock() {
        return device.manager().clock();
    }

    @Override
    public ByteLink openLink(String uri, Map<String, String> defaults) throws DriverException {
        return device.manager().openLink(uri, defaults);
    }

    /** After the session's close(): stop its timers and threads, save its state. */
    void release() {
        released = true;
        synchronized (this) {
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
        }
        long deadline = System.currentTimeMillis() + THREAD_JOIN_MILLIS;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            if (t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(Math.max(1, deadline - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                LOG.warn("Device {}: thread {} did not stop within {} ms after close; the driver ignores interrupts",
                        device.id(), t.getName(), THREAD_JOIN_MILLIS);
            }
        }
        device.stateStore().flushOrLog();
    }
}
