package org.meter2mqtt.core.upgrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;

/**
 * Content hashes of driver jars that failed their health gate: not installed again until a jar with other
 * content, or an explicit {@code --force}, asks for it. Kept in one file, replaced atomically.
 */
public final class Quarantine {

    private final Path file;
    private final Set<String> hashes = new TreeSet<>();

    public Quarantine(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.matches("[0-9a-f]{64}")) {
                    hashes.add(line);
                }
            }
        }
    }

    public synchronized void add(String sha256) throws IOException {
        if (hashes.add(sha256)) {
            save();
        }
    }

    /** Lifts the quarantine (an explicit {@code --force} install that then passed). */
    public synchronized void remove(String sha256) throws IOException {
        if (hashes.remove(sha256)) {
            save();
        }
    }

    public synchronized Set<String> hashes() {
        return Set.copyOf(hashes);
    }

    private void save() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, hashes, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
