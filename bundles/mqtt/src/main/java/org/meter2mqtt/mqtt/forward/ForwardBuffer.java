package org.meter2mqtt.mqtt.forward;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.meter2mqtt.api.util.RateLimitedLog;
import org.meter2mqtt.mqtt.Batch;
import org.meter2mqtt.store.SegmentQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store and forward for the MQTT output: every batch is on disk ({@link SegmentQueue}) before it is sent, and it is
 * sent one of two ways, never mixed so that they stay in order:
 * <ul>
 * <li><b>direct</b> (connected, and the disk has handed out every record): appended and taken at once
 * ({@link SegmentQueue#appendTaken}), sent from memory, committed on acknowledgement; the disk is written, never read
 * back. At most the in-flight window (plus the rest of one batch) is kept in memory this way;</li>
 * <li><b>from disk</b> (not connected, older records waiting, window full): appended, read back by
 * {@link #take}, committed on acknowledgement.</li>
 * </ul>
 * Memory before disk in {@link #take}: a batch is kept in memory only when the disk had handed out everything, so it
 * is older than any record still to be read. {@link #spill} gives the memory up (connection lost, stop): the
 * records are on disk and are read again after the next rewind. Not thread-safe: the publisher thread owns it.
 */
public final class ForwardBuffer {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardBuffer.class);
    private static final RateLimitedLog RATE_LIMITED = new RateLimitedLog(LOG, Duration.ofMinutes(1));

    /** A batch to send (null: nothing to send, only the record to commit in order), its record, and its path. */
    public static final class Outbound {
        public Batch batch;
        public final SegmentQueue.Record record;
        public final boolean fromMemory;

        Outbound(Batch batch, SegmentQueue.Record record, boolean fromMemory) {
            this.batch = batch;
            this.record = record;
            this.fromMemory = fromMemory;
        }
    }

    /** A batch of the direct path, and its record on disk (null when the disk refused it: counted, logged). */
    private record MemoryBatch(Batch batch, SegmentQueue.Record record) {
    }

    private final SegmentQueue queue;
    private final Object where;
    private final ArrayDeque<MemoryBatch> unsent = new ArrayDeque<>();
    private final ArrayDeque<MemoryBatch> inflight = new ArrayDeque<>();
    /** Names of the records read back, shared between batches (see {@link Batch#decode(byte[], Batch.Names)}). */
    private final Batch.Names names = new Batch.Names();
    private int memoryMessages;
    private long errors;
    private long spilled;

    /** Every batch is encoded into this one array before it is written (add runs on the publisher's thread). */
    private final Batch.Encoder encoder = new Batch.Encoder();

    /** @param where the buffer's folder, named in log lines */
    public ForwardBuffer(SegmentQueue queue, Object where) {
        this.queue = queue;
        this.where = where;
    }

    public SegmentQueue queue() {
        return queue;
    }

    /** The MQTT messages of a batch on the device's own topics: a value per channel and the state. */
    public static int messageCount(Batch b) {
        return b.size() + 1;
    }

    /**
     * Takes a batch: direct while connected, nothing older waits on disk and it fits the window (or the output is
     * stopping: it goes to disk at the spill anyway); else to disk.
     *
     * @return true when it took the direct path
     */
    public boolean add(Batch b, boolean connected, boolean stopping, int window) {
        int n = messageCount(b);
        if (connected && queue.caughtUp() && (stopping || memoryMessages == 0 || memoryMessages + n <= window)) {
            unsent.add(new MemoryBatch(b, appendTaken(b)));
            memoryMessages += n;
            return true;
        }
        append(b);
        return false;
    }

    private SegmentQueue.Record appendTaken(Batch b) {
        try {
            int length = b.encode(encoder);
            SegmentQueue.Record r = queue.appendTaken(encoder.array(), length);
            if (r == null) {
                errors++;
                RATE_LIMITED.warn("too large " + b.device(), "Device {}: batch of {} values is larger than a buffer "
                        + "segment; sent, but not kept on disk", b.device(), b.size());
            }
            return r;
        } catch (IOException ex) {
            errors++;
            RATE_LIMITED.error("disk", "Cannot write the MQTT buffer under {} ({}); {} batches not kept on disk so far "
                    + "(sent from memory; a crash now loses them). Free disk space", where, ex.getMessage(), errors);
            return null;
        }
    }

    /** Appends to the disk; false when the batch was lost (counted and logged). */
    private boolean append(Batch b) {
        try {
            int length = b.encode(encoder);
            if (queue.append(encoder.array(), length)) {
                return true;
            }
            errors++;
            RATE_LIMITED.warn("too large " + b.device(), "Device {}: batch of {} values is larger than a buffer "
                    + "segment; dropped", b.device(), b.size());
        } catch (IOException ex) {
            errors++;
            RATE_LIMITED.error("disk", "Cannot write the MQTT buffer under {} ({}); {} batches lost so far. Free disk "
                    + "space", where, ex.getMessage(), errors);
        }
        return false;
    }

    /**
     * What to send next, memory first, while the planned messages stay below {@code room} and {@code mayTake}
     * says yes. Memory batches count as in flight from here on. Expired and damaged records come back with a null
     * batch: to be committed in order, not sent.
     */
    public List<Outbound> take(int room, BooleanSupplier mayTake) throws IOException {
        List<Outbound> out = new ArrayList<>();
        int planned = 0;
        while (planned < room && mayTake.getAsBoolean()) {
            MemoryBatch m = unsent.poll();
            if (m == null) {
                break;
            }
            // in flight before the first publish: if that throws, the batch is given up with the others
            inflight.add(m);
            out.add(new Outbound(m.batch(), m.record(), true));
            planned += messageCount(m.batch());
        }
        while (planned < room && mayTake.getAsBoolean()) {
            SegmentQueue.Record r = queue.next();
            if (r == null) {
                break;
            }
            if (r.expired()) {
                out.add(new Outbound(null, r, false));
                continue;
            }
            Batch b;
            try {
                b = Batch.decode(r.payload(), names);
            } catch (IOException e) {
                errors++;
                LOG.warn("Skipping a damaged record in the MQTT buffer: {}", e.getMessage());
                out.add(new Outbound(null, r, false));
                continue;
            }
            out.add(new Outbound(b, r, false));
            planned += messageCount(b);
        }
        return out;
    }

    /** The broker acknowledged the last message of what {@link #take} gave out, in the order it gave them. */
    public void acked(SegmentQueue.Record record, boolean fromMemory) throws IOException {
        if (record != null) {
            queue.commit(record);
        }
        if (fromMemory) {
            memoryMessages -= messageCount(inflight.poll().batch());
        }
    }

    /**
     * Gives up the batches kept in memory: their records are on disk and are read again from the first
     * unacknowledged one after the next rewind. A batch the disk refused is appended once more (best effort: behind
     * newer ones). The caller forgets which of its sent messages came from memory.
     *
     * @return how many batches were given up
     */
    public int spill() {
        if (memoryMessages == 0 && inflight.isEmpty() && unsent.isEmpty()) {
            return 0;
        }
        for (MemoryBatch m : inflight) {
            if (m.record() == null) {
                append(m.batch());
            }
        }
        for (MemoryBatch m : unsent) {
            if (m.record() == null) {
                append(m.batch());
            }
        }
        int n = inflight.size() + unsent.size();
        LOG.debug("{} in-memory batches left to the MQTT buffer", n);
        spilled += n;
        inflight.clear();
        unsent.clear();
        memoryMessages = 0;
        return n;
    }

    /** Messages of the batches kept in memory, sent or not. */
    public int memoryMessages() {
        return memoryMessages;
    }

    /** Batches the disk refused or could not read back. */
    public long errors() {
        return errors;
    }

    /** Batches moved from memory to the disk path. */
    public long spilled() {
        return spilled;
    }
}
