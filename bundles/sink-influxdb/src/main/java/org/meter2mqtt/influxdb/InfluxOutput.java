package org.meter2mqtt.influxdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.util.Backoff;
import org.meter2mqtt.api.util.RateLimitedLog;
import org.meter2mqtt.store.SegmentQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The InfluxDB output without OSGi: readings become line protocol on the caller's thread and are handed to one
 * writer thread, which gathers them into batches (at most {@code batch.size} points or {@code batch.time}
 * old), appends every batch to the shared on-disk {@link SegmentQueue} and posts the queue's head to InfluxDB.
 * A batch leaves the queue only when InfluxDB took it (2xx) or refused its lines for good (400: logged once,
 * counted as rejected); 5xx, 429 and network errors keep it and retry with exponential backoff, so an outage
 * loses nothing below the buffer bound. Resending a batch is harmless: a point with the same series and time
 * overwrites itself.
 */
public final class InfluxOutput implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InfluxOutput.class);
    /** Recurring lines (an InfluxDB away for hours, a driver sending fractions for a count) once a minute. */
    private static final RateLimitedLog RLOG = new RateLimitedLog(LOG, Duration.ofMinutes(1));
    private static final Pattern DROPPED = Pattern.compile("dropped=(\\d+)");

    public enum State {
        /** No url configured: readings are ignored. */
        OFF,
        /** The last write succeeded (or none was needed yet). */
        WRITING,
        /** InfluxDB is unreachable or busy; batches wait on disk and are retried with backoff. */
        RETRYING,
        /** InfluxDB refuses us (401, 403, 404 database not found); batches wait on disk, retried slowly. */
        REFUSED,
        /** The configuration cannot be used; {@link #detail()} says why. Batches wait on disk. */
        CONFIG_ERROR,
        STOPPED
    }

    private static final class Chunk {
        final String lines;
        final int points;

        Chunk(String lines, int points) {
            this.lines = lines;
            this.points = points;
        }
    }

    private static final Chunk WAKE = new Chunk("", 0);

    private final Path bufferDir;
    private final FloatFields floatFields;
    private final Clock clock;
    private final LinkedBlockingQueue<Chunk> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong inboxPoints = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong droppedPoints = new AtomicLong();
    private final AtomicLong refusedValues = new AtomicLong();

    private volatile InfluxSettings settings;
    private volatile Schema schema;
    private volatile State state = State.STOPPED;
    private volatile String detail = "";
    private volatile long buffered;
    private volatile long droppedBatches;
    private volatile Worker worker;

    public InfluxOutput(Path bufferDir, Clock clock) {
        this.bufferDir = bufferDir;
        this.clock = clock;
        // next to the buffer's folder, not in it: the queue owns its folder's files
        this.floatFields = new FloatFields(bufferDir.resolveSibling(bufferDir.getFileName() + "-float-fields.txt"));
    }

    /** Starts, or restarts with new settings; the on-disk buffer carries over. */
    public synchronized void configure(InfluxSettings newSettings) {
        stopWorker();
        settings = newSettings;
        if (!newSettings.enabled()) {
            schema = null;
            setState(State.OFF, "no url set in etc/org.meter2mqtt.influxdb.cfg");
            inbox.clear();
            inboxPoints.set(0);
            return;
        }
        String problem = newSettings.problem();
        schema = problem == null ? new Schema(newSettings.schema(), newSettings.measurement(),
                newSettings.gatewayId(), this::refused, floatFields) : new Schema(Schema.DEFAULT, "",
                newSettings.gatewayId(), this::refused, floatFields);
        InfluxClient client = null;
        if (problem == null) {
            try {
                client = new InfluxClient(newSettings);
            } catch (IOException | java.security.GeneralSecurityException e) {
                problem = "tls.ca.file " + newSettings.tlsCaFile() + ": " + e.getMessage();
            }
        }
        if (problem != null) {
            LOG.error("InfluxDB output: {} (etc/org.meter2mqtt.influxdb.cfg); readings are buffered on disk until "
                    + "it is fixed", problem);
            setState(State.CONFIG_ERROR, problem);
        } else {
            LOG.info("InfluxDB output writes to {} ({})", newSettings.target(), newSettings.api());
            setState(State.WRITING, newSettings.target());
        }
        Worker w = new Worker(newSettings, client);
        worker = w;
        w.thread.start();
    }

    /** Stops the writer thread; what it had not yet written is on disk and goes first after the next start. */
    @Override
    public synchronized void close() {
        stopWorker();
        setState(State.STOPPED, "stopped");
    }

    private void stopWorker() {
        Worker w = worker;
        worker = null;
        if (w != null) {
            w.stop();
        }
    }

    private void setState(State s, String d) {
        detail = d; // before the state, so a reader never sees a new state with the old detail
        state = s;
    }

    /** Called from device threads; never blocks on I/O. */
    public void readings(DeviceInfo device, List<Reading> batch) {
        Schema s = schema;
        if (s == null || batch.isEmpty()) {
            return;
        }
        StringBuilder out = new StringBuilder(64 * batch.size());
        int points;
        try {
            points = s.write(device, batch, clock::instant, out);
        } catch (RuntimeException e) {
            LOG.warn("InfluxDB output: cannot write readings of {}: {}", device.id(), e.toString());
            return;
        }
        if (points == 0) {
            return;
        }
        InfluxSettings cfg = settings;
        // the writer drains this in microseconds; it only grows when the disk refuses writes
        long limit = Math.max(100_000L, 20L * cfg.batchSize());
        if (inboxPoints.get() + points > limit) {
            droppedPoints.addAndGet(points);
            return;
        }
        inboxPoints.addAndGet(points);
        inbox.add(new Chunk(out.toString(), points));
    }

    private void refused(String why) {
        refusedValues.incrementAndGet();
        RLOG.warn("refused-value", "InfluxDB output: {}", why);
    }

    /** Values left out of their point before sending (a fraction for an integer channel). */
    public long refusedValues() {
        return refusedValues.get();
    }

    public State state() {
        return state;
    }

    public String detail() {
        return detail;
    }

    public boolean healthy() {
        return state == State.WRITING;
    }

    /** Points InfluxDB accepted. */
    public long written() {
        return written.get();
    }

    /** Batches InfluxDB accepted. */
    public long batches() {
        return batches.get();
    }

    /** Points InfluxDB refused for good (400). */
    public long rejected() {
        return rejected.get();
    }

    /** Failed attempts (network, 5xx, 429, 401/403/404). */
    public long retries() {
        return retries.get();
    }

    /** Batches waiting on disk, plus one for points still being gathered. */
    public long buffered() {
        return buffered;
    }

    /** Batches dropped by the buffer's size or age bound. */
    public long droppedBatches() {
        return droppedBatches;
    }

    /** Points dropped before reaching the disk (the disk refused writes). */
    public long droppedPoints() {
        return droppedPoints.get();
    }

    public String summary() {
        InfluxSettings s = settings;
        return state + " " + detail + " (written " + written() + " points in " + batches() + " batches, rejected "
                + rejected() + ", buffered " + buffered() + " batches, dropped " + droppedBatches() + " batches + "
                + droppedPoints() + " points, retries " + retries()
                + (refusedValues() == 0 ? "" : ", values left out " + refusedValues())
                + (s == null ? "" : ", schema " + s.schema())
                + ")";
    }

    private final class Worker implements Runnable {
        final InfluxSettings cfg;
        final InfluxClient client;
        final Thread thread;
        volatile boolean running = true;
        SegmentQueue queue;
        StringBuilder batch = new StringBuilder();
        int batchPoints;
        long batchStarted;
        long nextAttempt;
        final Backoff backoff;

        Worker(InfluxSettings cfg, InfluxClient client) {
            this.cfg = cfg;
            this.client = client;
            this.backoff = new Backoff(cfg.retryInitial(), cfg.retryMax().compareTo(cfg.retryInitial()) < 0
                    ? cfg.retryInitial() : cfg.retryMax());
            this.nextAttempt = System.nanoTime(); // nanoTime may be negative: 0 would not mean "now"
            this.thread = new Thread(this, "meter2mqtt-influxdb");
            thread.setDaemon(true);
        }

        void stop() {
            running = false;
            // no interrupt: it would close the queue's FileChannels (ClosedByInterruptException); a wake-up
            // chunk ends the wait, and a write under way ends within timeout.seconds
            inbox.add(WAKE);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            try {
                queue = new SegmentQueue("InfluxDB buffer", "InfluxDB server", bufferDir, cfg.bufferMaxBytes(), cfg.bufferMaxAge(), cfg.fsyncInterval(),
                        clock::millis);
            } catch (IOException e) {
                LOG.error("InfluxDB output: cannot open its buffer {}: {}", bufferDir, e.toString());
                setState(State.CONFIG_ERROR, "buffer folder " + bufferDir + ": " + e.getMessage());
                return;
            }
            try {
                loop();
            } finally {
                try {
                    drainInbox();
                    seal();
                    queue.close();
                } catch (IOException e) {
                    LOG.warn("InfluxDB output: closing its buffer: {}", e.toString());
                }
            }
        }

        private void loop() {
            boolean more = true;
            while (running) {
                try {
                    long now = System.nanoTime();
                    long wait;
                    if (more && client != null && now - nextAttempt >= 0) {
                        wait = 0;
                    } else {
                        wait = TimeUnit.SECONDS.toNanos(1);
                        if (client != null && queue.pending() > 0) {
                            wait = Math.min(wait, Math.max(0, nextAttempt - now));
                        }
                    }
                    if (batchPoints > 0) {
                        wait = Math.min(wait, Math.max(0, batchStarted + cfg.batchTime().toNanos() - now));
                    }
                    Chunk c = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
                    if (c != null) {
                        add(c);
                        drainInbox();
                    }
                    if (batchPoints > 0 && System.nanoTime() - batchStarted >= cfg.batchTime().toNanos()) {
                        seal();
                    }
                    more = false;
                    if (client != null && System.nanoTime() - nextAttempt >= 0) {
                        more = sendOne();
                    }
                    buffered = queue.pending() + (batchPoints > 0 ? 1 : 0);
                    droppedBatches = queue.dropped();
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    LOG.warn("InfluxDB output: buffer error: {}", e.toString());
                    pause();
                }
            }
        }

        private void drainInbox() throws IOException {
            Chunk c;
            while ((c = inbox.poll()) != null) {
                add(c);
            }
        }

        private void add(Chunk c) throws IOException {
            if (c == WAKE) {
                return;
            }
            inboxPoints.addAndGet(-c.points);
            if (batchPoints == 0) {
                batchStarted = System.nanoTime();
            }
            batch.append(c.lines);
            batchPoints += c.points;
            if (batchPoints >= cfg.batchSize()) {
                seal();
            }
        }

        /** Moves the batch being gathered into the on-disk queue. */
        private void seal() throws IOException {
            if (batchPoints == 0) {
                return;
            }
            byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
            int points = batchPoints;
            batch.setLength(0);
            batchPoints = 0;
            try {
                append(bytes, 0, bytes.length);
                queue.flush();
            } catch (IOException e) {
                droppedPoints.addAndGet(points);
                LOG.warn("InfluxDB output: cannot write its buffer ({}); {} points dropped", e.toString(), points);
            }
        }

        /**
         * Appends {@code bytes[from, to)}, whole lines; a batch too large for one buffer segment (a small
         * {@code buffer.max.mb}) is split at a line boundary into smaller batches rather than lost.
         */
        private void append(byte[] bytes, int from, int to) throws IOException {
            byte[] part = from == 0 && to == bytes.length ? bytes : java.util.Arrays.copyOfRange(bytes, from, to);
            if (queue.append(part)) {
                return;
            }
            int mid = from + (to - from) / 2;
            while (mid < to && (mid == from || bytes[mid - 1] != '\n')) {
                mid++;
            }
            if (mid >= to) {
                // one line larger than a segment: nothing to split
                int points = count(part);
                droppedPoints.addAndGet(points);
                LOG.warn("InfluxDB output: a point of {} bytes is larger than a buffer segment (raise buffer.max.mb);"
                        + " dropped", to - from);
                return;
            }
            append(bytes, from, mid);
            append(bytes, mid, to);
        }

        /** Posts the head of the queue; true when another attempt may follow at once. */
        private boolean sendOne() throws IOException, InterruptedException {
            SegmentQueue.Record r = queue.next();
            if (r == null) {
                return false;
            }
            if (r.expired()) {
                queue.commit(r);
                return true;
            }
            InfluxClient.Response resp;
            try {
                resp = client.write(floatFields.rewrite(r.payload()));
            } catch (IOException e) {
                fail("cannot reach " + cfg.url() + ": " + describe(e), null, State.RETRYING);
                return false;
            }
            int points = count(r.payload());
            if (resp.ok()) {
                queue.commit(r);
                queue.flush();
                written.addAndGet(points);
                batches.incrementAndGet();
                if (state != State.WRITING) {
                    LOG.info("InfluxDB output writes to {} again", cfg.target());
                    for (State st : State.values()) {
                        RLOG.forget("write-" + st); // the next trouble is news again
                    }
                    setState(State.WRITING, cfg.target());
                }
                backoff.reset();
                return true;
            }
            if (cfg.api() == InfluxSettings.Api.V1 && InfluxClient.databaseNotFound(resp)) {
                return missingDatabase();
            }
            if (resp.retryable()) {
                fail("InfluxDB answered " + resp.status() + ": " + shorten(resp.body()), resp.retryAfter(),
                        State.RETRYING);
                return false;
            }
            if (resp.status() == 401 || resp.status() == 403 || resp.status() == 404) {
                // Fixable on the server side (credentials, database): keep the points, retry at the slowest pace.
                failAfter(cfg.retryMax(), "InfluxDB refused the write with " + resp.status() + ": " + shorten(resp.body())
                        + (resp.status() == 404 ? " (does the database/bucket exist?)" : " (check the credentials)"),
                        State.REFUSED);
                return false;
            }
            if (floatFields.learn(resp.body())) {
                // an earlier gateway wrote these fields as floats: keep their type, send the batch again as floats
                LOG.warn("InfluxDB output: InfluxDB holds fields as floats that are now integer channels ({}); they "
                        + "stay floats", shorten(resp.body()));
                try {
                    resp = client.write(floatFields.rewrite(r.payload()));
                } catch (IOException e) {
                    fail("cannot reach " + cfg.url() + ": " + describe(e), null, State.RETRYING);
                    return false; // the batch stays; the next attempt is rewritten from the start
                }
                if (resp.retryable()) {
                    fail("InfluxDB answered " + resp.status() + ": " + shorten(resp.body()), resp.retryAfter(),
                            State.RETRYING);
                    return false;
                }
                if (resp.ok()) {
                    queue.commit(r);
                    queue.flush();
                    written.addAndGet(points);
                    batches.incrementAndGet();
                    return true;
                }
            }
            // 400 and other client errors: the lines themselves are bad; retrying cannot help.
            long bad = points;
            Matcher m = DROPPED.matcher(resp.body());
            if (m.find()) {
                bad = Math.min(points, Long.parseLong(m.group(1)));
            }
            rejected.addAndGet(bad);
            written.addAndGet(points - bad);
            RLOG.warn("rejected", "InfluxDB output: {} of {} points of a batch refused ({}): {}", bad, points,
                    resp.status(), shorten(resp.body()));
            queue.commit(r);
            queue.flush();
            batches.incrementAndGet();
            return true;
        }

        /**
         * InfluxDB 1.x says the database does not exist: create it when {@code db.create} allows (then send again at
         * once), else CONFIG_ERROR naming the database. The points stay on disk either way, so creating the
         * database by hand later delivers them.
         */
        private boolean missingDatabase() throws InterruptedException {
            String refusal;
            if (!cfg.dbCreate()) {
                refusal = "database '" + cfg.db() + "' does not exist on " + cfg.url() + ": create it (CREATE "
                        + "DATABASE \"" + cfg.db() + "\") or set db.create = true; readings wait on disk";
            } else {
                try {
                    String failure = client.createDatabase();
                    if (failure == null) {
                        LOG.info("InfluxDB output: created database '{}' on {} (db.create = true)", cfg.db(),
                                cfg.url());
                        queue.rewind(); // the same batch goes again at once
                        return true;
                    }
                    refusal = "database '" + cfg.db() + "' does not exist on " + cfg.url() + " and creating it "
                            + "failed (" + shorten(failure) + "): create it as an admin or give the user admin "
                            + "rights; readings wait on disk";
                } catch (IOException e) {
                    fail("cannot reach " + cfg.url() + ": " + describe(e), null, State.RETRYING);
                    return false;
                }
            }
            failAfter(cfg.retryMax(), refusal, State.CONFIG_ERROR);
            return false;
        }

        private void fail(String why, Duration retryAfter, State s) {
            Duration next = backoff.fail();
            failAfter(retryAfter != null ? retryAfter : next, why, s);
        }

        private void failAfter(Duration wait, String why, State s) {
            retries.incrementAndGet();
            queue.rewind();
            nextAttempt = System.nanoTime() + wait.toNanos();
            if (state != s || !why.equals(detail)) {
                RLOG.warn("write-" + s, "InfluxDB output: {}; {} batches kept on disk, next attempt in {} ms", why,
                        queue.pending(), wait.toMillis());
            }
            setState(s, why);
        }

        private void pause() {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private static int count(byte[] lines) {
        int n = 0;
        for (byte b : lines) {
            if (b == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }

    private static String shorten(String s) {
        String one = s == null ? "" : s.replace('\n', ' ').trim();
        return one.length() > 300 ? one.substring(0, 300) + "..." : one;
    }
}
