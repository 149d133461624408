package org.meter2mqtt.core;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.CRC32;

import org.meter2mqtt.api.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's state on disk as a base file plus a journal of changes, so that a flush writes only what changed.
 *
 * <ul>
 * <li>{@code <id>.properties}: the whole state as a properties file, first line {@code #gen=<n>}; replaced
 * atomically (temp file, fsync, rename, fsync of the folder).</li>
 * <li>{@code <id>.journal}: header (magic, the base's generation), then one record per flush: length, CRC-32 and
 * the changed keys. A flush appends one record and fsyncs it: a kill during the append leaves a record whose
 * length or CRC does not match, and loading stops before it, so the state is the old or the new one, never
 * garbage. A journal of another generation (a kill after a compaction renamed the new base but before it reset
 * the journal) is ignored: the base already holds everything in it.</li>
 * <li>When the journal outgrows {@code max(64 KiB, 8 x base)} the next flush compacts: new base of the next
 * generation, then a fresh journal. Bounded so that a thousand devices keep tens of MB, not GB.</li>
 * </ul>
 * With a thousand pulse sources on one device, rewriting the whole file on every flush cost more than the fsync.
 * A failed write throws and keeps the changes for the next flush, so a caller never acknowledges what is not on
 * disk.
 */
public final class FileStateStore implements StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileStateStore.class);
    private static final String GEN_PREFIX = "#gen=";
    private static final long MAGIC = 0x6d326d4a726e6c31L; // "m2mJrnl1"
    private static final int HEADER = 16;
    static final long MIN_COMPACT_BYTES = 64 << 10;
    private static final int COMPACT_FACTOR = 8;

    private final Path file;
    private final Path journal;
    private final long minCompactBytes;
    private final TreeMap<String, String> values = new TreeMap<>();
    /** Changed since the last successful flush: key to new value, null for a removal. */
    private final Map<String, String> pending = new HashMap<>();
    /** Guards the files; {@code this} guards the maps, so puts do not wait for a write. */
    private final Object io = new Object();
    private long generation;
    /** End of the journal's last good record; -1 when the journal must be started afresh. */
    private long journalEnd = -1;
    private long baseSize;
    /** A failed append may have left part of a record behind: cut it off before the next one. */
    private boolean truncateFirst;

    /** Set for {@link #peek}: an unreadable file is reported, never moved aside. */
    private final boolean readOnly;

    FileStateStore(Path file) {
        this(file, MIN_COMPACT_BYTES);
    }

    /** @param minCompactBytes the journal size below which no compaction happens (small in tests) */
    FileStateStore(Path file, long minCompactBytes) {
        this(file, minCompactBytes, false);
    }

    private FileStateStore(Path file, long minCompactBytes, boolean readOnly) {
        this.file = file;
        this.journal = file.resolveSibling(baseName(file) + ".journal");
        this.minCompactBytes = minCompactBytes;
        this.readOnly = readOnly;
        load();
    }

    /**
     * The state a gateway would load from {@code file} (a device's {@code <id>.properties}) and its journal, read
     * without writing, moving or locking anything: for tools and tests that watch a running gateway. A record
     * being appended at that moment is simply not seen yet.
     *
     * @throws UncheckedIOException when the state file exists but cannot be read
     */
    public static Map<String, String> peek(Path file) {
        return new FileStateStore(file, MIN_COMPACT_BYTES, true).snapshot();
    }

    private static String baseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".properties") ? n.substring(0, n.length() - ".properties".length()) : n;
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        Properties p = new Properties();
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, StandardCharsets.UTF_8);
            p.load(new StringReader(text));
            generation = parseGeneration(text);
            baseSize = bytes.length;
        } catch (IOException | IllegalArgumentException e) {
            if (readOnly) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(),
                        e instanceof IOException ? (IOException) e : new IOException(e));
            }
            // keep the unreadable files for the operator instead of overwriting them with an empty state
            LOG.error("State file {} is unreadable ({}); moved aside as .corrupt and starting empty", file,
                    e.getMessage());
            moveAside(file, ".corrupt");
            moveAside(journal, ".corrupt");
            return;
        }
        synchronized (this) {
            p.forEach((k, v) -> values.put(k.toString(), v.toString()));
            journalEnd = replayJournal();
        }
    }

    private static long parseGeneration(String text) {
        if (!text.startsWith(GEN_PREFIX)) {
            return 0; // written before the journal existed
        }
        int end = text.indexOf('\n');
        try {
            return Long.parseLong(text.substring(GEN_PREFIX.length(), end < 0 ? text.length() : end).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Applies the journal's good records; returns where the next one goes, or -1 when it must be started anew. */
    private long replayJournal() {
        byte[] j;
        try {
            j = Files.readAllBytes(journal);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            LOG.error("Journal {} is unreadable ({}); using the state file alone", journal, e.toString());
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(j);
        if (j.length < HEADER || b.getLong() != MAGIC || b.getLong() != generation) {
            return -1;
        }
        while (b.remaining() >= 8) {
            int start = b.position();
            int len = b.getInt();
            int crc = b.getInt();
            if (len < 0 || len > b.remaining()) {
                return start; // torn tail
            }
            CRC32 c = new CRC32();
            c.update(j, b.position(), len);
            if ((int) c.getValue() != crc) {
                return start;
            }
            ByteBuffer rec = ByteBuffer.wrap(j, b.position(), len).slice();
            b.position(b.position() + len);
            applyRecord(rec);
        }
        return b.position();
    }

    private void applyRecord(ByteBuffer rec) {
        int n = rec.getInt();
        for (int i = 0; i < n; i++) {
            boolean put = rec.get() == 1;
            String key = readString(rec);
            if (put) {
                values.put(key, readString(rec));
            } else {
                values.remove(key);
            }
        }
    }

    private static String readString(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public synchronized void put(String key, String value) {
        if (value == null) {
            remove(key);
            return;
        }
        if (!value.equals(values.put(key, value))) {
            pending.put(key, value);
        }
    }

    @Override
    public synchronized void remove(String key) {
        if (values.remove(key) != null) {
            pending.put(key, null);
        }
    }

    @Override
    public synchronized Map<String, String> snapshot() {
        return Map.copyOf(values);
    }

    /** True while changes wait for a successful flush. */
    synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Writes the changes since the last successful flush and fsyncs them.
     *
     * @throws UncheckedIOException "cannot write &lt;file&gt;: ..." when they could not be written; they stay
     *         pending and the next flush tries again
     */
    @Override
    public void flush() {
        synchronized (io) {
            Map<String, String> delta;
            synchronized (this) {
                if (pending.isEmpty()) {
                    return;
                }
                delta = new HashMap<>(pending);
            }
            Path writing = journal;
            try {
                byte[] record = record(delta);
                if (journalEnd < 0 || journalEnd + record.length > Math.max(minCompactBytes, COMPACT_FACTOR * baseSize)) {
                    writing = file;
                    compact();
                } else if (!append(record)) {
                    writing = file;
                    compact(); // the journal is gone (the folder was replaced): write everything
                }
            } catch (IOException e) {
                truncateFirst = true;
                throw new UncheckedIOException("cannot write " + writing + ": " + describe(e), e);
            }
            synchronized (this) {
                // a put during the write may have changed a key again: that change stays pending
                delta.forEach(pending::remove);
            }
        }
    }

    /** Flush for callers that have no one to report to (session close, gateway stop): a failure is logged. */
    void flushOrLog() {
        try {
            flush();
        } catch (UncheckedIOException e) {
            LOG.error("Device state not saved: {}", e.getMessage());
        }
    }

    private static String describe(IOException e) {
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason();
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }

    private static byte[] record(Map<String, String> delta) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 48 * delta.size());
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0); // length and CRC, filled in below
        out.writeInt(0);
        out.writeInt(delta.size());
        for (Map.Entry<String, String> e : delta.entrySet()) {
            out.writeByte(e.getValue() == null ? 0 : 1);
            writeString(out, e.getKey());
            if (e.getValue() != null) {
                writeString(out, e.getValue());
            }
        }
        out.flush();
        byte[] r = bytes.toByteArray();
        CRC32 c = new CRC32();
        c.update(r, 8, r.length - 8);
        ByteBuffer.wrap(r).putInt(r.length - 8).putInt((int) c.getValue());
        return r;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** @return false when the journal does not exist (any more) */
    private boolean append(byte[] record) throws IOException {
        FileChannel ch;
        try {
            // opened per flush: a folder that was moved or replaced fails here instead of writing into the old one
            ch = FileChannel.open(journal, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return false;
        }
        try (ch) {
            if (truncateFirst) {
                ch.truncate(journalEnd);
            }
            writeFully(ch, ByteBuffer.wrap(record), journalEnd);
            ch.force(false);
        }
        truncateFirst = false;
        journalEnd += record.length;
        return true;
    }

    /** The whole state as a new base of the next generation, then an empty journal for it. */
    private void compact() throws IOException {
        Properties p = new Properties();
        synchronized (this) {
            p.putAll(values);
        }
        long gen = generation + 1;
        StringWriter w = new StringWriter();
        p.store(w, "gen=" + gen);
        byte[] base = w.toString().getBytes(StandardCharsets.UTF_8);
        writeAtomically(file, base);
        generation = gen;
        baseSize = base.length;
        journalEnd = -1;
        // the base holds everything now; a kill before the header is written leaves a journal that is ignored
        boolean existed = Files.exists(journal);
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.allocate(HEADER).putLong(MAGIC).putLong(gen).flip(), 0);
            ch.force(false);
        }
        if (!existed) {
            fsyncFolder(journal.getParent());
        }
        truncateFirst = false;
        journalEnd = HEADER;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    static void writeAtomically(Path target, byte[] content) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncFolder(target.getParent());
    }

    private static void fsyncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename itself is still atomic
            LOG.debug("fsync of {} not supported: {}", folder, e.toString());
        }
    }

    /** Keeps the files of a deleted device as {@code .removed}, so an operator can still recover a counter. */
    void retire() {
        synchronized (io) {
            moveAside(file, ".removed");
            moveAside(journal, ".removed");
        }
    }

    private static void moveAside(Path f, String suffix) {
        try {
            if (Files.exists(f)) {
                Files.move(f, f.resolveSibling(f.getFileName() + suffix), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("Could not move {} aside: {}", f, e.toString());
        }
    }
}
