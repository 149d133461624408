package org.meter2mqtt.core.upgrade;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every driver jar the gateway installed, kept under the data folder
 * ({@code <root>/<symbolic name>/<version>-<hash prefix>.jar}) so a rollback has the previous version at hand
 * even after {@code deploy/} changed.
 */
public final class DriverVault {

    private final Path root;

    public DriverVault(Path root) {
        this.root = root;
    }

    /** Copies the jar in (once per content) and returns where it is kept. */
    public Path keep(DriverJar jar) throws IOException {
        Path dir = root.resolve(safe(jar.symbolicName()));
        Files.createDirectories(dir);
        Path target = dir.resolve(safe(jar.version()) + "-" + jar.sha256().substring(0, 12) + ".jar");
        if (!Files.exists(target)) {
            Path tmp = dir.resolve(target.getFileName() + ".tmp");
            Files.copy(jar.file(), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }

    /** The kept jars of one bundle, oldest version first. */
    public List<Path> versions(String symbolicName) throws IOException {
        Path dir = root.resolve(safe(symbolicName));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .sorted(Comparator.comparing(DriverVault::versionOf, Preflight::compare))
                    .collect(Collectors.toList());
        }
    }

    /** The newest kept jar of the bundle whose version differs from {@code current}: the rollback target. */
    public Optional<Path> previous(String symbolicName, String current) throws IOException {
        List<Path> all = versions(symbolicName);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!versionOf(all.get(i)).equals(current)) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** The kept jar of this exact version, the newest copy when several contents carry it. */
    public Optional<Path> find(String symbolicName, String version) throws IOException {
        List<Path> all = versions(symbolicName);
        Optional<Path> found = Optional.empty();
        for (Path p : all) {
            if (versionOf(p).equals(safe(version))
                    && (found.isEmpty() || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(found.get())) >= 0)) {
                found = Optional.of(p);
            }
        }
        return found;
    }

    private static String versionOf(Path kept) {
        String n = kept.getFileName().toString();
        return n.substring(0, n.lastIndexOf('-'));
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
