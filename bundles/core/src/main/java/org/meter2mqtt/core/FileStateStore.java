package org.meter2mqtt.core;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

import org.meter2mqtt.api.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's state as a properties file, replaced atomically: write a temp file, fsync it, rename it over
 * the old one, fsync the folder. A power cut leaves either the old or the new file, never a torn one.
 */
final class FileStateStore implements StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileStateStore.class);

    private final Path file;
    private final TreeMap<String, String> values = new TreeMap<>();
    private boolean dirty;

    FileStateStore(Path file) {
        this.file = file;
        load();
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            // keep the unreadable file for the operator instead of overwriting it with an empty state
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
            LOG.error("State file {} is unreadable ({}); moved to {} and starting empty", file, e.getMessage(), aside);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                LOG.error("Could not move {} aside: {}", file, moveFailed.getMessage());
            }
            return;
        }
        synchronized (this) {
            p.forEach((k, v) -> values.put(k.toString(), v.toString()));
        }
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
            dirty = true;
        }
    }

    @Override
    public synchronized void remove(String key) {
        if (values.remove(key) != null) {
            dirty = true;
        }
    }

    @Override
    public synchronized Map<String, String> snapshot() {
        return Map.copyOf(values);
    }

    @Override
    public void flush() {
        String text;
        synchronized (this) {
            if (!dirty) {
                return;
            }
            Properties p = new Properties();
            p.putAll(values);
            StringWriter w = new StringWriter();
            try {
                p.store(w, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            text = w.toString();
            dirty = false;
        }
        try {
            writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            synchronized (this) {
                dirty = true;
            }
            LOG.error("Could not write device state {}: {}", file, e.toString());
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
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename itself is still atomic
            LOG.debug("fsync of {} not supported: {}", target.getParent(), e.toString());
        }
    }

    /** Keeps the file of a deleted device as {@code .removed}, so an operator can still recover a counter. */
    void retire() {
        try {
            if (Files.exists(file)) {
                Files.move(file, file.resolveSibling(file.getFileName() + ".removed"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("Could not retire state file {}: {}", file, e.toString());
        }
    }
}
