package org.meter2mqtt.http.live;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.LatestReadings;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.http.health.OutputView;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Feeds the status page. As an output it only marks devices dirty (a map put per batch, no JSON): every
 * {@code periodMillis} one thread turns the dirty devices into one JSON update and hands it to each open page.
 * So the cost follows the number of changed devices per period, not the reading rate, and is nearly nothing
 * while no page is open.
 */
public final class LiveFeed implements MeterOutput, AutoCloseable {

    /** One open page. {@code offer} must not block; false means the page is too slow and is dropped. */
    public interface Subscriber {
        boolean offer(String updateJson);

        void closed();
    }

    /**
     * A device's row, updated in place under {@code latest}'s lock: a reading batch overwrites its values, not
     * a new row (this runs for every batch of every device, page open or not).
     */
    private static final class Row {
        DeviceInfo info;
        /** Primitives overwritten in place, not Reading objects that every young collection would copy. */
        final LatestReadings latest = new LatestReadings();
        Instant last;
        long readings;

        Row(DeviceInfo info, Map<String, Reading> latest, Instant last, long readings) {
            this.info = info;
            this.latest.putAll(latest.values());
            this.last = last;
            this.readings = readings;
        }
    }

    private final ObjectMapper mapper;
    private final DeviceRows rows;
    private final Supplier<List<OutputView>> outputs;
    private final Clock clock;
    private final Map<String, Row> devices = new ConcurrentHashMap<>();
    private final Set<String> changed = ConcurrentHashMap.newKeySet(); // state, name, channels: the whole row
    private final Set<String> dirty = ConcurrentHashMap.newKeySet(); // only new readings: values and counters
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private List<OutputView> lastOutputs = List.of();
    private long updatesSent;

    public LiveFeed(ObjectMapper mapper, Supplier<List<OutputView>> outputs, Clock clock, long periodMillis) {
        this.mapper = mapper;
        this.rows = new DeviceRows(mapper);
        this.outputs = outputs;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meter2mqtt-http-live");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::flushQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void deviceChanged(DeviceInfo device) {
        Row r = devices.computeIfAbsent(device.id(),
                id -> new Row(device, device.latest(), device.lastReading(), device.readingCount()));
        synchronized (r.latest) {
            r.info = device;
            if (r.last == null) {
                r.last = device.lastReading();
            }
            r.readings = Math.max(device.readingCount(), r.readings);
        }
        removed.remove(device.id());
        changed.add(device.id());
    }

    @Override
    public void readings(DeviceInfo device, List<Reading> batch) {
        Instant now = clock.instant();
        Row r = devices.get(device.id());
        if (r == null) {
            // the device's latest values include this batch already
            r = devices.computeIfAbsent(device.id(),
                    id -> new Row(device, device.latest(), null, device.readingCount() - batch.size()));
        }
        synchronized (r.latest) { // flush() reads it under the same lock
            r.latest.putAll(batch);
            r.last = now;
            // the snapshot handed with a batch may carry no counters: count the batches here as well
            r.readings = Math.max(device.readingCount(), r.readings + batch.size());
        }
        dirty.add(device.id());
    }

    @Override
    public void deviceRemoved(DeviceInfo device) {
        devices.remove(device.id());
        changed.remove(device.id());
        dirty.remove(device.id());
        removed.add(device.id());
    }

    public void subscribe(Subscriber s) {
        subscribers.add(s);
    }

    public void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    public int subscribers() {
        return subscribers.size();
    }

    /** Updates handed to pages so far (for tests and the benchmark). */
    public synchronized long updatesSent() {
        return updatesSent;
    }

    /** Builds and sends one update now; the timer calls it every period. */
    public synchronized void flush() throws JsonProcessingException {
        if (subscribers.isEmpty()) {
            changed.clear();
            dirty.clear();
            removed.clear();
            return;
        }
        List<OutputView> outs = outputs.get();
        boolean outputsChanged = !outs.equals(lastOutputs);
        if (changed.isEmpty() && dirty.isEmpty() && removed.isEmpty() && !outputsChanged) {
            return;
        }
        ObjectNode update = mapper.createObjectNode();
        ArrayNode full = update.putArray("devices");
        for (String id : new ArrayList<>(changed)) {
            changed.remove(id);
            dirty.remove(id);
            Row r = devices.get(id);
            if (r != null) {
                synchronized (r.latest) {
                    full.add(rows.row(r.info, r.latest.toMap(), r.last, r.readings));
                }
            }
        }
        // the bulk at high reading rates: per device only what a reading changes, the page keeps the rest
        ArrayNode values = update.putArray("values");
        for (String id : new ArrayList<>(dirty)) {
            dirty.remove(id);
            Row r = devices.get(id);
            if (r != null) {
                ObjectNode v = values.addObject();
                synchronized (r.latest) {
                    v.put("id", id).put("readings", r.readings).put("last_reading", r.last == null ? null
                            : r.last.toString());
                    ObjectNode byChannel = v.putObject("values");
                    for (Reading reading : r.latest.toMap().values()) {
                        if (reading.hasValue()) {
                            byChannel.put(reading.channel(), reading.formatted());
                        }
                    }
                }
            }
        }
        ArrayNode gone = update.putArray("removed");
        for (String id : new ArrayList<>(removed)) {
            removed.remove(id);
            gone.add(id);
        }
        if (outputsChanged) {
            update.set("outputs", rows.outputs(outs));
            lastOutputs = outs;
        }
        String json = mapper.writeValueAsString(update);
        for (Subscriber s : subscribers) {
            if (!s.offer(json)) {
                subscribers.remove(s);
                s.closed();
            }
        }
        updatesSent++;
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException | JsonProcessingException e) {
            org.slf4j.LoggerFactory.getLogger(LiveFeed.class).warn("Status page update failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (Subscriber s : subscribers) {
            s.closed();
        }
        subscribers.clear();
    }
}
