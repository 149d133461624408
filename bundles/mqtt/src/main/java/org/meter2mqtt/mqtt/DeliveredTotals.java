package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import org.meter2mqtt.store.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The highest total (monotonic channel) of every device that the broker acknowledged, journaled to
 * {@code delivered-totals.log} in the loop turn that reaped the acknowledgement.
 *
 * <p>Why: the buffer is at least once. After a crash it sends again from its last saved acknowledgement (the cursor
 * is saved at most every {@code buffer.fsync.ms}), so a subscriber that already saw total 102 would then see 100 and
 * 101 again, and Home Assistant takes a lower total for a meter reset. {@code totals.json} (the accept-time check)
 * is saved only every 30 s, so it cannot tell. A queued value below the highest acknowledged one is a duplicate of a
 * delivered reading and is not sent again. Values equal to it pass (not lower), unless their batch is not newer than
 * the one that set it: that is the replay of the acknowledged batch itself. Only acknowledged values count: a
 * reading that was handed to the broker but never acknowledged (a relay that swallowed it) may never have arrived,
 * and must still be delivered after the restart. Messages that the broker delivered but whose acknowledgements the
 * output had not reaped when it was killed (after a burst, dozens) are covered by the floors read back from the
 * broker's retained marks ({@link SentTotals}, {@link #floor}). And on one connection no total goes below one
 * handed on it before ({@link #connected}): after a restart the buffer first sends the batches that had not gone out
 * before the crash, and readings taken since (queued behind them) may repeat older totals, which the accept-time
 * check cannot tell when its {@code totals.json} is older than those batches.
 *
 * <p>One line per raised total, {@code device TAB channel TAB value TAB meter time (epoch ms)}, appended (the page
 * cache survives a process crash; it is not fsynced per turn, so a power cut can lose the last lines, as it can lose
 * the buffer's own cursor). {@code - TAB device} forgets a device. Rewritten compactly when its last line is torn and
 * when it grows past {@link #COMPACT_BYTES}. A torn last line (killed mid-write) is skipped.
 */
final class DeliveredTotals implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveredTotals.class);
    static final long COMPACT_BYTES = 1 << 20;

    private final Path file;
    /** Per device and channel: the highest acknowledged total and the meter time of the batch that set it. */
    private final Map<String, Map<String, Delivered>> byDevice = new HashMap<>();
    private final Map<String, Map<String, BigDecimal>> floors = new HashMap<>();
    /**
     * Per device and total channel: the highest value handed to the broker on the current connection. The broker
     * passes one connection's messages on in order, so a lower one after it would be seen after it. Not across
     * connections: what a connection that broke had handed may never have arrived (a relay that swallowed it), and
     * must go again on the next one (the floors cover what the broker did pass on).
     */
    private final Map<String, Map<String, BigDecimal>> handed = new HashMap<>();
    private final StringBuilder unwritten = new StringBuilder();
    private FileChannel journal;
    private long journalBytes;

    DeliveredTotals(Path file) throws IOException {
        this.file = file;
        long size = 0;
        boolean torn = false;
        if (Files.exists(file)) {
            byte[] all = Files.readAllBytes(file);
            size = all.length;
            torn = size > 0 && all[all.length - 1] != '\n';
            for (String line : new String(all, StandardCharsets.UTF_8).split("\n")) {
                read(line);
            }
        }
        if (torn || size > COMPACT_BYTES) {
            // a torn last line must not run into the next one appended
            compact();
        } else {
            // no rewrite (and no fsync) at every start: the output must be taking batches within moments
            Files.createDirectories(file.getParent());
            journal = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            journalBytes = size;
        }
    }

    private void read(String line) {
        String[] f = line.split("\t", -1);
        if (f.length == 2 && f[0].equals("-")) {
            byDevice.remove(f[1]);
            return;
        }
        if (f.length != 3 && f.length != 4) {
            return;
        }
        try {
            // a line of an older journal has no time: its total then keeps the rule "only lower ones are left out"
            raise(f[0], f[1], new BigDecimal(f[2]), f.length == 4 ? Long.parseLong(f[3]) : Delivered.NO_TIME);
        } catch (NumberFormatException e) {
            LOG.debug("{}: skipping the torn line '{}'", file, line);
        }
    }

    private void raise(String device, String channel, BigDecimal value, long at) {
        Map<String, Delivered> m = byDevice.computeIfAbsent(device, k -> new HashMap<>());
        Delivered old = m.get(channel);
        if (old == null || old.total.compareTo(value) < 0) {
            m.put(channel, new Delivered(value, at));
        }
    }

    /** The highest total delivered for this channel, or null. */
    BigDecimal get(String device, String channel) {
        Map<String, Delivered> m = byDevice.get(device);
        Delivered d = m == null ? null : m.get(channel);
        return d == null ? null : d.total;
    }

    /**
     * A total that subscribers may have seen although its acknowledgement never reached the output (read back from
     * the broker, see {@link SentTotals}): replayed totals below it are left out too. Kept in memory only: the
     * broker keeps the mark until a higher one replaces it.
     */
    void floor(String device, String channel, BigDecimal value) {
        floors.computeIfAbsent(device, k -> new HashMap<>()).merge(channel, value, BigDecimal::max);
    }

    /** What a replayed total must not fall below: the highest delivered or seen, or null. */
    private BigDecimal bound(String device, String channel) {
        BigDecimal d = get(device, channel);
        Map<String, BigDecimal> f = floors.get(device);
        BigDecimal seen = f == null ? null : f.get(channel);
        return d == null ? seen : seen == null ? d : d.max(seen);
    }

    /** True when a total was delivered or seen for this channel (so it was monotonic then). */
    boolean known(String device, String channel) {
        return bound(device, channel) != null;
    }

    /**
     * The batch without the totals below the highest delivered, seen or (on this connection) handed one (null when
     * nothing is left). The caller hands what is left to the broker: its totals become this connection's bound.
     *
     * @param monotonic which of the batch's numeric channels are totals
     * @param dropped counts and reports each value left out
     */
    Batch admit(Batch b, Predicate<String> monotonic, BiConsumer<String, BigDecimal> dropped) {
        Map<String, Delivered> delivered = byDevice.get(b.device());
        Map<String, BigDecimal> seen = floors.get(b.device());
        Map<String, BigDecimal> sent = handed.get(b.device());
        long batchTime = b.timestamp().toEpochMilli();
        boolean[] drop = null;
        for (int i = 0; i < b.size(); i++) {
            BigDecimal n = b.number(i);
            if (n == null) {
                continue;
            }
            String ch = b.channel(i);
            Delivered d = delivered == null ? null : delivered.get(ch);
            BigDecimal bound = max(max(d == null ? null : d.total, seen == null ? null : seen.get(ch)),
                    sent == null ? null : sent.get(ch));
            // the predicate only where it decides something: it is a lookup
            if (bound != null && n.compareTo(bound) < 0 || d != null && d.replayedBy(n, batchTime)) {
                if (monotonic.test(ch)) {
                    if (drop == null) {
                        drop = new boolean[b.size()];
                    }
                    drop[i] = true;
                    dropped.accept(ch, n);
                }
            } else if ((bound == null || n.compareTo(bound) > 0) && monotonic.test(ch)) {
                // a new highest on this connection (an equal one changes nothing)
                if (sent == null) {
                    sent = handed.computeIfAbsent(b.device(), k -> new HashMap<>());
                }
                sent.put(ch, n);
            }
        }
        return drop == null ? b : b.without(drop);
    }

    private static BigDecimal max(BigDecimal a, BigDecimal b) {
        return a == null ? b : b == null || a.compareTo(b) >= 0 ? a : b;
    }

    /** A new connection: nothing is handed on it yet. */
    void connected() {
        handed.clear();
    }

    /** A highest acknowledged total and the meter time (epoch ms) of the batch that set it, or {@link #NO_TIME}. */
    private record Delivered(BigDecimal total, long at) {

        /** A line of an older journal: its total keeps the rule "only lower ones are left out". */
        static final long NO_TIME = Long.MIN_VALUE;

        /**
         * The delivered total itself, again, from a batch not newer than the one that set it: the replay of an
         * acknowledged batch. Subscribers may since have seen a higher total whose acknowledgement was lost in the
         * crash (one batch in flight leaves no mark, see {@link SentTotals}), so it is left out too. A later reading
         * with the same total (an idle meter) is newer and passes.
         */
        boolean replayedBy(BigDecimal n, long batchTime) {
            return at != NO_TIME && batchTime <= at && n.compareTo(total) == 0;
        }
    }

    /** The broker acknowledged this batch: its totals raise the reference; call {@link #write()} after. */
    void delivered(Batch b, Predicate<String> monotonic) {
        Map<String, Delivered> m = null;
        for (int vi = 0; vi < b.size(); vi++) {
            if (b.number(vi) == null) {
                continue;
            }
            if (m == null) {
                m = byDevice.get(b.device());
            }
            Delivered old = m == null ? null : m.get(b.channel(vi));
            // a value not above the last one raises nothing (and needs no lookup of whether it is a total)
            if (old != null && old.total.compareTo(b.number(vi)) >= 0 || !monotonic.test(b.channel(vi))) {
                continue;
            }
            if (m == null) {
                m = byDevice.computeIfAbsent(b.device(), k -> new HashMap<>());
            }
            long at = b.timestamp().toEpochMilli();
            m.put(b.channel(vi), new Delivered(b.number(vi), at));
            unwritten.append(b.device()).append('\t').append(b.channel(vi)).append('\t')
                    .append(b.number(vi).toPlainString()).append('\t').append(at).append('\n');
        }
    }

    /** The device was removed: a device added again under its id starts afresh. */
    void forget(String device) {
        floors.remove(device);
        handed.remove(device);
        if (byDevice.remove(device) != null) {
            unwritten.append("-\t").append(device).append('\n');
        }
    }

    /** Appends what {@link #delivered} raised since the last call; compacts when the journal grew large. */
    void write() throws IOException {
        if (unwritten.length() == 0) {
            return;
        }
        byte[] bytes = unwritten.toString().getBytes(StandardCharsets.UTF_8);
        unwritten.setLength(0);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            journal.write(buf);
        }
        journalBytes += bytes.length;
        if (journalBytes > COMPACT_BYTES) {
            compact();
        }
    }

    /** One line per channel, written atomically; the journal then goes on from there. */
    private void compact() throws IOException {
        if (journal != null) {
            journal.close();
        }
        StringBuilder all = new StringBuilder();
        new TreeMap<>(byDevice).forEach((d, m) -> new TreeMap<>(m).forEach((c, v) -> {
            all.append(d).append('\t').append(c).append('\t').append(v.total.toPlainString());
            if (v.at != Delivered.NO_TIME) {
                all.append('\t').append(v.at);
            }
            all.append('\n');
        }));
        byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, bytes);
        journal = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        journalBytes = bytes.length;
    }

    @Override
    public void close() throws IOException {
        write();
        if (journal != null) {
            journal.close();
            journal = null;
        }
    }
}
