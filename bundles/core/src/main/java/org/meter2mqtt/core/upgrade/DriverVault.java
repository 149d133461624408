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

    /**
     * Deletes old copies of one bundle: kept are the running version, the newest one below it that is not
     * quarantined (what a rollback goes to), every quarantined content (the evidence), and then the newest others
     * until {@code keep} versions that are not quarantined remain.
     *
     * @param running the running version, null when none runs
     * @return the deleted files
     */
    public List<Path> prune(String symbolicName, String running, java.util.Set<String> quarantinedHashes, int keep)
            throws IOException {
        List<Path> all = versions(symbolicName);
        java.util.Set<Path> stay = new java.util.HashSet<>();
        java.util.function.Predicate<Path> bad = p -> quarantinedHashes.stream()
                .anyMatch(h -> h.startsWith(hashOf(p)));
        all.stream().filter(bad).forEach(stay::add);
        if (running != null) {
            all.stream().filter(p -> versionOf(p).equals(safe(running))).forEach(stay::add);
            for (int i = all.size() - 1; i >= 0; i--) {
                Path p = all.get(i);
                if (!bad.test(p) && Preflight.compare(versionOf(p), running) < 0) {
                    stay.add(p);
                    break;
                }
            }
        }
        long good = stay.stream().filter(bad.negate()).count();
        for (int i = all.size() - 1; i >= 0 && good < keep; i--) {
            if (stay.add(all.get(i))) {
                good++;
            }
        }
        List<Path> deleted = new java.util.ArrayList<>();
        for (Path p : all) {
            if (!stay.contains(p)) {
                Files.deleteIfExists(p);
                deleted.add(p);
            }
        }
        return deleted;
    }

    private static String hashOf(Path kept) {
        String n = kept.getFileName().toString();
        return n.substring(n.lastIndexOf('-') + 1, n.length() - ".jar".length());
    }

    private static String versionOf(Path kept) {
        String n = kept.getFileName().toString();
        return n.substring(0, n.lastIndexOf('-'));
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
