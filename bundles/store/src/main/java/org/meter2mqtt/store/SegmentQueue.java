package org.meter2mqtt.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, append-only, on-disk FIFO of byte records that survives restarts.
 *
 * <p>Layout: {@code <dir>/<seq>.seg} files of records {@code [int length][int crc32][long appendedMillis][payload]}
 * and a {@code cursor} file with the first record not yet acknowledged ({@code seq offset}), replaced
 * atomically (temp file, fsync, rename) at most once per {@code fsyncInterval}. {@code cursor.live} holds the same
 * position, rewritten in place at every {@link #flush()} and {@link #saveCursor()} without fsync (20 bytes with a
 * CRC): a killed process leaves it in the page cache, so after a {@code kill -9} nothing acknowledged is sent again;
 * after a power cut it may be older or torn (then the CRC rejects it), and {@code cursor} counts. The later valid
 * one of the two wins. A new segment starts at every open and when the current one
 * reaches an eighth of the size bound; a segment is deleted once everything in it is
 * acknowledged. When the size bound is reached, the oldest segment is dropped and its unsent records are
 * counted as dropped.
 *
 * <p>Durability: {@link #flush()} hands appended records to the operating system (a crash of the JVM loses
 * nothing flushed); {@code fsync} runs at most once per {@code fsyncInterval}, on segment roll and on close,
 * so a power cut loses at most that interval. A torn or corrupt record (CRC mismatch) ends its segment;
 * the rest of that segment is skipped with a warning and reading continues with the next one.
 *
 * <p>Not thread-safe: one thread (the publisher's) does everything.
 */
public final class SegmentQueue implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentQueue.class);
    private static final int HEADER = 16;
    private static final String SUFFIX = ".seg";
    private static final String LIVE = "cursor.live";
    private static final int LIVE_BYTES = 20;

    /** One record handed to the sender, and where the queue continues after it. */
    public static final class Record {
        private final byte[] payload;
        private final long appendedMillis;
        private final long seq;
        private final long end;
        private final boolean expired;

        Record(byte[] payload, long appendedMillis, long seq, long end, boolean expired) {
            this.payload = payload;
            this.appendedMillis = appendedMillis;
            this.seq = seq;
            this.end = end;
            this.expired = expired;
        }

        public byte[] payload() {
            return payload;
        }

        public long appendedMillis() {
            return appendedMillis;
        }

        /** Older than the age bound: not to be sent; still {@link #commit committed} in order. */
        public boolean expired() {
            return expired;
        }
    }

    private static final class Segment {
        long size;
        long records;

        Segment(long size, long records) {
            this.size = size;
            this.records = records;
        }
    }

    private final String name;
    private final String receiver;
    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final long maxAgeMillis;
    private final long fsyncNanos;
    private final LongSupplier wallMillis;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();

    private FileChannel writer;
    private long writeSeq;
    private final ByteBuffer writeBuf = ByteBuffer.allocate(64 * 1024);
    private long writeFlushed;
    private boolean unsynced;
    private long lastSync = System.nanoTime();

    private FileChannel reader;
    private long readerSeq = -1;
    private final ByteBuffer readBuf = ByteBuffer.allocate(64 * 1024);
    private long readBufStart = -1;
    private long readSeq;
    private long readOffset;

    private long commitSeq;
    private long commitOffset;
    private long committedInSegment;
    private boolean cursorDirty;
    /** {@code cursor.live}, open for the queue's life; see the class comment. */
    private FileChannel live;
    private boolean liveDirty;
    private final ByteBuffer liveBuf = ByteBuffer.allocate(LIVE_BYTES);
    private final CRC32 liveSum = new CRC32();
    /** Reused for the CRC of every record appended. */
    private final CRC32 appendSum = new CRC32();

    /** Records past the last one counted as expired, so a rewind does not count them twice. */
    private long countedSeq = -1;
    private long countedOffset = -1;

    private long dropped;
    private long totalBytes;

    /**
     * Opens (creating if needed) the queue in {@code dir}, keeping what an earlier run left.
     *
     * @param maxBytes bound of all segment files together
     * @param maxAge records older than this are not sent, and counted as dropped
     * @param fsyncInterval longest time appended records stay unsynced; zero syncs on every flush
     * @throws IOException when the folder cannot be created or read
     */
    public SegmentQueue(Path dir, long maxBytes, Duration maxAge, Duration fsyncInterval, LongSupplier wallMillis)
            throws IOException {
        this("MQTT buffer", "broker", dir, maxBytes, maxAge, fsyncInterval, wallMillis);
    }

    /**
     * As above, for an output other than MQTT: its log lines name it.
     *
     * @param name how log lines call this queue, e.g. {@code InfluxDB buffer}
     * @param receiver what the queue waits for, e.g. {@code InfluxDB server}
     */
    public SegmentQueue(String name, String receiver, Path dir, long maxBytes, Duration maxAge, Duration fsyncInterval,
            LongSupplier wallMillis) throws IOException {
        this.name = name;
        this.receiver = receiver;
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(16 * 1024, maxBytes / 8);
        this.maxAgeMillis = maxAge.toMillis();
        this.fsyncNanos = fsyncInterval.toNanos();
        this.wallMillis = wallMillis;
        Files.createDirectories(dir);
        load();
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    long seq = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
                    segments.put(seq, new Segment(Files.size(f), 0));
                } catch (NumberFormatException e) {
                    LOG.warn("Ignoring unexpected file {} in the {} folder", f, name);
                }
            }
        }
        long[] cursor = readCursor();
        long[] saved = readLive();
        if (saved != null && after(saved[0], saved[1], cursor[0], cursor[1])) {
            cursor = saved;
        }
        commitSeq = cursor[0];
        commitOffset = cursor[1];
        live = FileChannel.open(dir.resolve(LIVE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long pendingAtStart = 0;
        for (Map.Entry<Long, Segment> e : segments.entrySet()) {
            Segment s = e.getValue();
            long[] counts = scan(e.getKey(), s.size, e.getKey() == commitSeq ? commitOffset : -1);
            s.records = counts[0];
            if (e.getKey() == commitSeq) {
                committedInSegment = counts[1];
            }
            totalBytes += s.size;
        }
        // Segments entirely before the cursor were acknowledged but not yet deleted when we stopped.
        while (!segments.isEmpty() && segments.firstKey() < commitSeq) {
            deleteSegment(segments.firstKey());
        }
        if (segments.isEmpty() || segments.firstKey() > commitSeq) {
            commitSeq = segments.isEmpty() ? 0 : segments.firstKey();
            commitOffset = 0;
            committedInSegment = 0;
        }
        for (Map.Entry<Long, Segment> e : segments.entrySet()) {
            pendingAtStart += e.getValue().records;
        }
        pendingAtStart -= committedInSegment;
        readSeq = commitSeq;
        readOffset = commitOffset;
        openWriter(segments.isEmpty() ? Math.max(commitSeq, 1) : segments.lastKey() + 1);
        if (pendingAtStart > 0) {
            LOG.info("{} {} holds {} unsent batches from an earlier run; they are sent first", name, dir,
                    pendingAtStart);
        }
    }

    /** Counts the valid records of a segment: {@code [records, records before commitAt]}. */
    private long[] scan(long seq, long size, long commitAt) throws IOException {
        long records = 0;
        long before = 0;
        try (FileChannel ch = FileChannel.open(segmentPath(seq), StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            long pos = 0;
            while (pos + HEADER <= size) {
                header.clear();
                readFully(ch, header, pos);
                header.flip();
                int len = header.getInt();
                int crc = header.getInt();
                long appended = header.getLong();
                if (len < 0 || pos + HEADER + len > size) {
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                readFully(ch, payload, pos + HEADER);
                if (crc(appended, payload.array()) != crc) {
                    break;
                }
                if (commitAt >= 0 && pos < commitAt) {
                    before++;
                }
                records++;
                pos += HEADER + len;
            }
            if (pos != size) {
                LOG.warn("{} segment {} ends with {} damaged bytes (power cut?); they are skipped", name,
                        segmentPath(seq), size - pos);
            }
        }
        return new long[] { records, before };
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new IOException("unexpected end of buffer segment");
            }
            p += n;
        }
    }

    private Path segmentPath(long seq) {
        return dir.resolve(String.format("%020d", seq) + SUFFIX);
    }

    private long[] readCursor() {
        Path f = dir.resolve("cursor");
        if (!Files.exists(f)) {
            return new long[] { 0, 0 };
        }
        try {
            String[] parts = Files.readString(f, StandardCharsets.US_ASCII).trim().split(" ");
            return new long[] { Long.parseLong(parts[0]), Long.parseLong(parts[1]) };
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} cursor {} is unreadable ({}); resending the whole buffer", name, f, e.toString());
            return new long[] { 0, 0 };
        }
    }

    /** The position in {@code cursor.live}, or null when there is none or it is torn. */
    private long[] readLive() {
        Path f = dir.resolve(LIVE);
        try {
            if (!Files.exists(f) || Files.size(f) < LIVE_BYTES) {
                return null;
            }
            byte[] bytes = Files.readAllBytes(f);
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, LIVE_BYTES);
            long seq = b.getLong();
            long off = b.getLong();
            if (b.getInt() != liveCrc(new CRC32(), bytes) || seq < 0 || off < 0) {
                LOG.warn("{} {} is torn (power cut?); continuing from {}", name, f, dir.resolve("cursor"));
                return null;
            }
            return new long[] { seq, off };
        } catch (IOException e) {
            LOG.warn("{} {} is unreadable ({}); continuing from {}", name, f, e.toString(), dir.resolve("cursor"));
            return null;
        }
    }

    /** The CRC of a {@code cursor.live} record: over its position, the first 16 bytes of {@code record}. */
    private static int liveCrc(CRC32 c, byte[] record) {
        c.reset();
        c.update(record, 0, 16);
        return (int) c.getValue();
    }

    /**
     * Saves the acknowledged position in {@code cursor.live} if it moved: one small write in place, no fsync. An
     * output calls it after taking acknowledgements and before sending more: then a crash never sends an
     * acknowledged record again (a subscriber that saw a later total would see an earlier one again).
     */
    public void saveCursor() throws IOException {
        if (!liveDirty) {
            return;
        }
        liveBuf.clear();
        liveBuf.putLong(commitSeq).putLong(commitOffset);
        liveBuf.putInt(liveCrc(liveSum, liveBuf.array())).flip();
        long pos = 0;
        while (liveBuf.hasRemaining()) {
            pos += live.write(liveBuf, pos);
        }
        liveDirty = false;
    }

    private void writeCursor() throws IOException {
        Path tmp = dir.resolve("cursor.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((commitSeq + " " + commitOffset + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(false);
        }
        try {
            Files.move(tmp, dir.resolve("cursor"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve("cursor"), StandardCopyOption.REPLACE_EXISTING);
        }
        cursorDirty = false;
    }

    private void openWriter(long seq) throws IOException {
        writer = FileChannel.open(segmentPath(seq), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        writeSeq = seq;
        writeFlushed = 0;
        segments.put(seq, new Segment(0, 0));
    }

    private static int crc(long appended, byte[] payload) {
        return crc(new CRC32(), appended, payload, payload.length);
    }

    /** The CRC of a record: its append time (8 bytes, big-endian) and {@code payload[0, length)}. */
    private static int crc(CRC32 c, long appended, byte[] payload, int length) {
        c.reset();
        for (int shift = 56; shift >= 0; shift -= 8) {
            c.update((int) (appended >>> shift));
        }
        c.update(payload, 0, length);
        return (int) c.getValue();
    }

    /**
     * Appends one record (visible to {@link #next()} after {@link #flush()}). Makes room by dropping the
     * oldest segment when the size bound is reached.
     *
     * @return false when the record alone is larger than a segment (it is not stored; the caller counts it)
     * @throws IOException when the disk refuses the write (full, read-only)
     */
    public boolean append(byte[] payload) throws IOException {
        return append(payload, payload.length);
    }

    /**
     * As {@link #append(byte[])}, for the first {@code length} bytes of {@code payload}: a caller that encodes every
     * record into one reused array appends it without a copy of its own.
     */
    public boolean append(byte[] payload, int length) throws IOException {
        if (length < 0 || length > payload.length) {
            throw new IllegalArgumentException("length " + length + " of a " + payload.length + "-byte array");
        }
        int size = HEADER + length;
        if (size > segmentBytes) {
            return false;
        }
        Segment w = segments.get(writeSeq);
        if (w.size + size > segmentBytes) {
            roll();
            w = segments.get(writeSeq);
        }
        while (totalBytes + size > maxBytes && segments.firstKey() != writeSeq) {
            dropOldest();
        }
        long now = wallMillis.getAsLong();
        if (writeBuf.remaining() < size) {
            flushBuffer();
        }
        if (writeBuf.remaining() < size) {
            writeDirect(now, payload, length);
        } else {
            writeBuf.putInt(length).putInt(crc(appendSum, now, payload, length)).putLong(now).put(payload, 0, length);
        }
        w.size += size;
        w.records++;
        totalBytes += size;
        unsynced = true;
        return true;
    }

    /**
     * True when every record appended so far has been handed out by {@link #next()} (or taken with
     * {@link #appendTaken}): a record appended now would be the next one read.
     */
    public boolean caughtUp() {
        Segment w = segments.get(writeSeq);
        if (readSeq == writeSeq) {
            return readOffset == w.size;
        }
        // the reader is in an older segment (just opened, or before a roll): caught up when nothing follows it
        Segment r = segments.get(readSeq);
        if (r != null && readOffset < r.size) {
            return false;
        }
        for (Segment s : segments.subMap(readSeq, false, writeSeq, false).values()) {
            if (s.size > 0) {
                return false;
            }
        }
        return w.size == 0;
    }

    /**
     * Appends one record that the caller sends from memory: it is handed out as if {@link #next()} had read it
     * (so it is not read back), and the returned record is {@link #commit committed} when it is acknowledged. After a
     * {@link #rewind()} or a restart it is read like any other unacknowledged record. Only while
     * {@link #caughtUp()}, which keeps the order of the queue.
     *
     * @return the record, or null when it alone is larger than a segment (not stored; the caller counts it)
     * @throws IllegalStateException when records appended earlier have not been handed out yet
     * @throws IOException when the disk refuses the write (full, read-only)
     */
    public Record appendTaken(byte[] payload) throws IOException {
        return appendTaken(payload, payload.length, payload);
    }

    /**
     * As {@link #appendTaken(byte[])}, for the first {@code length} bytes of {@code payload}, which the caller may
     * reuse at once: the record's {@link Record#payload()} is null (the caller sends what it has in memory).
     */
    public Record appendTaken(byte[] payload, int length) throws IOException {
        return appendTaken(payload, length, null);
    }

    private Record appendTaken(byte[] payload, int length, byte[] kept) throws IOException {
        if (!caughtUp()) {
            throw new IllegalStateException("older records have not been handed out yet");
        }
        long now = wallMillis.getAsLong();
        if (!append(payload, length)) {
            return null;
        }
        // append may have rolled to a new segment (or dropped old ones): the record ends where the writer is now
        readSeq = writeSeq;
        readOffset = segments.get(writeSeq).size;
        return new Record(kept, now, readSeq, readOffset, false);
    }

    private void writeDirect(long now, byte[] payload, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + length);
        b.putInt(length).putInt(crc(appendSum, now, payload, length)).putLong(now).put(payload, 0, length).flip();
        while (b.hasRemaining()) {
            writeFlushed += writer.write(b, writeFlushed);
        }
    }

    private void flushBuffer() throws IOException {
        writeBuf.flip();
        while (writeBuf.hasRemaining()) {
            writeFlushed += writer.write(writeBuf, writeFlushed);
        }
        writeBuf.clear();
    }

    private void roll() throws IOException {
        flushBuffer();
        writer.force(false);
        writer.close();
        openWriter(writeSeq + 1);
    }

    private void dropOldest() throws IOException {
        long seq = segments.firstKey();
        Segment s = segments.get(seq);
        long lost = s.records - (seq == commitSeq ? committedInSegment : 0);
        dropped += lost;
        LOG.warn("{} full ({} MiB): dropped {} unsent batches, the oldest; {} dropped so far. "
                + "The {} has been unreachable, or slower than the readings, too long for buffer.max.mb", name,
                maxBytes >> 20, lost, dropped, receiver);
        long next = segments.higherKey(seq);
        if (readSeq == seq) {
            readSeq = next;
            readOffset = 0;
        }
        if (commitSeq == seq) {
            commitSeq = next;
            commitOffset = 0;
            committedInSegment = 0;
            cursorDirty = true;
            liveDirty = true;
        }
        deleteSegment(seq);
    }

    private void deleteSegment(long seq) throws IOException {
        Segment s = segments.remove(seq);
        if (s != null) {
            totalBytes -= s.size;
        }
        if (readerSeq == seq) {
            reader.close();
            reader = null;
            readerSeq = -1;
            readBufStart = -1;
        }
        Files.deleteIfExists(segmentPath(seq));
    }

    /**
     * Makes appended records readable and saves {@code cursor.live}, like {@link #flush()} but never syncs: for a
     * thread that must not wait, while another one calls {@link #flush()} on its ticks.
     */
    public void write() throws IOException {
        flushBuffer();
        saveCursor();
    }

    /** Whether the next {@link #flush()} syncs (fsync policy), so a thread that must not wait leaves it to another. */
    public boolean syncDue() {
        return System.nanoTime() - lastSync >= fsyncNanos;
    }

    /**
     * Makes appended records readable and durable per the fsync policy; also saves the acknowledged
     * position when it changed ({@code cursor.live} at every call, {@code cursor} per the fsync policy).
     */
    public void flush() throws IOException {
        write();
        long now = System.nanoTime();
        if (now - lastSync >= fsyncNanos) {
            if (unsynced) {
                writer.force(false);
                unsynced = false;
            }
            if (cursorDirty) {
                writeCursor();
            }
            lastSync = now;
        }
    }

    /** The next record after the last one handed out, or null when everything flushed has been handed out. */
    public Record next() throws IOException {
        while (true) {
            Segment s = segments.get(readSeq);
            long limit = readSeq == writeSeq ? writeFlushed : (s == null ? 0 : s.size);
            if (s == null || readOffset + HEADER > limit) {
                if (readSeq == writeSeq) {
                    return null;
                }
                Long nextSeq = segments.higherKey(readSeq);
                if (nextSeq == null) {
                    return null;
                }
                readSeq = nextSeq;
                readOffset = 0;
                continue;
            }
            ByteBuffer h = read(readSeq, readOffset, HEADER);
            int len = h.getInt();
            int crc = h.getInt();
            long appended = h.getLong();
            byte[] payload = null;
            if (len >= 0 && readOffset + HEADER + len <= limit) {
                payload = new byte[len];
                read(readSeq, readOffset + HEADER, len).get(payload);
            }
            if (payload == null || crc(appended, payload) != crc) {
                if (readSeq == writeSeq) {
                    throw new IOException("buffer segment being written is corrupt at " + readOffset);
                }
                // Already reported by the scan at open; skip to the next segment.
                readOffset = limit;
                continue;
            }
            long start = readOffset;
            readOffset += HEADER + len;
            boolean expired = maxAgeMillis > 0 && wallMillis.getAsLong() - appended > maxAgeMillis;
            if (expired && after(readSeq, start, countedSeq, countedOffset)) {
                dropped++;
                countedSeq = readSeq;
                countedOffset = start;
                if (dropped % 1000 == 1) {
                    LOG.warn("{}: dropping batches older than {} h (buffer.max.age.hours); {} dropped so far",
                            name, maxAgeMillis / 3_600_000, dropped);
                }
            }
            return new Record(payload, appended, readSeq, readOffset, expired);
        }
    }

    private static boolean after(long seq, long off, long refSeq, long refOff) {
        return seq > refSeq || (seq == refSeq && off > refOff);
    }

    private ByteBuffer read(long seq, long pos, int len) throws IOException {
        if (len > readBuf.capacity()) {
            ByteBuffer big = ByteBuffer.allocate(len);
            readFully(channel(seq), big, pos);
            return big.flip();
        }
        if (readerSeq != seq || readBufStart < 0 || pos < readBufStart
                || pos + len > readBufStart + readBuf.limit()) {
            FileChannel ch = channel(seq);
            readBuf.clear();
            long p = pos;
            while (readBuf.position() < len) {
                int n = ch.read(readBuf, p);
                if (n < 0) {
                    throw new IOException("unexpected end of buffer segment " + segmentPath(seq));
                }
                p += n;
            }
            readBuf.flip();
            readBufStart = pos;
        }
        ByteBuffer view = readBuf.duplicate();
        view.position((int) (pos - readBufStart));
        view.limit((int) (pos - readBufStart) + len);
        return view.slice();
    }

    private FileChannel channel(long seq) throws IOException {
        if (readerSeq != seq) {
            if (reader != null) {
                reader.close();
            }
            reader = FileChannel.open(segmentPath(seq), StandardOpenOption.READ);
            readerSeq = seq;
            readBufStart = -1;
        }
        return reader;
    }

    /**
     * Acknowledges {@code r} and everything before it. Records must be committed in the order
     * {@link #next()} returned them; a stale commit (its segment was dropped meanwhile) is ignored.
     */
    public void commit(Record r) throws IOException {
        if (!after(r.seq, r.end, commitSeq, commitOffset)) {
            return;
        }
        if (r.seq != commitSeq) {
            // The commit moved into a later segment: earlier ones are fully acknowledged.
            while (!segments.isEmpty() && segments.firstKey() < r.seq) {
                deleteSegment(segments.firstKey());
            }
            committedInSegment = 0;
        }
        commitSeq = r.seq;
        commitOffset = r.end;
        committedInSegment++;
        cursorDirty = true;
        liveDirty = true;
        // A fully acknowledged, finished segment is deleted right away.
        if (commitSeq != writeSeq && commitOffset >= segments.get(commitSeq).size) {
            long next = segments.higherKey(commitSeq);
            deleteSegment(commitSeq);
            commitSeq = next;
            commitOffset = 0;
            committedInSegment = 0;
        }
    }

    /** Hands out again everything not acknowledged (after a lost connection). */
    public void rewind() {
        readSeq = commitSeq;
        readOffset = commitOffset;
    }

    /** Records appended and not yet acknowledged or dropped. */
    public long pending() {
        long n = 0;
        for (Segment s : segments.values()) {
            n += s.records;
        }
        return n - committedInSegment;
    }

    /** Records dropped by the size or age bound since this queue was opened. */
    public long dropped() {
        return dropped;
    }

    public long bytes() {
        return totalBytes;
    }

    @Override
    public void close() throws IOException {
        flushBuffer();
        writer.force(false);
        writer.close();
        if (reader != null) {
            reader.close();
        }
        writeCursor();
        saveCursor();
        live.close();
        if (segments.get(writeSeq).records == 0) {
            deleteSegment(writeSeq);
        }
    }
}
