package org.meter2mqtt.mqtt;

import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.net.ssl.SSLSocketFactory;

import org.meter2mqtt.store.SegmentQueue;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.util.Backoff;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.meter2mqtt.mqtt.client.CoalescingOutputStream;
import org.meter2mqtt.mqtt.client.ConnectionSettings;
import org.meter2mqtt.mqtt.client.MqttConnection;
import org.meter2mqtt.mqtt.client.MqttConnection.Delivery;
import org.meter2mqtt.mqtt.client.MqttConnection.Failure;
import org.meter2mqtt.mqtt.client.NoDelaySockets;
import org.meter2mqtt.mqtt.client.PahoConnection;
import org.meter2mqtt.mqtt.client.Tls;
import org.meter2mqtt.mqtt.discovery.DiscoveryRules;
import org.meter2mqtt.mqtt.discovery.RetainedOutbox;
import org.meter2mqtt.mqtt.discovery.SentConfigs;
import org.meter2mqtt.mqtt.forward.ForwardBuffer;
import org.meter2mqtt.mqtt.forward.ForwardBuffer.Outbound;
import org.meter2mqtt.mqtt.layout.BoundLayout;
import org.meter2mqtt.mqtt.layout.Layouts;
import org.meter2mqtt.mqtt.status.MqttOutputStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT output: one connection ({@link MqttConnection}, Paho behind it), Home Assistant discovery and a
 * store-and-forward buffer.
 *
 * <p>Device threads put events into in-memory queues; {@link #readings} never waits for the publisher. One
 * publisher thread does all the rest: checks readings, connects (one {@link MqttConnection#connect} attempt at a
 * time, with its own backoff, buffering while it waits), and sends. Its state is guarded by one lock, which it
 * holds except while it waits for work. Then, if connected and below the gathering rate, a device thread that
 * hands over a batch takes the free lock and sends the batch itself ({@link #inlineTurn}), sparing the publisher's
 * wake-up; otherwise it wakes the publisher. Retained messages (statuses, discovery) are not buffered: they are
 * rebuilt from the current devices and sent first after every connect.
 *
 * <p>Every batch is on disk ({@link SegmentQueue}) before it is sent, so whatever the publisher thread took
 * from the hand-off queue survives a {@code kill -9} and is sent after the restart, in order, at least once. Two
 * ways to send, never mixed so that they stay in order:
 * <ul>
 * <li><b>From memory</b> (connected, and the buffer has handed out every record): the batch is appended and taken
 * at once ({@link SegmentQueue#appendTaken}), sent from memory, and its record committed when the broker
 * acknowledged its last message; the disk is written, never read back. At most the in-flight window
 * ({@link MqttSettings#maxInflight()} messages, plus the rest of one batch) is held this way.</li>
 * <li><b>From disk</b>: while not connected, while older records wait to be read, and when the broker falls behind
 * (the window is full): appended, read back with {@link SegmentQueue#next()}, committed on acknowledgement.</li>
 * </ul>
 * Batches held in memory are sent before records read from disk (they are older). When the connection is lost or
 * the output stops, the memory is simply dropped: the records are on disk, and the next connect rewinds the
 * buffer to the first unacknowledged one. On a normal stop, in-flight messages get up to 2 s first, so they are
 * not sent twice.
 *
 * <p>What a {@code kill -9} can lose: batches not yet taken from the hand-off queue (the last milliseconds; the
 * loop drains it continuously) and, for a power cut rather than a process crash, what {@code buffer.fsync.ms}
 * allows. Records reach the operating system every loop.
 */
public final class MqttPublisher implements MeterOutput, MqttOutputStatus, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttPublisher.class);
    /** Recurring conditions (inbox full, disk refusing the buffer): once a minute per cause, DEBUG in between. */
    private static final RateLimitedLog RATE_LIMITED = new RateLimitedLog(LOG, java.time.Duration.ofMinutes(1));
    /** Failed connects: at once when the reason changes (one key per reason), then at most every 30 minutes. */
    private static final RateLimitedLog CONNECT_FAILURES = new RateLimitedLog(LOG, java.time.Duration.ofMinutes(30));
    private static final byte[] OFFLINE = RetainedOutbox.OFFLINE;
    private static final int INBOX = 100_000;
    private static final long CONNECT_TIMEOUT_MS = 10_000;
    /** How long a held-back socket flush may wait before the idle loop writes it (see {@link #flushHeld()}). */
    private static final long HELD_FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How long acknowledgements may wait to be reaped when nothing else wakes the publisher. */
    private static final long REAP_MILLIS = 20;
    /** The idle loop's turn while anything may be due soon (held flushes, saves, connect attempts). */
    private static final long TICK_MILLIS = 200;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    /**
     * The turn once connected and quiet for {@link #QUIET_NANOS}: nothing due then wakes the publisher without a
     * signal, and five turns a second were a fifth of an idle gateway's CPU.
     */
    private static final long QUIET_TICK_MILLIS = 1000;
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long BOOT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long after start a broker on this host that was never reached is retried every {@link #BOOT_RETRY}. */
    private static final long LOCAL_BOOT_NANOS = TimeUnit.MINUTES.toNanos(2);
    private static final java.time.Duration BOOT_RETRY = java.time.Duration.ofSeconds(1);
    private static final long INFO_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * Above {@link MqttSettings#gatherAbove()} batches a second the publisher waits this long before each turn, so it
     * takes several batches per wake-up (see {@link Linger}); the rate is judged over {@link #LINGER_WINDOW_NANOS}.
     */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LINGER_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** A readings() call waiting for the publisher thread. */
    private record Incoming(DeviceInfo device, List<Reading> batch, Instant received) {
    }

    /** What a device thread tells the publisher thread about a device; each kind applies itself. */
    private sealed interface DeviceEvent permits DeviceChanged, DeviceRemoved {
        void applyTo(MqttPublisher p);
    }

    private record DeviceChanged(DeviceInfo device) implements DeviceEvent {
        @Override
        public void applyTo(MqttPublisher p) {
            p.deviceChangedNow(device);
        }
    }

    private record DeviceRemoved(DeviceInfo device) implements DeviceEvent {
        @Override
        public void applyTo(MqttPublisher p) {
            p.deviceRemovedNow(device);
        }
    }

    /**
     * A sent message waiting for its acknowledgement; commits the buffered record it ends, if any, and (fromMemory)
     * frees the oldest in-memory batch in flight.
     */
    private static final class Pending {
        final Delivery token;
        SegmentQueue.Record record;
        /** The batch this message ends (its last message), for the delivered totals; null otherwise. */
        Batch batch;
        final Runnable onAck;
        boolean fromMemory;
        /** A replay mark: not a reading's message, so not in {@link MqttPublisher#published()}. */
        boolean uncounted;

        Pending(Delivery token, SegmentQueue.Record record, Runnable onAck) {
            this.token = token;
            this.record = record;
            this.onAck = onAck;
        }

        Pending(Delivery token, boolean fromMemory) {
            this(token, null, null);
            this.fromMemory = fromMemory;
        }
    }

    /** What the publisher thread knows about one device. */
    private static final class DeviceEntry {
        DeviceInfo info;
        Map<String, Channel> channels = Map.of();
        SentConfigs configs = SentConfigs.NONE;
        Boolean online;
        Batch lastBatch;
        /** The compatibility layouts the device is also published in (mqtt.layouts). */
        List<BoundLayout> layouts = List.of();
        String layoutProblems = "";
        /** False with mqtt.own.topics = false: only the layouts, no own topics and no discovery. */
        boolean ownTopics = true;
        boolean noLayoutWarned;
        /** state.layout = json: text channels' latest values (numbers are in lastValues). */
        final Map<String, String> texts = new HashMap<>();
        /** The meter time of the last batch taken, and the info payload last queued (retained). */
        Instant lastReading;
        Instant infoReading;
        byte[] infoPayload;
        final Map<String, BigDecimal> totals;
        /** Which of the device's channels are totals (made once: it is asked for every value of every batch). */
        final Predicate<String> isTotal;

        /**
         * @param unknownTotal for a channel the device does not (yet) list: whether a total was sent for it before
         */
        DeviceEntry(Map<String, BigDecimal> totals, Predicate<String> unknownTotal) {
            this.totals = totals;
            this.isTotal = ch -> {
                Channel c = channels.get(ch);
                return c != null ? c.monotonic() : unknownTotal.test(ch);
            };
        }
    }

    private final Path dataDir;
    private final String gatewayVersion;
    private final Clock clock;
    /** The oldest message in flight when last looked at, and since when it is the oldest (see stalled). */
    private Pending oldest;
    private long oldestSince;
    private volatile long ackStallOverride;
    private final AtomicReference<MqttSettings> wanted = new AtomicReference<>();
    private final ConcurrentLinkedQueue<DeviceEvent> control = new ConcurrentLinkedQueue<>();
    private final ArrayBlockingQueue<Incoming> data = new ArrayBlockingQueue<>(INBOX);
    private final Semaphore signal = new Semaphore(0);
    private final MqttConnection.Factory connections;
    private volatile long heldFlushes;
    private volatile long gatheredTurns;
    private final AtomicLong inboxDropped = new AtomicLong();
    private volatile long birthAt;
    /** Why the current connection was lost (its listener sets it), or null. */
    private volatile String lost;
    private volatile boolean running;
    /**
     * Whether an acknowledgement must wake the publisher: only when a full window holds it back. Otherwise acks
     * are reaped on the next turn (the next batch, or {@link #REAP_MILLIS} at most when the publisher sent them,
     * its {@link #TICK_MILLIS} tick when a device thread did): at 2000 messages/s this saved 40 % of the
     * publisher's context switches (bench/kpm33b, THREADS=1). However late acks are reaped,
     * {@link #send} saves the buffer's acknowledged position before it hands anything more over, so a crash never
     * re-sends a batch older than one a subscriber saw.
     */
    private volatile boolean wakeOnAck = true;
    private Thread thread;
    /** Held by whoever takes a turn: the publisher thread, except while it waits for work, or a device thread. */
    private final ReentrantLock turn = new ReentrantLock();
    /**
     * While the publisher thread waits for work: when its wait ends at the latest (System.nanoTime(), never 0);
     * 0 while it works or gathers. Device threads take a turn themselves only while it is set.
     */
    private volatile long idleUntil;
    /** Whether the rate is high enough to gather (see {@link Linger}): device threads then leave the turns alone. */
    private volatile boolean gatheringOn;
    /** A device thread's turn met a broken data folder: the publisher thread stops the output with it. */
    private volatile Exception inlineBroke;
    private volatile long inlineTurns;

    // Status, written by the publisher thread, read by anyone.
    private volatile State state = State.CONNECTING;
    private volatile String detail = "starting";
    private volatile long buffered;
    private volatile long bufferDropped;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong published = new AtomicLong();

    // Publisher thread only.
    private MqttSettings active;
    private Topics topics;
    private Payloads payloads;
    private SegmentQueue queue;
    private DiscoveryStore store;
    private LastTotals lastTotals;
    /** state.layout = json: every channel's latest numeric value, so the state JSON never lacks a field. */
    private LastTotals lastValues;
    /** The highest total the broker acknowledged per channel, and the floors read back from the replay marks. */
    private DeliveredTotals deliveredTotals;
    /** Retained replay marks: what subscribers may have seen while a device has several batches in flight. */
    private final SentTotals sentTotals = new SentTotals();
    private final BiConsumer<String, BigDecimal> staleTotal = this::staleTotal;
    /** While replay marks are read back after a connect: where the connection's messages for them go. */
    private volatile MarkReader markReader;
    private volatile long staleTotals;
    /** The connection (connecting or connected), or null between attempts. */
    private volatile MqttConnection client;
    private boolean connected;
    private int failures;
    private Backoff backoff;
    private java.time.Duration backoffMax;
    private long nextAttempt;
    private String lastFailure;
    /** Reasons logged by {@link #failed} since the last connect: forgotten then, so the next failure is told. */
    private final Set<String> failureKeys = new HashSet<>();
    private final Map<String, DeviceEntry> devices = new LinkedHashMap<>();
    /** Retained messages owed to the broker, sent before any reading (see {@link RetainedOutbox}). */
    private final RetainedOutbox outbox = new RetainedOutbox();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Disk errors of earlier buffers (the buffer is replaced when its settings change). */
    private long queueErrors;
    private ForwardBuffer forward;
    private boolean stopping;
    private final Map<String, Topics.Device> deviceTopics = new HashMap<>();
    private Instant lastTimestamp;
    private long orphanCheckAt;
    private long infoRefreshAt;
    private boolean orphansChecked;
    /** When the publisher last had work, for the quiet turn. */
    private long busyAt;
    /** The batches the last turn took from {@link #data}. */
    private int taken;
    /** Whether the next turn waits to gather more batches. */
    /** Null with gather.above = 0. */
    private Linger gathering;
    private long startedAt;
    private boolean everConnected;
    private String lastTimestampText;

    /**
     * @param dataDir where the buffer ({@code mqtt-buffer/}) and {@code discovery.json} live, e.g.
     *        {@code ${karaf.data}/meter2mqtt/mqtt}
     * @param gatewayVersion shown as origin/sw_version in Home Assistant
     */
    public MqttPublisher(Path dataDir, String gatewayVersion, Clock clock) {
        this(dataDir, gatewayVersion, clock, PahoConnection.FACTORY);
    }

    /** @param connections opens the connection of each attempt (tests hand in a fake) */
    MqttPublisher(Path dataDir, String gatewayVersion, Clock clock, MqttConnection.Factory connections) {
        this.dataDir = dataDir;
        this.gatewayVersion = gatewayVersion;
        this.clock = clock;
        this.connections = connections;
    }

    /** Starts the publisher thread with these settings. */
    public synchronized void start(MqttSettings settings) {
        if (running) {
            throw new IllegalStateException("already started");
        }
        wanted.set(settings);
        running = true;
        thread = new Thread(this::run, "meter2mqtt-mqtt");
        thread.setDaemon(true);
        thread.start();
    }

    /** Takes new settings; the publisher thread reconnects if the connection changed. Never blocks. */
    public void configure(MqttSettings settings) {
        wanted.set(settings);
        signal.release();
    }

    // ---- MeterOutput: called from device threads, must not block ----

    @Override
    public void deviceChanged(DeviceInfo device) {
        control.add(new DeviceChanged(device));
        signal.release();
    }

    @Override
    public void readings(DeviceInfo device, List<Reading> batch) {
        if (!data.offer(new Incoming(device, batch, clock.instant()))) {
            long n = inboxDropped.incrementAndGet();
            RATE_LIMITED.warn("inbox", "MQTT output cannot keep up: {} batches dropped before reaching the buffer "
                    + "(disk too slow or full?)", n);
        }
        if (idleUntil != 0 && !gatheringOn && turn.tryLock()) {
            try {
                inlineTurn();
            } finally {
                turn.unlock();
            }
        } else {
            signal.release();
        }
    }

    @Override
    public void deviceRemoved(DeviceInfo device) {
        control.add(new DeviceRemoved(device));
        signal.release();
    }

    // ---- MqttOutputStatus ----

    /**
     * Detail first, state last: a reader (meter:list) that sees the new state then also sees its detail, not the
     * previous one (CI once showed CONFIG_ERROR next to the old URL).
     */
    private void status(State st, String why) {
        detail = why;
        state = st;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public String detail() {
        return detail;
    }

    @Override
    public long buffered() {
        return buffered + data.size();
    }

    @Override
    public long dropped() {
        return bufferDropped + inboxDropped.get();
    }

    @Override
    public long rejected() {
        return rejected.get();
    }

    @Override
    public long published() {
        return published.get();
    }

    /** Flushes the socket stream held back too long, which its counting should rule out; for tests. */
    long heldFlushes() {
        return heldFlushes;
    }

    /** For tests: how many turns waited to gather batches (see {@link Linger}). */
    long gatheredTurns() {
        return gatheredTurns;
    }

    /** For tests: how many turns device threads took themselves (see {@link #inlineTurn}). */
    long inlineTurns() {
        return inlineTurns;
    }

    /** Batches the publisher thread has taken into the disk buffer (not counting the hand-off queue); for tests. */
    long takenToDisk() {
        return buffered;
    }

    /** Totals not sent because a higher one was sent before (replays after a crash or reconnect); for tests. */
    long staleTotals() {
        return staleTotals;
    }

    /** Batches moved from the direct path to the disk buffer (connection lost, stop, broker behind); for tests. */
    long spilled() {
        return forward == null ? 0 : forward.spilled();
    }

    /** Sends what is in flight (up to 2 s), says offline, disconnects and closes the buffer. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            t = thread;
        }
        signal.release();
        try {
            t.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("MQTT publisher thread did not stop within 15 s; interrupting it");
            t.interrupt();
        }
    }

    // ---- the publisher thread ----

    private void run() {
        stopping = false;
        turn.lock();
        try {
            store = new DiscoveryStore(dataDir.resolve("discovery.json"));
            lastTotals = new LastTotals(dataDir.resolve("totals.json"));
            lastValues = new LastTotals(dataDir.resolve("latest.json"));
            deliveredTotals = new DeliveredTotals(dataDir.resolve("delivered-totals.log"));
            startedAt = System.nanoTime();
            orphanCheckAt = startedAt + wanted.get().orphanDelay().toNanos();
            orphansChecked = false;
            while (running) {
                MqttSettings s = wanted.get();
                if (s != active) {
                    apply(s);
                }
                Exception broke = inlineBroke;
                if (broke instanceof IOException io) {
                    throw io;
                } else if (broke != null) {
                    throw (RuntimeException) broke;
                }
                boolean busy = processEvents();
                if (!orphansChecked && System.nanoTime() - orphanCheckAt >= 0) {
                    orphansChecked = true;
                    retractOrphans();
                }
                if (System.nanoTime() - infoRefreshAt >= 0) {
                    // last_reading moves with every batch: the info follows at most once a minute
                    infoRefreshAt = System.nanoTime() + INFO_REFRESH_NANOS;
                    for (DeviceEntry e : devices.values()) {
                        if (e.lastReading != null && !e.lastReading.equals(e.infoReading)) {
                            queueInfo(e);
                        }
                    }
                }
                if (queue != null) {
                    queue.flush();
                    // before a connect attempt that may take the whole connect timeout
                    buffered = queue.pending();
                }
                store.save();
                lastTotals.save(false);
                lastValues.save(false);
                if (lost != null) {
                    connectionLost();
                }
                long now = System.nanoTime();
                if (client == null && active.problems().isEmpty() && now - nextAttempt >= 0) {
                    connect();
                }
                if (connected && stalled(now)) {
                    long ms = TimeUnit.NANOSECONDS.toMillis(ackStallNanos());
                    lost = "no PUBACK for the oldest message in flight within "
                            + (ms >= 1000 ? ms / 1000 + " s" : ms + " ms") + ", although the connection is up";
                    connectionLost();
                }
                if (connected) {
                    busy |= send();
                }
                long birth = birthAt;
                if (birth != 0 && connected && now - birth >= 0) {
                    birthAt = 0;
                    rebirth();
                    busy = true;
                }
                // batches held in memory are on disk too, hence in pending()
                buffered = queue == null ? 0 : queue.pending();
                bufferDropped = (queue == null ? 0 : queue.dropped()) + queueErrors
                        + (forward == null ? 0 : forward.errors());
                long linger = gather(now);
                if (busy) {
                    busyAt = now;
                    if (linger > 0) {
                        // a high rate: let the next batches gather for one turn (see Linger); producers' signals
                        // meanwhile only add permits, no wake-up
                        flushHeld();
                        gatheredTurns++;
                        // with the lock: device threads only signal while gathering (idleUntil is 0)
                        LockSupport.parkNanos(linger);
                    }
                } else {
                    flushHeld();
                    long wait;
                    if (client == null && active.problems().isEmpty()) {
                        // not connected: wake for the next connect attempt, at the latest after a tick
                        long untilAttempt = TimeUnit.NANOSECONDS.toMillis(nextAttempt - System.nanoTime());
                        wait = Math.min(TICK_MILLIS, Math.max(1, untilAttempt));
                    } else {
                        wait = quiet(now) ? QUIET_TICK_MILLIS : TICK_MILLIS;
                    }
                    if (!pending.isEmpty()) {
                        wait = Math.min(wait, REAP_MILLIS);
                    }
                    awaitWork(wait);
                }
            }
            shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("MQTT publisher interrupted while stopping; unsent readings stay buffered");
            closeQuietly();
        } catch (IOException | RuntimeException e) {
            // Only a broken data folder gets here; nothing else can be done without a place to buffer.
            status(State.CONFIG_ERROR, "MQTT output stopped: " + e);
            LOG.error("MQTT output stopped: {}; check that {} is writable, then restart the bundle", e, dataDir, e);
            closeQuietly();
        } finally {
            turn.unlock();
        }
    }

    /**
     * Waits up to {@code millis} for a signal without the lock. Meanwhile a device thread may take a turn itself if
     * the connection is up (see {@link #inlineTurn}).
     */
    private void awaitWork(long millis) throws InterruptedException {
        turn.unlock();
        try {
            idleUntil = (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis)) | 1;
            signal.tryAcquire(millis, TimeUnit.MILLISECONDS);
            signal.drainPermits();
        } finally {
            idleUntil = 0;
            turn.lock();
        }
    }

    /** The {@link Linger} after a turn that took {@link #taken} batches: how long to wait, 0 for not at all. */
    private long gather(long now) {
        if (gathering == null) {
            gatheringOn = false;
            return 0;
        }
        long linger = gathering.after(taken, now);
        gatheringOn = gathering.on();
        return linger;
    }

    /**
     * A turn on a device thread that handed over a batch while the publisher thread waits for work, with the lock:
     * takes what was handed over, writes it to the buffer file and sends it, as the publisher would have. That
     * spares the publisher's wake-up per batch, a large part of its CPU below the gathering rate (bench/kpm33b).
     * Only the per-batch part: connecting, a lost connection, settings, fsync, periodic saves and stall checks stay
     * with the publisher thread. When an fsync is due the batch is left to it; its tick ({@link #TICK_MILLIS}) reaps
     * the acknowledgements of the last batches sent here (the next batch reaps them sooner), so this wakes it when
     * it is in a longer, quiet wait. Nothing here waits: Paho queues the messages for its sender, and the file
     * writes go to the page cache (only a segment roll, every eighth of buffer.max.mb, syncs the file it closes).
     */
    private void inlineTurn() {
        if (!running || stopping || !connected || lost != null || queue == null || wanted.get() != active
                || inlineBroke != null || queue.syncDue()) {
            signal.release();
            return;
        }
        try {
            processEvents();
            long now = System.nanoTime();
            busyAt = now;
            gather(now);
            queue.write();
            send();
            buffered = queue.pending();
            inlineTurns++;
            long until = idleUntil;
            if (lost != null || gatheringOn || until != 0 && until - now > TICK_NANOS) {
                signal.release();
            }
        } catch (IOException | RuntimeException e) {
            inlineBroke = e;
            signal.release();
        }
    }

    private void apply(MqttSettings s) throws IOException {
        MqttSettings old = active;
        active = s;
        boolean reconnect = s.connectionDiffers(old);
        if (old != null && reconnect && client != null) {
            LOG.info("MQTT configuration changed; reconnecting ({})", s);
            disconnect(old);
        }
        if (old == null || old.bufferMaxBytes() != s.bufferMaxBytes() || !old.bufferMaxAge().equals(s.bufferMaxAge())
                || !old.fsyncInterval().equals(s.fsyncInterval())) {
            if (queue != null) {
                spill();
                queue.close();
                queueErrors += forward.errors();
            }
            pending.clear();
            queue = new SegmentQueue(dataDir.resolve("mqtt-buffer"), s.bufferMaxBytes(), s.bufferMaxAge(),
                    s.fsyncInterval(), clock::millis);
            forward = new ForwardBuffer(queue, dataDir.resolve("mqtt-buffer"));
        }
        if (old == null || old.gatherAbove() != s.gatherAbove()) {
            gathering = s.gatherAbove() > 0 ? new Linger(LINGER_NANOS, s.gatherAbove(), LINGER_WINDOW_NANOS) : null;
        }
        Topics oldTopics = topics;
        topics = new Topics(s);
        deviceTopics.clear();
        payloads = new Payloads(topics, gatewayVersion, s.jsonState());
        if (reconnect) {
            // Payloads depend on prefixes and gateway id: recompute every device's discovery.
            for (DeviceEntry e : devices.values()) {
                e.configs = SentConfigs.of(discoveryConfigs(e.info));
            }
            if (old != null && old.discovery()) {
                retractMoved(old, oldTopics, s);
            }
            if (old != null) {
                retractMovedStatuses(old, oldTopics, s);
            }
            if (s.discovery()) {
                devices.forEach((id, e) -> {
                    if (!e.configs.isEmpty()) {
                        store.announce(id, e.configs.topics());
                    }
                });
            }
        }
        if (!s.problems().isEmpty()) {
            status(State.CONFIG_ERROR, "configuration error: " + String.join("; ", s.problems()));
            LOG.error("MQTT output not connecting: {}. Fix etc/org.meter2mqtt.mqtt.cfg; readings are buffered "
                    + "under {} meanwhile", String.join("; ", s.problems()), dataDir);
        } else if (old == null) {
            LOG.info("MQTT output starting ({})", s);
            nextAttempt = System.nanoTime();
        } else if (reconnect) {
            failures = 0;
            backoff = null;
            lastFailure = null;
            nextAttempt = System.nanoTime();
        }
    }

    /**
     * Discovery was turned off, or its topics moved (discovery prefix, gateway id): what the old settings announced
     * would stay in Home Assistant as dead entities, so it gets empty retained payloads.
     */
    private void retractMoved(MqttSettings old, Topics oldTopics, MqttSettings s) {
        if (!DiscoveryRules.retractAll(old.discovery(), old.discoveryPrefix(), old.gatewayId(), s.discovery(),
                s.discoveryPrefix(), s.gatewayId())) {
            return;
        }
        // Every config topic holds the prefix and the gateway id, so none of the old ones is announced again.
        Set<String> gone = new LinkedHashSet<>();
        gone.add(oldTopics.gatewayConfig());
        store.allAnnounced().values().forEach(gone::addAll);
        gone.forEach(this::owe);
        store.forgetAnnounced();
        LOG.info("Home Assistant discovery {}: retracting the {} configs announced before", s.discovery()
                ? "moved to " + s.discoveryPrefix() + " as gateway " + s.gatewayId() : "turned off", gone.size());
    }

    /**
     * A new topic prefix or gateway id moves the status topics: the old retained ones would say "online" or
     * "offline" there forever, so they get empty retained payloads (owed, so a restart still sends them).
     */
    private void retractMovedStatuses(MqttSettings old, Topics oldTopics, MqttSettings s) {
        DiscoveryRules.StatusMove move = DiscoveryRules.statusMove(old.topicPrefix(), old.gatewayId(),
                s.topicPrefix(), s.gatewayId());
        if (move == DiscoveryRules.StatusMove.NONE) {
            return;
        }
        owe(oldTopics.gatewayStatus());
        if (move == DiscoveryRules.StatusMove.ALL) {
            devices.forEach((id, e) -> {
                owe(oldTopics.deviceStatus(e.info.driverId(), id));
                owe(oldTopics.deviceInfo(e.info.driverId(), id));
                store.status(id, topics.deviceStatus(e.info.driverId(), id));
            });
        }
        LOG.info("MQTT status topics moved to {}: clearing the retained ones under {}", topics.gatewayStatus(),
                oldTopics.gatewayStatus());
    }

    /**
     * Devices announced in an earlier run that did not come back: their .cfg was deleted while the gateway was
     * stopped, so nobody called {@link #deviceRemoved}. Their entities and status are retracted as if it had.
     */
    private void retractOrphans() {
        for (String id : DiscoveryRules.orphans(store.devices(), devices.keySet())) {
            int entities = store.announced(id).size();
            DiscoveryRules.orphanTopics(store.announced(id), store.status(id)).forEach(this::owe);
            store.forget(id);
            lastTotals.forget(id);
            lastValues.forget(id);
            deliveredTotals.forget(id);
            sentTotals.forget(id);
            outbox.clear(topics.sentMarks() + id);
            LOG.info("Device {} no longer exists (its .cfg was removed while the gateway was stopped): retracting "
                    + "its status and {} Home Assistant entities", id, entities);
        }
    }

    /** Drains the in-memory queues into device state and the disk buffer. */
    private boolean processEvents() throws IOException {
        boolean any = false;
        DeviceEvent c;
        while ((c = control.poll()) != null) {
            any = true;
            c.applyTo(this);
        }
        Incoming in;
        int n = 0;
        while (n < 10_000) {
            in = data.poll();
            if (in == null) {
                break;
            }
            any = true;
            n++;
            accept(in);
        }
        taken = n;
        return any;
    }

    private void deviceChangedNow(DeviceInfo d) {
        DeviceEntry e = devices.computeIfAbsent(d.id(),
                k -> new DeviceEntry(lastTotals.of(k), ch -> deliveredTotals.known(k, ch)));
        e.info = d;
        Map<String, Channel> channels = new HashMap<>();
        for (Channel ch : d.channels()) {
            channels.put(ch.id(), ch);
        }
        e.channels = channels;
        store.status(d.id(), topics.deviceStatus(d.driverId(), d.id()));
        boolean online = d.state().available();
        boolean statusChanged = !Boolean.valueOf(online).equals(e.online);
        if (statusChanged) {
            e.online = online;
            outbox.status(topics.deviceStatus(d.driverId(), d.id()), online);
        }
        bindLayouts(e, d, statusChanged);
        queueInfo(e);
        if (!active.discovery()) {
            return;
        }
        // Without a driver the channel list is unknown, not empty: keep what HA has (it shows unavailable). The
        // info sensor is announced anyway: it says why.
        if (e.ownTopics && (d.driverVersion() == null || d.channels().isEmpty())) {
            String topic = topics.infoConfig(d.id());
            byte[] cfg = payloads.infoConfig(d);
            if (!e.configs.sent(topic, cfg)) {
                outbox.put(topic, cfg);
                e.configs = e.configs.with(topic, cfg);
            }
            Set<String> announced = new LinkedHashSet<>(store.announced(d.id()));
            announced.add(topic);
            store.announce(d.id(), announced);
            return;
        }
        Map<String, byte[]> configs = discoveryConfigs(d);
        Set<String> before = new LinkedHashSet<>(store.announced(d.id()));
        before.addAll(e.configs.topics());
        for (String topic : DiscoveryRules.gone(before, configs.keySet())) {
            LOG.info("Channel gone from device {}: removing Home Assistant entity {}", d.id(), topic);
            owe(topic);
        }
        List<String> changed = DiscoveryRules.changed(configs, e.configs);
        for (String topic : changed) {
            outbox.put(topic, configs.get(topic));
        }
        if (!changed.isEmpty() || !List.copyOf(e.configs.topics()).equals(List.copyOf(configs.keySet()))) {
            // a device's info changes far more often than its configs: those are packed again only when they change
            e.configs = SentConfigs.of(configs);
        }
        store.announce(d.id(), configs.keySet());
    }

    /**
     * The device's compatibility layouts from its keys (and its driver's suggestions); a layout with a status topic
     * (kamstrup2mqtt) says online/offline there, retained, whenever that or the layout changes.
     */
    private void bindLayouts(DeviceEntry e, DeviceInfo d, boolean statusChanged) {
        List<String> problems = new ArrayList<>();
        List<BoundLayout> bound = Layouts.bind(d.id(), d.config(), d.attributes(), problems);
        String why = String.join("; ", problems);
        if (!why.isEmpty() && !why.equals(e.layoutProblems)) {
            LOG.warn("Device {}: the driver's MQTT layout settings are ignored: {}", d.id(), why);
        }
        e.layoutProblems = why;
        boolean changed = !sameLayouts(bound, e.layouts);
        if (changed && !bound.isEmpty()) {
            LOG.info("Device {} is also published in the layouts {}", d.id(),
                    bound.stream().map(b -> b.name() + " " + b.settings()).collect(Collectors.joining(", ")));
        }
        e.layouts = bound;
        boolean own = Layouts.ownTopics(d.config(), d.attributes(), bound);
        if (own != e.ownTopics) {
            LOG.info("Device {} is published {}", d.id(), own ? "in its own topics again"
                    : "only in its layouts (mqtt.own.topics = false): no own topics, no Home Assistant entities");
        }
        boolean noLayout = bound.isEmpty() && Layouts.onlyLayoutsAsked(d.config(), d.attributes());
        // A driver suggests its layouts while the device opens, after the STARTING snapshot: warned only once the
        // device is past that (1000 KPM33B devices with kpm33b_proxy gave 1000 false warnings at every start).
        boolean opening = d.state() == DeviceState.STARTING || d.state() == DeviceState.WAITING_FOR_DRIVER;
        if (noLayout && !opening && !e.noLayoutWarned) {
            LOG.warn("Device {}: mqtt.own.topics = false but it has no layout (mqtt.layouts): published in its own "
                    + "topics", d.id());
        }
        e.noLayoutWarned = noLayout && (e.noLayoutWarned || !opening);
        e.ownTopics = own;
        if (!own) {
            e.lastBatch = null;
        }
        if (statusChanged || changed) {
            for (BoundLayout l : bound) {
                if (l.statusTopic() != null) {
                    outbox.status(l.statusTopic(), Boolean.TRUE.equals(e.online));
                }
            }
        }
    }

    private static boolean sameLayouts(List<BoundLayout> a, List<BoundLayout> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).name().equals(b.get(i).name()) || !a.get(i).settings().equals(b.get(i).settings())) {
                return false;
            }
        }
        return true;
    }

    /** A sensor per channel (once a driver serves the device), and the info sensor. */
    private Map<String, byte[]> discoveryConfigs(DeviceInfo d) {
        Map<String, byte[]> configs = new LinkedHashMap<>();
        DeviceEntry e = d == null ? null : devices.get(d.id());
        if (d == null || (e != null && !e.ownTopics)) {
            // mqtt.own.topics = false: no entities (those announced before are retracted as gone)
            return configs;
        }
        if (d.driverVersion() != null) {
            for (Channel ch : d.channels()) {
                configs.put(topics.sensorConfig(d.id(), ch.id()), payloads.sensorConfig(d, ch));
            }
        }
        configs.put(topics.infoConfig(d.id()), payloads.infoConfig(d));
        return configs;
    }

    /** The device's info (state, reason, driver version, last reading), retained, when it changed. */
    private void queueInfo(DeviceEntry e) {
        byte[] info = Payloads.info(e.info, e.lastReading);
        e.infoReading = e.lastReading;
        if (!Arrays.equals(info, e.infoPayload)) {
            e.infoPayload = info;
            outbox.put(topics.deviceInfo(e.info.driverId(), e.info.id()), info);
        }
    }

    /** Records that an empty retained config is owed for {@code topic}, and queues it. */
    private void owe(String topic) {
        store.removalOwed(topic);
        outbox.owe(topic);
    }

    private void deviceRemovedNow(DeviceInfo d) {
        DeviceEntry e = devices.remove(d.id());
        deviceTopics.remove(d.id());
        Set<String> topicsToRemove = new LinkedHashSet<>(store.announced(d.id()));
        if (e != null) {
            topicsToRemove.addAll(e.configs.topics());
        }
        if (active.discovery()) {
            topicsToRemove.addAll(discoveryConfigs(d).keySet());
        }
        for (String t : topicsToRemove) {
            owe(t);
        }
        store.forget(d.id());
        lastTotals.forget(d.id());
        lastValues.forget(d.id());
        deliveredTotals.forget(d.id());
        sentTotals.forget(d.id());
        outbox.clear(topics.sentMarks() + d.id());
        // an acknowledgement still on its way must not bring the forgotten totals back
        for (Pending p : pending) {
            if (p.batch != null && p.batch.device().equals(d.id())) {
                p.batch = null;
            }
        }
        // Clear the retained status so nothing about the device stays on the broker.
        outbox.clear(topics.deviceStatus(d.driverId(), d.id()));
        outbox.clear(topics.deviceInfo(d.driverId(), d.id()));
        if (e != null) {
            // a layout's own status says what its program would say when it stops: offline
            for (BoundLayout l : e.layouts) {
                if (l.statusTopic() != null) {
                    outbox.status(l.statusTopic(), false);
                }
            }
        }
        LOG.info("Device {} removed: retracting {} Home Assistant entities", d.id(), topicsToRemove.size());
    }

    /** Checks one batch and hands it to the direct path or the disk buffer. */
    private void accept(Incoming in) throws IOException {
        DeviceInfo d = in.device();
        DeviceEntry e = devices.get(d.id());
        if (e == null) {
            deviceChangedNow(d);
            e = devices.get(d.id());
        }
        List<Reading> batch = in.batch();
        int size = batch.size();
        String[] channels = new String[size];
        BigDecimal[] numbers = new BigDecimal[size];
        String[] texts = null;
        int kept = 0;
        Instant ts = null;
        // indexed loops on this path: C2 did not remove the iterators, which cost about 0.2 KB per message
        for (int i = 0; i < batch.size(); i++) {
            Reading r = batch.get(i);
            if (!r.status().publishable() || !r.hasValue()) {
                continue;
            }
            Channel ch = e.channels.get(r.channel());
            if (ch != null && ch.monotonic() && r.number() != null) {
                BigDecimal last = e.totals.get(r.channel());
                if (last != null && r.number().compareTo(last) < 0) {
                    long n = rejected.incrementAndGet();
                    LOG.warn("Device {} channel {} went backwards from {} to {}; not published (misread? {} "
                            + "rejected so far; if the meter was replaced, remove the device and add it again to "
                            + "start its totals afresh)", d.id(), r.channel(), last.toPlainString(),
                            r.number().toPlainString(), n);
                    continue;
                }
                e.totals.put(r.channel(), r.number());
                lastTotals.changed();
            }
            channels[kept] = r.channel();
            numbers[kept] = r.number();
            if (r.number() == null) {
                if (texts == null) {
                    texts = new String[size];
                }
                texts[kept] = r.textValue();
            }
            kept++;
            if (ts == null) {
                ts = r.timestamp();
            }
        }
        if (kept == 0) {
            return;
        }
        Batch b = Batch.of(d.driverId() == null ? "unknown" : d.driverId(), d.id(), ts == null ? in.received() : ts,
                channels, numbers, texts, kept);
        e.lastReading = b.timestamp();
        // The window is enough for the direct path: each loop takes only what the acknowledgements made room for,
        // and sends it in the same turn.
        forward.add(b, connected, stopping, active.maxInflight());
    }

    /** Gives up the batches kept in memory (see {@link ForwardBuffer#spill}). */
    private void spill() {
        if (forward != null && forward.spill() > 0) {
            for (Pending p : pending) {
                p.fromMemory = false;
            }
        }
    }

    // ---- connection ----

    private void connect() {
        MqttSettings s = active;
        status(State.CONNECTING, "connecting to " + s.url() + (lastFailure == null ? "" : " (last attempt: "
                + lastFailure + ")"));
        SSLSocketFactory sockets = null;
        if (s.tls()) {
            try {
                // Not coalesced: that would need a wrapper for the whole SSLSocket, and TLS records cost more anyway.
                sockets = NoDelaySockets.tls(Tls.socketFactory(s.caFile(), s.certFile(), s.keyFile()));
            } catch (GeneralSecurityException | IOException e) {
                failed(s, "TLS setup failed: " + e.getMessage(), true);
                return;
            }
        }
        // one attempt per connection: the retry delays are this loop's (backoff), the connection's go unused
        java.time.Duration retry = java.time.Duration.ofSeconds(1);
        ConnectionSettings cs = new ConnectionSettings(s.url(), s.clientId(), s.username(), s.password(),
                s.keepAliveSeconds(), clientInflightLimit(s), sockets, retry, retry, s.hostnameVerification(),
                sockets == null);
        Events events = new Events(topics.haStatus(), s.birthDelayMax());
        MqttConnection c = connections.open("MQTT output", cs, events);
        events.owner = c;
        try {
            awaitConnect(c.connect(new MqttConnection.Will(topics.gatewayStatus(), OFFLINE, 1, true)));
        } catch (Failure e) {
            c.abort();
            failed(s, e.getMessage(), e.configProblem());
            return;
        }
        client = c;
        connected = true;
        lost = null;
        if (failures > 0) {
            LOG.info("Connected to MQTT broker {} after {} failed attempts; sending {} buffered batches", s.url(),
                    failures, queue.pending());
        } else {
            LOG.info("Connected to MQTT broker {} as {}", s.url(), s.clientId());
        }
        failures = 0;
        backoff = null;
        lastFailure = null;
        failureKeys.forEach(CONNECT_FAILURES::forget);
        failureKeys.clear();
        everConnected = true;
        status(State.CONNECTED, s.url());
        pending.clear();
        sentTotals.connected();
        deliveredTotals.connected();
        queue.rewind();
        fullSync();
        if (s.discovery()) {
            try {
                c.subscribe(topics.haStatus(), 1);
            } catch (Failure e) {
                LOG.warn("Cannot subscribe to {} ({}); discovery is not re-sent when Home Assistant restarts",
                        topics.haStatus(), e.getMessage());
            }
        }
        if (queue.pending() > 0) {
            // a replay follows: what subscribers may have seen already bounds its totals (see SentTotals)
            MarkReader reader = new MarkReader(topics.sentMarks());
            markReader = reader;
            try {
                reader.apply(c, 5_000, sentTotals, deliveredTotals);
            } catch (Failure e) {
                LOG.warn("Cannot read the replay marks back ({}); replayed totals are checked against the "
                        + "acknowledged ones only", e.getMessage());
            } finally {
                markReader = null;
            }
        }
    }

    /** Home Assistant said online: discovery again after a random delay, so that not every gateway sends at once. */
    private void haOnline(java.time.Duration birthDelayMax) {
        long delay = TimeUnit.MILLISECONDS.toNanos(
                ThreadLocalRandom.current().nextLong(Math.max(1, birthDelayMax.toMillis())));
        birthAt = System.nanoTime() + delay;
        LOG.debug("Home Assistant is online; re-sending discovery in {} ms", TimeUnit.NANOSECONDS.toMillis(delay));
        signal.release();
    }

    /**
     * Waits for a connection attempt (up to the connect timeout: a broker host that drops SYNs takes all of it)
     * while still taking batches from the hand-off queue into the disk buffer: what a driver handed over more than
     * a moment ago must be on disk even while the publisher is connecting, so a kill -9 then loses nothing.
     */
    private void awaitConnect(Delivery t) throws Failure {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MS + 2000);
        while (!t.done() && t.failure() == null && System.nanoTime() - deadline < 0 && running) {
            try {
                processEvents();
                queue.flush();
                buffered = queue.pending();
            } catch (IOException e) {
                // the loop reports a broken data folder; here only the connection matters
                LOG.debug("MQTT buffer while connecting: {}", e.toString());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (t.failure() != null) {
            throw t.failure();
        }
        if (!t.done()) {
            throw new Failure("Timed out waiting for a response from the server", false);
        }
    }

    /** A connection attempt failed: log (not every retry), set the status, schedule the next one. */
    private void failed(MqttSettings s, String reason, boolean configProblem) {
        failures++;
        java.time.Duration delay = backoff(s).fail();
        if (!everConnected && s.localBroker() && System.nanoTime() - startedAt < LOCAL_BOOT_NANOS
                && delay.compareTo(BOOT_RETRY) > 0) {
            // A broker on this host boots with the gateway: the embedded one a moment after this bundle, a local
            // Mosquitto when systemd gets to it, tens of seconds later on a busy Pi. Doubling would connect up to
            // twice as late as it listens; on loopback there is no crowd of gateways to spread out.
            delay = BOOT_RETRY;
        }
        nextAttempt = System.nanoTime() + delay.toNanos();
        status(configProblem ? State.CONFIG_ERROR : State.CONNECTING, reason);
        if (configProblem) {
            failureKeys.add(reason);
            CONNECT_FAILURES.error(reason, "MQTT connection to {} impossible: {}. Fix etc/org.meter2mqtt.mqtt.cfg; "
                    + "readings are buffered ({} waiting)", s.url(), reason, queue.pending());
        } else if (!everConnected && System.nanoTime() - startedAt < BOOT_GRACE_NANOS) {
            // At boot the embedded broker usually starts a moment after this bundle: not worth a warning (and not
            // counted by the rate limit, so a failure that outlasts the grace is still warned about).
            LOG.info("MQTT broker {} not reachable yet ({}); retrying", s.url(), reason);
        } else {
            failureKeys.add(reason);
            CONNECT_FAILURES.warn(reason, "MQTT broker {} unreachable: {}; buffering readings ({} waiting), "
                    + "retrying with backoff (attempt {})", s.url(), reason, queue.pending(), failures);
        }
        lastFailure = reason;
    }

    /**
     * The reconnect delays: from 1 s doubling up to {@code reconnect.max}, half of each drawn at random so gateways
     * that lost one broker together do not all come back in the same millisecond. Reset on every connect.
     */
    private Backoff backoff(MqttSettings s) {
        if (backoff == null || !s.reconnectMax().equals(backoffMax)) {
            backoffMax = s.reconnectMax();
            java.time.Duration max = backoffMax.isZero() || backoffMax.isNegative() ? java.time.Duration.ofMillis(1)
                    : backoffMax;
            java.time.Duration first = java.time.Duration.ofSeconds(1).compareTo(max) > 0 ? max
                    : java.time.Duration.ofSeconds(1);
            backoff = new Backoff(first, max, 0.5);
            for (int i = 0; i < failures - 1; i++) {
                backoff.fail();
            }
        }
        return backoff;
    }

    private void connectionLost() {
        String cause = lost;
        lost = null;
        if (!connected) {
            return;
        }
        LOG.warn("Lost connection to MQTT broker {} ({}); buffering readings and reconnecting", active.url(), cause);
        dropConnection();
        failures = 0;
        backoff = null;
        nextAttempt = System.nanoTime();
        status(State.CONNECTING, "connection lost: " + cause);
    }

    private void dropConnection() {
        connected = false;
        closeClient(client);
        client = null;
        // Unacknowledged in-memory batches go to the (then empty) disk buffer: sent first after the reconnect.
        spill();
        pending.clear();
        sentTotals.connected();
        deliveredTotals.connected();
        outbox.clear();
        if (queue != null) {
            queue.rewind();
        }
    }

    private static void closeClient(MqttConnection c) {
        if (c != null) {
            c.abort();
        }
    }

    /** Everything retained, rebuilt from memory: after every connect, since the broker may be new. */
    private void fullSync() {
        List<RetainedOutbox.Device> views = new ArrayList<>(devices.size());
        for (DeviceEntry e : devices.values()) {
            List<String> layoutStatus = new ArrayList<>();
            for (BoundLayout l : e.layouts) {
                if (l.statusTopic() != null) {
                    layoutStatus.add(l.statusTopic());
                }
            }
            views.add(new RetainedOutbox.Device(e.configs.payloads(),
                    topics.deviceInfo(e.info.driverId(), e.info.id()),
                    e.infoPayload, topics.deviceStatus(e.info.driverId(), e.info.id()), e.online, layoutStatus));
        }
        Set<String> moot = outbox.fullSync(topics.gatewayStatus(), topics.gatewayConfig(),
                active.discovery() ? payloads.gatewayConfig() : null, views, store.removals());
        moot.forEach(store::removalDone);
    }

    /** Home Assistant (re)started: configs, then statuses, then the latest states. */
    private void rebirth() {
        LOG.info("Home Assistant came online: re-sending discovery for {} devices", devices.size());
        fullSync();
        for (DeviceEntry e : devices.values()) {
            if (e.lastBatch != null) { // kept only while the device has own topics
                for (Map.Entry<String, byte[]> m : messages(e.lastBatch).entrySet()) {
                    outbox.put(m.getKey(), m.getValue(), active.qos(), active.retain());
                }
            }
        }
    }

    /** The messages of one batch: a value per channel, then the JSON state. */
    private Map<String, byte[]> messages(Batch b) {
        Topics.Device t = topicsOf(b);
        Map<String, byte[]> m = new LinkedHashMap<>();
        if (active.jsonState()) {
            m.put(t.state(), jsonState(b, b.timestamp().toString()));
            return m;
        }
        for (int vi = 0; vi < b.size(); vi++) {
            m.put(t.value(b.channel(vi)), b.formatted(vi).getBytes(StandardCharsets.UTF_8));
        }
        m.put(t.state(), Payloads.state(b));
        return m;
    }

    /** The device's topics, built once per device rather than for every message. */
    private Topics.Device topicsOf(Batch b) {
        Topics.Device t = deviceTopics.get(b.device());
        if (t == null || !t.driver().equals(b.driver())) {
            t = topics.forDevice(b.driver(), b.device());
            deviceTopics.put(b.device(), t);
        }
        return t;
    }

    /**
     * Paho's own in-flight limit. Paho counts a QoS 1 message as in flight until its callback thread has handled
     * the PUBACK, which can be well after the token reports completion (and {@link #reap} freed the window); under
     * load that lag reached the limit and Paho refused publishes ("Too many publishes in progress"), which cost
     * a reconnect and a resend. Hence the headroom here and the check in {@link #clientFull}.
     */
    private static int clientInflightLimit(MqttSettings s) {
        return Math.min(65535, 2 * s.maxInflight() + 1000);
    }

    /** True when Paho still counts so many messages in flight that a batch might be refused. */
    private boolean clientFull() {
        return client.inflight() >= clientInflightLimit(active) - active.maxInflight();
    }

    /**
     * True when the oldest message in flight has waited longer than {@link #ackStallNanos()} for its PUBACK. A broker
     * can answer PINGREQ and never acknowledge a PUBLISH (Moquette with a dead session thread did, see the broker
     * bundle's README): Paho then never reports a loss, and without this the output would wait for good with its
     * window full. A new connection sends everything unacknowledged again.
     */
    private boolean stalled(long now) {
        Pending head = pending.peek();
        if (head != oldest) {
            oldest = head;
            oldestSince = now;
            return false;
        }
        return head != null && head.token != null && now - oldestSince > ackStallNanos() && !head.token.done();
    }

    /** Twice the keep-alive, at least a minute (tests set it shorter). */
    private long ackStallNanos() {
        long forced = ackStallOverride;
        return forced > 0 ? forced
                : TimeUnit.SECONDS.toNanos(Math.max(60, 2L * active.keepAliveSeconds()));
    }

    /** For tests: how long the oldest message in flight may wait for its PUBACK before the output reconnects. */
    void ackStallLimit(java.time.Duration d) {
        ackStallOverride = d.toNanos();
    }

    /** Reaps acknowledgements, then sends retained messages first and buffered batches after, within the window. */
    private boolean send() throws IOException {
        boolean any = reap();
        if (any) {
            // before anything more is handed over: a crash must not send an acknowledged batch again, since a
            // subscriber may have seen a later total of its device already (one batch in flight has no mark)
            queue.saveCursor();
        }
        int window = active.maxInflight();
        if (clientFull()) {
            // Listener.delivered wakes the loop once Paho caught up
            wakeOnAck = true;
            return any | reap();
        }
        try {
            while (!outbox.isEmpty() && pending.size() < window) {
                RetainedOutbox.Message m = outbox.poll();
                Delivery t = handOver(m.topic(), m.payload(), m.qos(), m.retain());
                pending.add(new Pending(t, null, m.removal() ? () -> store.removalDone(m.topic()) : null));
                any = true;
            }
            // Totals below one already delivered are duplicates of a replay (see DeliveredTotals).
            List<Outbound> ready = forward.take(window - pending.size(), () -> !clientFull());
            if (ready.isEmpty()) {
                return endTurn(any, window);
            }
            any = true;
            List<Batch> turn = new ArrayList<>(ready.size());
            for (int i = 0; i < ready.size(); i++) {
                Outbound o = ready.get(i);
                if (o.batch != null) {
                    o.batch = deliveredTotals.admit(o.batch, totalsOf(o.batch.device()), staleTotal);
                    if (o.batch != null) {
                        turn.add(o.batch);
                    }
                }
            }
            // ahead of the turn's batches: a mark the broker holds bounds what subscribers saw (see SentTotals)
            Map<String, byte[]> marks = sentTotals.before(turn, this::totalsOf);
            if (!marks.isEmpty()) {
                for (Map.Entry<String, byte[]> m : marks.entrySet()) {
                    Pending mark = new Pending(handOver(topics.sentMarks() + m.getKey(), m.getValue(), 0, true),
                            false);
                    mark.uncounted = true;
                    pending.add(mark);
                }
            }
            for (int i = 0; i < ready.size(); i++) {
                Outbound o = ready.get(i);
                Pending last;
                if (o.batch == null) {
                    // expired, damaged, or only old totals: committed in order, nothing sent
                    last = new Pending(null, o.record, null);
                    pending.add(last);
                } else {
                    last = publish(o.batch);
                    last.record = o.record;
                    last.batch = o.batch;
                }
                last.fromMemory = o.fromMemory;
            }
        } catch (Failure e) {
            lost = e.getMessage();
            if (Thread.currentThread() == thread) {
                // a device thread's turn leaves it to the publisher thread, whose aborting the connection may wait
                connectionLost();
            }
            return true;
        }
        return endTurn(any, window);
    }

    /** The end of a turn: the acknowledgements that came meanwhile, and whether the next ones must wake the loop. */
    private boolean endTurn(boolean any, int window) throws IOException {
        any |= reap();
        boolean full = pending.size() >= window || clientFull();
        wakeOnAck = full;
        // an acknowledgement that came before the flag was set woke no one
        return full ? any | reap() : any;
    }

    /** The device's totals predicate (no allocation for a known device). */
    private Predicate<String> totalsOf(String device) {
        DeviceEntry e = devices.get(device);
        return e != null ? e.isTotal : ch -> isTotal(device, ch);
    }

    /**
     * Whether a channel is a total that must not go down: as the device says, or, for a device not (yet) known in
     * this run (a replay right after a restart), whether a total was sent for it before.
     */
    private boolean isTotal(String device, String channel) {
        DeviceEntry e = devices.get(device);
        Channel ch = e == null ? null : e.channels.get(channel);
        return ch != null ? ch.monotonic() : deliveredTotals.known(device, channel);
    }

    private void staleTotal(String channel, BigDecimal number) {
        staleTotals++;
        LOG.debug("Not re-sending {} = {}: a higher total was sent before (a replay after a crash or reconnect)",
                channel, number.toPlainString());
    }

    /**
     * Every publish of the loop goes through here, on this one thread (the connection counts the PUBLISHes for
     * {@link CoalescingOutputStream}).
     */
    private Delivery handOver(String topic, byte[] payload, int qos, boolean retain) throws Failure {
        return client.send(topic, payload, qos, retain);
    }

    /** A batch: its own topics (unless mqtt.own.topics = false), then its layouts; returns the last Pending. */
    private Pending publish(Batch b) throws Failure {
        DeviceEntry e = devices.get(b.device());
        Pending last = null;
        if (e == null || e.ownTopics) {
            last = publishOwn(b);
        }
        if (e != null) {
            // kept for Home Assistant's rebirth, which re-sends own topics only (and a value kept past a young
            // collection is copied by it: 1000 layout-only meters would carry 18 values each for nothing)
            e.lastBatch = e.ownTopics ? b : null;
            // The compatibility layouts over the same connection, after the device's own topics; the batch is
            // acknowledged (and its record committed) with its last message, whichever layout that is.
            for (int i = 0; i < e.layouts.size(); i++) {
                List<BoundLayout.Message> rendered = e.layouts.get(i).render(b, e.channels);
                for (int j = 0; j < rendered.size(); j++) {
                    BoundLayout.Message m = rendered.get(j);
                    last = new Pending(handOver(m.topic, m.payload, m.qos, m.retain), false);
                    pending.add(last);
                }
            }
        }
        if (last == null) {
            // layouts only, and none had a message for this batch: committed in order, nothing sent
            last = new Pending(null, false);
            pending.add(last);
        }
        return last;
    }

    /** The device's own topics: a value per channel (unless state.layout = json), then the state. */
    private Pending publishOwn(Batch b) throws Failure {
        Topics.Device t = topicsOf(b);
        int qos = active.qos();
        boolean retain = active.retain();
        boolean json = active.jsonState();
        if (!json) {
            // channel.qos (0 as shipped): the state below, on the same connection, is acknowledged only after the
            // broker has read these, and the batch commits with it (a PUBACK each kept Paho busy enough that the
            // Home Assistant layout fell behind at 2000 readings/s: bench/kpm33b/README.md, eighteenth session)
            int channelQos = active.channelQos();
            for (int vi = 0; vi < b.size(); vi++) {
                byte[] payload = b.formatted(vi).getBytes(StandardCharsets.UTF_8);
                Delivery token = handOver(t.value(b.channel(vi)), payload, channelQos, retain);
                pending.add(new Pending(token, false));
            }
        }
        if (!b.timestamp().equals(lastTimestamp)) {
            // Meters polled together share a timestamp; Instant.toString is a tenth of a state message's cost.
            lastTimestamp = b.timestamp();
            lastTimestampText = lastTimestamp.toString();
        }
        byte[] state = json ? jsonState(b, lastTimestampText) : Payloads.state(b, lastTimestampText);
        Pending last = new Pending(handOver(t.state(), state, qos, retain), false);
        pending.add(last);
        return last;
    }

    /**
     * state.layout = json: the batch merged into the device's latest values (in send order), every channel in the
     * order the device lists them, so a value_template never meets a missing field; numbers survive a restart.
     */
    private byte[] jsonState(Batch b, String timestamp) {
        DeviceEntry e = devices.get(b.device());
        if (e == null) {
            return Payloads.state(b, timestamp);
        }
        Map<String, BigDecimal> numbers = lastValues.of(b.device());
        for (int vi = 0; vi < b.size(); vi++) {
            if (b.number(vi) != null) {
                numbers.put(b.channel(vi), b.number(vi));
                e.texts.remove(b.channel(vi));
            } else {
                e.texts.put(b.channel(vi), b.text(vi));
                numbers.remove(b.channel(vi));
            }
        }
        lastValues.changed();
        List<Batch.Value> all = new ArrayList<>(numbers.size() + e.texts.size());
        Set<String> done = new HashSet<>();
        for (Channel ch : e.info.channels()) {
            addLatest(all, ch.id(), numbers, e.texts);
            done.add(ch.id());
        }
        for (String ch : new java.util.TreeSet<>(numbers.keySet())) {
            if (!done.contains(ch)) {
                addLatest(all, ch, numbers, e.texts);
                done.add(ch);
            }
        }
        for (String ch : new java.util.TreeSet<>(e.texts.keySet())) {
            if (!done.contains(ch)) {
                addLatest(all, ch, numbers, e.texts);
            }
        }
        return Payloads.state(new Batch(b.driver(), b.device(), b.timestamp(), all), timestamp);
    }

    private static void addLatest(List<Batch.Value> out, String ch, Map<String, BigDecimal> numbers,
            Map<String, String> texts) {
        BigDecimal n = numbers.get(ch);
        if (n != null) {
            out.add(new Batch.Value(ch, n, null));
        } else if (texts.containsKey(ch)) {
            out.add(new Batch.Value(ch, null, texts.get(ch)));
        }
    }

    private boolean reap() throws IOException {
        boolean any = false;
        while (!pending.isEmpty()) {
            Pending p = pending.peek();
            if (p.token != null) {
                Failure f = p.token.failure();
                if (f != null) {
                    lost = f.getMessage();
                    return true;
                }
                if (!p.token.done()) {
                    break;
                }
                if (!p.uncounted) {
                    published.incrementAndGet();
                }
            }
            pending.poll();
            any = true;
            forward.acked(p.record, p.fromMemory);
            if (p.batch != null) {
                Batch b = p.batch;
                deliveredTotals.delivered(b, totalsOf(b.device()));
                sentTotals.acked(b);
            }
            if (p.onAck != null) {
                p.onAck.run();
            }
        }
        if (any) {
            deliveredTotals.write();
        }
        return any;
    }

    /**
     * Whether the next turn may wait a second: connected, nothing in flight, no birth or orphan check due, no marks
     * being read, and no work for a second (so the short turns since have written any held-back flush).
     */
    private boolean quiet(long now) {
        return connected && pending.isEmpty() && birthAt == 0 && orphansChecked && markReader == null
                && now - busyAt >= QUIET_NANOS;
    }

    /**
     * The safety net of {@link CoalescingOutputStream}: a flush it held back for a PUBLISH that Paho never wrote
     * (which the counting rules out) would otherwise wait for the next packet, at worst the keep-alive ping.
     */
    private void flushHeld() {
        MqttConnection c = client;
        if (c != null && c.flushHeld(HELD_FLUSH_NANOS)) {
            heldFlushes++;
        }
    }

    private void disconnect(MqttSettings s) {
        MqttConnection c = client;
        if (c != null && connected) {
            try {
                if (stopping) {
                    // a normal stop: each layout's status says offline, as its program would when it stops
                    for (DeviceEntry e : devices.values()) {
                        for (BoundLayout l : e.layouts) {
                            if (l.statusTopic() != null) {
                                c.send(l.statusTopic(), OFFLINE, 1, true);
                            }
                        }
                    }
                }
                Delivery d = c.send(new Topics(s).gatewayStatus(), OFFLINE, 1, true);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (!d.done() && d.failure() == null && System.nanoTime() - deadline < 0) {
                    Thread.sleep(5);
                }
                // waits up to a second for what is still in flight
                c.close();
            } catch (Failure e) {
                LOG.debug("Disconnecting from {}: {}", s.url(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropConnection();
    }

    private void shutdown() throws IOException {
        // Batches handed over just before the stop go to memory (then to disk, below) or to the disk buffer.
        stopping = true;
        while (processEvents()) {
            // drain
        }
        if (queue != null) {
            queue.flush();
        }
        if (connected) {
            // Give in-flight messages up to 2 s so they are not sent twice after the restart.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!pending.isEmpty() && System.nanoTime() - deadline < 0 && lost == null) {
                reap();
                if (!pending.isEmpty()) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            reap();
            // What is still unacknowledged goes to the disk buffer, sent after the next start (maybe twice).
            spill();
            disconnect(active);
        } else {
            closeClient(client);
            client = null;
        }
        store.save();
        lastTotals.save(true);
        lastValues.save(true);
        deliveredTotals.close();
        queue.close();
        status(State.STOPPED, "stopped");
        LOG.info("MQTT output stopped; {} batches stay buffered for the next start", queue.pending());
    }

    private void closeQuietly() {
        try {
            closeClient(client);
            if (queue != null) {
                spill();
                queue.close();
            }
            if (deliveredTotals != null) {
                deliveredTotals.close();
            }
        } catch (IOException e) {
            LOG.warn("Closing the MQTT buffer: {}", e.toString());
        }
        // the detail says why (a broken data folder, an interrupt)
        status(State.STOPPED, detail);
    }

    /** The connection's callbacks (its threads): only flags and a wake-up. */
    private final class Events implements MqttConnection.Listener {
        /** The connection these events are about; an old connection's loss must not end the new one. */
        volatile MqttConnection owner;
        private final String haStatus;
        private final java.time.Duration birthDelayMax;

        Events(String haStatus, java.time.Duration birthDelayMax) {
            this.haStatus = haStatus;
            this.birthDelayMax = birthDelayMax;
        }

        @Override
        public void lost(String why) {
            if (owner == client || client == null) {
                lost = why;
                signal.release();
            }
        }

        @Override
        public void message(String topic, byte[] payload) {
            MarkReader reader = markReader;
            if (reader != null && reader.offer(topic, payload)) {
                return;
            }
            if (topic.equals(haStatus) && "online".equals(new String(payload, StandardCharsets.UTF_8))) {
                haOnline(birthDelayMax);
            } else {
                LOG.trace("Unexpected message on {}", topic);
            }
        }

        @Override
        public void delivered() {
            // Only when the window is full; otherwise the publisher reaps on its next turn (see wakeOnAck).
            if (wakeOnAck) {
                signal.release();
            }
        }
    }
}
