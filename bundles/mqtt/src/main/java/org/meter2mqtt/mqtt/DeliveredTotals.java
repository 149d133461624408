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
 * broker's retained marks ({@link SentTotals}, {@link #floor}).
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
    private final Map<String, Map<String, BigDecimal>> byDevice = new HashMap<>();
    /** The meter time (epoch ms) of the acknowledged batch that set each highest total, where known. */
    private final Map<String, Map<String, Long>> setAt = new HashMap<>();
    private final Map<String, Map<String, BigDecimal>> floors = new HashMap<>();
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
            setAt.remove(f[1]);
            return;
        }
        if (f.length != 3 && f.length != 4) {
            return;
        }
        try {
            // a line of an older journal has no time: its total then keeps the rule "only lower ones are left out"
            raise(f[0], f[1], new BigDecimal(f[2]), f.length == 4 ? Long.valueOf(f[3]) : null);
        } catch (NumberFormatException e) {
            LOG.debug("{}: skipping the torn line '{}'", file, line);
        }
    }

    private boolean raise(String device, String channel, BigDecimal value, Long at) {
        Map<String, BigDecimal> m = byDevice.computeIfAbsent(device, k -> new HashMap<>());
        BigDecimal old = m.get(channel);
        if (old != null && old.compareTo(value) >= 0) {
            return false;
        }
        m.put(channel, value);
        if (at != null) {
            setAt.computeIfAbsent(device, k -> new HashMap<>()).put(channel, at);
        } else {
            Map<String, Long> t = setAt.get(device);
            if (t != null) {
                t.remove(channel);
            }
        }
        return true;
    }

    /** The highest total delivered for this channel, or null. */
    BigDecimal get(String device, String channel) {
        Map<String, BigDecimal> m = byDevice.get(device);
        return m == null ? null : m.get(channel);
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
     * The batch without the totals below the highest delivered one (null when nothing is left).
     *
     * @param monotonic which of the batch's numeric channels are totals
     * @param dropped counts and reports each value left out
     */
    Batch admit(Batch b, Predicate<String> monotonic, BiConsumer<String, BigDecimal> dropped) {
        Map<String, BigDecimal> delivered = byDevice.get(b.device());
        Map<String, BigDecimal> seen = floors.get(b.device());
        if (delivered == null && seen == null) {
            return b;
        }
        Map<String, Long> times = setAt.get(b.device());
        long batchTime = b.timestamp().toEpochMilli();
        boolean[] drop = null;
        for (int i = 0; i < b.size(); i++) {
            BigDecimal n = b.number(i);
            if (n == null) {
                continue;
            }
            String ch = b.channel(i);
            BigDecimal d = delivered == null ? null : delivered.get(ch);
            BigDecimal f = seen == null ? null : seen.get(ch);
            BigDecimal bound = d == null ? f : f == null ? d : d.max(f);
            // the predicate last: it is a lookup, and only a value below a bound needs it
            if (bound != null && (n.compareTo(bound) < 0 || equalAndNotNewer(n, d, times, ch, batchTime))
                    && monotonic.test(ch)) {
                if (drop == null) {
                    drop = new boolean[b.size()];
                }
                drop[i] = true;
                dropped.accept(ch, n);
            }
        }
        return drop == null ? b : b.without(drop);
    }

    /**
     * The delivered total itself, again, from a batch not newer than the one that set it: the replay of an
     * acknowledged batch. Subscribers may since have seen a higher total whose acknowledgement was lost in the crash
     * (one batch in flight leaves no mark, see {@link SentTotals}), so it is left out too. A later reading with the
     * same total (an idle meter) is newer and passes.
     */
    private static boolean equalAndNotNewer(BigDecimal n, BigDecimal delivered, Map<String, Long> times, String ch,
            long batchTime) {
        if (delivered == null || times == null || n.compareTo(delivered) != 0) {
            return false;
        }
        Long at = times.get(ch);
        return at != null && batchTime <= at;
    }

    /** The broker acknowledged this batch: its totals raise the reference; call {@link #write()} after. */
    void delivered(Batch b, Predicate<String> monotonic) {
        Map<String, BigDecimal> m = null;
        for (int vi = 0; vi < b.size(); vi++) {
            if (b.number(vi) == null) {
                continue;
            }
            if (m == null) {
                m = byDevice.get(b.device());
            }
            BigDecimal old = m == null ? null : m.get(b.channel(vi));
            // a value not above the last one raises nothing (and needs no lookup of whether it is a total)
            if (old != null && old.compareTo(b.number(vi)) >= 0 || !monotonic.test(b.channel(vi))) {
                continue;
            }
            if (m == null) {
                m = byDevice.computeIfAbsent(b.device(), k -> new HashMap<>());
            }
            m.put(b.channel(vi), b.number(vi));
            long at = b.timestamp().toEpochMilli();
            setAt.computeIfAbsent(b.device(), k -> new HashMap<>()).put(b.channel(vi), at);
            unwritten.append(b.device()).append('\t').append(b.channel(vi)).append('\t')
                    .append(b.number(vi).toPlainString()).append('\t').append(at).append('\n');
        }
    }

    /** The device was removed: a device added again under its id starts afresh. */
    void forget(String device) {
        floors.remove(device);
        setAt.remove(device);
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
            all.append(d).append('\t').append(c).append('\t').append(v.toPlainString());
            Long at = setAt.getOrDefault(d, Map.of()).get(c);
            if (at != null) {
                all.append('\t').append(at);
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
