package org.meter2mqtt.core.upgrade;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.core.upgrade.DriverFramework.Installed;
import org.meter2mqtt.core.upgrade.DriverHistory.Entry;
import org.meter2mqtt.core.upgrade.DriverHistory.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver upgrade flow: stage the candidate jar, preflight it (nothing stops when it is refused), keep it in the
 * vault, update the bundle, then the health gate: every device of the driver that was ONLINE before must be ONLINE
 * again on the new version with a reading taken after the update, within the timeout. Otherwise the previous
 * version comes back from the vault, the candidate's content is quarantined, and the history gets both steps. A
 * rollback is never gated again, and a quarantined content is refused up front: no restart loop.
 *
 * <p>Plain Java; one step at a time (the methods are synchronized, a step takes at most the gate timeout).
 */
public final class DriverUpgrades implements DriverManagement {

    private static final Logger LOG = LoggerFactory.getLogger(DriverUpgrades.class);
    private static final Duration GATE_POLL = Duration.ofMillis(250);

    /** Opens a location ({@code mvn:}, {@code file:}, {@code http(s):}) for reading. */
    public interface Opener {
        InputStream open(String location) throws IOException;
    }

    /** The description a candidate jar's driver gives, when it can be learned before installing it. */
    public interface Describer {
        Optional<org.meter2mqtt.api.DriverDescription> describe(DriverJar jar, String driverId);
    }

    /** How the gate waits between looks; tests advance a fake clock instead. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** The settings of {@code org.meter2mqtt.drivers}. */
    public static final class Settings {
        public final Duration timeout;
        public final Preflight preflight;
        /** Versions per driver the vault keeps (besides quarantined ones): {@code vault.keep}. */
        public final int keep;

        public Settings(Duration timeout, Preflight preflight) {
            this(timeout, preflight, 3);
        }

        public Settings(Duration timeout, Preflight preflight, int keep) {
            this.timeout = timeout;
            this.preflight = preflight;
            this.keep = Math.max(2, keep);
        }
    }

    private final DriverFramework framework;
    private final Supplier<List<DeviceInfo>> devices;
    private final DriverVault vault;
    private final Quarantine quarantine;
    private final DriverHistory history;
    private final Path staging;
    private final Path rejected;
    /** Contents this flow put back into deploy/: FileInstall's update with them is the rollback, not a new step. */
    private final Set<String> restoring = new java.util.HashSet<>();
    /** deploy/ files and the bundle ("symbolic-name version") each brought in: what deleting the file removes. */
    private final Map<Path, String> deployed = new java.util.HashMap<>();
    /** deploy/ files this flow took out itself: FileInstall's uninstall for them removes nothing. */
    private final Set<Path> takenOut = new java.util.HashSet<>();
    /** keepRunning's index of bundles already looked at (see there), kept across restarts. */
    private final java.util.Properties seen = new java.util.Properties();
    private final Path seenFile;
    private final Opener opener;
    private final Clock clock;
    private final Sleeper sleeper;
    private volatile Settings settings;
    private final Describer describer;

    public DriverUpgrades(DriverFramework framework, Supplier<List<DeviceInfo>> devices, Path dataDir, Opener opener,
            Describer describer, Clock clock, Sleeper sleeper, Settings settings) throws IOException {
        this.describer = describer;
        this.framework = framework;
        this.devices = devices;
        this.vault = new DriverVault(dataDir.resolve("jars"));
        this.quarantine = new Quarantine(dataDir.resolve("quarantine.txt"));
        this.history = new DriverHistory(dataDir.resolve("history.log"));
        this.staging = dataDir.resolve("staging");
        this.seenFile = dataDir.resolve("seen.properties");
        if (Files.exists(seenFile)) {
            try (java.io.Reader r = Files.newBufferedReader(seenFile)) {
                seen.load(r);
            }
        }
        this.rejected = dataDir.resolve("quarantine");
        this.opener = opener;
        this.clock = clock;
        this.sleeper = sleeper;
        this.settings = settings;
    }

    public void settings(Settings s) {
        this.settings = s;
    }

    public Duration timeout() {
        return settings.timeout;
    }

    /**
     * Keeps a copy of a bundle installed some other way (feature, deploy/) so it can be rolled back to. A bundle
     * whose location, last-modified time and (for a file) size are as at the last look is skipped: the gateway
     * does not copy and hash every driver jar at every start.
     */
    public synchronized void keepRunning(Installed bundle) {
        String stamp = bundle.version + " " + bundle.lastModified + " " + sizeOf(bundle.location);
        if (bundle.lastModified != 0 && stamp.equals(seen.getProperty(bundle.location))) {
            return;
        }
        try {
            if (vault.find(bundle.symbolicName, bundle.version).isEmpty()) {
                Path copy = stage(bundle.location);
                try {
                    DriverJar jar = DriverJar.read(copy);
                    if (jar.version().equals(bundle.version)) {
                        vault.keep(jar);
                    }
                } finally {
                    Files.deleteIfExists(copy);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("No vault copy of {}: {}", bundle, e.toString());
        }
        if (bundle.lastModified != 0) {
            seen.setProperty(bundle.location, stamp);
            try {
                java.nio.file.Path tmp = seenFile.resolveSibling(seenFile.getFileName() + ".tmp");
                try (java.io.Writer w = Files.newBufferedWriter(tmp)) {
                    seen.store(w, "driver bundles already looked at: location = version last-modified size");
                }
                Files.move(tmp, seenFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.debug("vault index not written: {}", e.toString());
            }
        }
    }

    /** The size of a {@code file:} location, -1 for other locations or an unreadable file. */
    private static long sizeOf(String location) {
        try {
            return location.startsWith("file:") ? Files.size(Path.of(java.net.URI.create(location))) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public synchronized Outcome install(String location, boolean force) {
        return apply(null, location, force, null);
    }

    @Override
    public synchronized Outcome upgrade(String driver, String location) {
        return apply(driver, location, false, null);
    }

    /**
     * @param bundleLocation the location a new bundle gets (a deploy/ file's URI), null for the shell's own
     */
    private Outcome apply(String driver, String location, boolean force, String bundleLocation) {
        Path staged = null;
        DriverJar jar;
        try {
            staged = stage(location);
            jar = DriverJar.read(staged);
        } catch (IOException e) {
            deleteQuietly(staged);
            return refused(driver == null ? location : driver, "", "", "cannot read " + location + ": "
                    + e.getMessage());
        }
        try {
            String name = driver != null ? driver : String.join(",", jar.driverIds());
            if (name.isEmpty()) {
                name = jar.symbolicName();
            }
            List<Installed> running = framework.bundles(jar.symbolicName());
            Optional<Installed> old = running.isEmpty() ? Optional.empty() : Optional.of(running.get(0));
            if (driver != null) {
                Optional<Installed> serving = framework.providing(driver);
                if (serving.isEmpty()) {
                    return refused(name, "", jar.version(), "driver '" + driver + "' is not installed; use "
                            + "driver-install");
                }
                if (!jar.driverIds().contains(driver)
                        || !serving.get().symbolicName.equals(jar.symbolicName())) {
                    return refused(name, serving.get().version, jar.version(), jar.symbolicName() + " "
                            + jar.version() + " does not provide driver '" + driver + "' in place of "
                            + serving.get());
                }
                old = serving;
            }
            String from = old.map(b -> b.version).orElse("");
            Optional<String> why = settings.preflight.refusal(jar, quarantine.hashes(), force);
            if (why.isEmpty()) {
                why = keysDropped(jar);
            }
            if (why.isPresent()) {
                return refused(name, from, jar.version(), why.get());
            }
            Path kept = vault.keep(jar);
            if (old.isEmpty()) {
                if (bundleLocation == null) {
                    framework.install(kept);
                } else {
                    framework.install(kept, bundleLocation);
                }
                if (force) {
                    quarantine.remove(jar.sha256());
                }
                record(name, "", jar.version(), Result.INSTALLED, "");
                LOG.info("Driver {} {} installed", name, jar.version());
                prune(jar.symbolicName());
                return new Outcome(true, "Installed " + name + " " + jar.version());
            }
            return upgrade(name, old.get(), jar, kept, force);
        } catch (Exception e) {
            return refused(driver == null ? location : driver, "", jar.version(), "failed: " + e);
        } finally {
            deleteQuietly(staged);
        }
    }

    private static void deleteQuietly(Path staged) {
        try {
            if (staged != null) {
                Files.deleteIfExists(staged);
            }
        } catch (IOException e) {
            LOG.debug("staged copy left behind: {}", e.toString());
        }
    }

    /** A key an existing device's .cfg uses that the candidate's driver no longer accepts. */
    private Optional<String> keysDropped(DriverJar jar) {
        List<String> problems = new java.util.ArrayList<>();
        for (String id : jar.driverIds()) {
            List<DeviceInfo> users = devices.get().stream().filter(d -> id.equals(d.driverId()))
                    .collect(Collectors.toList());
            if (users.isEmpty()) {
                continue;
            }
            Optional<org.meter2mqtt.api.DriverDescription> desc = describer.describe(jar, id);
            if (desc.isEmpty()) {
                continue; // cannot be probed: the health gate still catches a device that goes to CONFIG_ERROR
            }
            for (DeviceInfo d : users) {
                for (String key : d.config().keySet()) {
                    boolean common = org.meter2mqtt.core.ConfigValidator.COMMON_KEYS.stream()
                            .anyMatch(k -> k.id().equals(key));
                    if (!common && !org.meter2mqtt.core.ConfigValidator.outputKey(key, List.of())
                            && desc.get().configKey(key).isEmpty()) {
                        problems.add(d.id() + " uses '" + key + "'");
                    }
                }
            }
        }
        return problems.isEmpty() ? Optional.empty()
                : Optional.of(jar.symbolicName() + " " + jar.version() + " no longer accepts keys the devices' .cfg "
                        + "files use: " + String.join(", ", problems));
    }

    private Outcome upgrade(String name, Installed old, DriverJar jar, Path kept, boolean force) throws Exception {
        keepRunning(old);
        Optional<Path> previous = vault.find(old.symbolicName, old.version);
        if (previous.isEmpty()) {
            return refused(name, old.version, jar.version(), "no copy of the running " + old
                    + " to roll back to (its jar cannot be read from " + old.location + ")");
        }
        if (DriverJar.read(previous.get()).sha256().equals(jar.sha256())) {
            return new Outcome(true, name + " " + jar.version() + " is already running");
        }
        Set<String> ids = new TreeSet<>(jar.driverIds());
        List<String> wereOnline = devices.get().stream()
                .filter(d -> ids.contains(d.driverId()) && d.state() == DeviceState.ONLINE).map(DeviceInfo::id)
                .sorted().collect(Collectors.toList());
        Instant since = clock.instant();
        framework.update(old, kept);
        Map<String, String> failed = gate(wereOnline, jar.version(), since);
        if (failed.isEmpty()) {
            if (force) {
                quarantine.remove(jar.sha256());
            }
            record(name, old.version, jar.version(), Result.UPGRADED, wereOnline.isEmpty() ? ""
                    : wereOnline.size() + " device(s) ONLINE again");
            LOG.info("Driver {} upgraded {} -> {}", name, old.version, jar.version());
            prune(jar.symbolicName());
            return new Outcome(true, "Upgraded " + name + " " + old.version + " -> " + jar.version());
        }
        String devicesFailed = failed.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
        String reason = "not ONLINE with a good reading within " + settings.timeout.toSeconds() + " s: "
                + devicesFailed;
        record(name, old.version, jar.version(), Result.UPGRADED, "health gate failed");
        quarantine.add(jar.sha256());
        framework.update(old, previous.get());
        record(name, jar.version(), old.version, Result.ROLLED_BACK, reason);
        LOG.error("Driver {} upgrade {} -> {} rolled back to {}: {} {}; {} is quarantined", name, old.version,
                jar.version(), old.version, failed.keySet(), reason, jar.version());
        prune(jar.symbolicName());
        return new Outcome(false, "Rolled back " + name + " " + jar.version() + " -> " + old.version + ": " + reason);
    }

    /** Waits until every device is ONLINE on {@code version} with a reading after {@code since}; the failures. */
    Map<String, String> gate(List<String> deviceIds, String version, Instant since) throws InterruptedException {
        Instant deadline = since.plus(settings.timeout);
        Map<String, String> failing = new LinkedHashMap<>();
        while (true) {
            failing.clear();
            Map<String, DeviceInfo> now = devices.get().stream()
                    .collect(Collectors.toMap(DeviceInfo::id, d -> d, (a, b) -> a));
            for (String id : deviceIds) {
                DeviceInfo d = now.get(id);
                if (d == null) {
                    failing.put(id, "gone");
                } else if (d.state() != DeviceState.ONLINE || !version.equals(d.driverVersion())
                        || d.lastReading() == null || d.lastReading().isBefore(since)) {
                    failing.put(id, d.state() + (d.reason() == null ? "" : ": " + d.reason()));
                }
            }
            if (failing.isEmpty() || !clock.instant().isBefore(deadline)) {
                return failing;
            }
            sleeper.sleep(GATE_POLL);
        }
    }

    /**
     * Whether FileInstall should hand this {@code deploy/} file to {@link #deployFile}: a jar with a MeterDriver
     * component, or any content of a driver bundle the vault knows (a release that lost its component must be
     * refused, not installed by FileInstall over the running one). Not synchronized: FileInstall asks while a gate
     * may be running.
     */
    public boolean handles(Path file) {
        if (!DriverJar.mayBeJar(file)) {
            return false;
        }
        try {
            DriverJar jar = DriverJar.read(file);
            return !jar.driverIds().isEmpty() || !vault.versions(jar.symbolicName()).isEmpty();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * A jar FileInstall hands over from {@code deploy/} before it touches any bundle (a new file, or a changed one
     * when {@code replaced}): exactly the shell's path, preflight before anything stops, then vault, update, health
     * gate, rollback. Refused or rolled back, the jar leaves {@code deploy/} for the quarantine folder and, when it
     * replaced the running version's file, that version's jar goes back under the file name. A new file with a
     * lower version than the running one is only noted (the higher version keeps the devices, as before).
     */
    public synchronized void deployFile(Path file, boolean replaced) {
        DriverJar jar;
        try {
            jar = DriverJar.read(file);
        } catch (IOException e) {
            LOG.error("deploy/{}: cannot read it: {}", file.getFileName(), e.getMessage());
            return;
        }
        if (restoring.remove(jar.sha256())) {
            return; // our own restore of the previous version coming back through FileInstall
        }
        takenOut.remove(file);
        Optional<Installed> old = framework.bundles(jar.symbolicName()).stream().findFirst();
        if (!replaced && old.isPresent() && Preflight.compare(jar.version(), old.get().version) < 0) {
            LOG.info("deploy/{} holds {} {}, below the running {}: left as it is", file.getFileName(),
                    jar.symbolicName(), jar.version(), old.get().version);
            return;
        }
        Optional<Path> previous = Optional.empty();
        try {
            if (replaced && old.isPresent()) {
                previous = vault.find(old.get().symbolicName, old.get().version);
            }
        } catch (IOException e) {
            LOG.warn("deploy/{}: no vault copy of {}: {}", file.getFileName(), old.get(), e.toString());
        }
        // the location FileInstall itself would give the bundle, so after a restart it knows it as this file's
        String location = file.toFile().toURI().toString();
        Outcome outcome = apply(null, location, false, location);
        if (outcome.applied) {
            deployed.put(file, jar.symbolicName() + " " + jar.version());
            return;
        }
        try {
            if (previous.isEmpty()) {
                takenOut.add(file); // deleted below: FileInstall's uninstall for it is ours
            }
            takeOut(file, jar, previous.orElse(null));
            LOG.info("deploy/{}: {} {} moved to {}{}", file.getFileName(), jar.symbolicName(), jar.version(),
                    rejected, previous.isPresent() ? "; the previous jar is back under its name" : "");
        } catch (IOException e) {
            takenOut.remove(file);
            LOG.error("deploy/{}: could not move the rejected jar out: {}", file.getFileName(), e.toString());
        }
    }

    /**
     * A {@code deploy/} file deleted: {@code driver-remove} of the bundle it brought in, unless this flow took the
     * file out itself or another file's version runs now.
     */
    public synchronized void deployFileRemoved(Path file) {
        if (takenOut.remove(file)) {
            return;
        }
        String brought = deployed.remove(file);
        Optional<Installed> running;
        if (brought != null) {
            String[] bsnVersion = brought.split(" ", 2);
            running = framework.bundles(bsnVersion[0]).stream().filter(b -> b.version.equals(bsnVersion[1]))
                    .findFirst();
        } else {
            running = framework.located(file.toFile().toURI().toString()); // installed from it before a restart
        }
        if (running.isEmpty()) {
            LOG.info("deploy/{} removed; no driver running from it", file.getFileName());
            return;
        }
        removeBundle(running.get(), driverName(running.get()));
    }

    /** The driver ids of a running bundle, from its vault copy; its symbolic name when there is none. */
    private String driverName(Installed bundle) {
        try {
            Optional<Path> kept = vault.find(bundle.symbolicName, bundle.version);
            if (kept.isPresent()) {
                List<String> ids = DriverJar.read(kept.get()).driverIds();
                if (!ids.isEmpty()) {
                    return String.join(",", ids);
                }
            }
        } catch (IOException e) {
            LOG.debug("no driver ids for {}: {}", bundle, e.toString());
        }
        return bundle.symbolicName;
    }

    /** The driver ids any kept version of the bundle provides. */
    public Set<String> driverIdsOf(String symbolicName) {
        Set<String> ids = new TreeSet<>();
        try {
            for (Path p : vault.versions(symbolicName)) {
                ids.addAll(DriverJar.read(p).driverIds());
            }
        } catch (IOException e) {
            LOG.debug("driver ids of {}: {}", symbolicName, e.toString());
        }
        return ids;
    }

    /** Whether the vault holds a version of this bundle: a driver the gateway has seen. */
    public boolean knows(String symbolicName) {
        if (symbolicName == null) {
            return false; // a legacy bundle without one is no driver
        }
        try {
            return !vault.versions(symbolicName).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A driver bundle someone else updated (Karaf's FeaturesService on {@code feature:install --upgrade} or
     * {@code feature:update}, {@code bundle:update}): it has changed already, so there is no preflight, but the
     * health gate runs, and on failure the version before ({@code from}, kept in the vault when it started) comes
     * back and the new content, when it can be read from the bundle's location, is quarantined.
     *
     * @param wereOnline the driver's devices that read within one gate timeout before the bundle stopped
     */
    public synchronized void updatedElsewhere(Installed bundle, String from, List<String> wereOnline,
            Instant since) {
        if (from.isEmpty() || from.equals(bundle.version) && wereOnline.isEmpty()) {
            keepRunning(bundle);
            return;
        }
        Optional<Path> previous;
        try {
            previous = vault.find(bundle.symbolicName, from);
        } catch (IOException e) {
            previous = Optional.empty();
        }
        Optional<DriverJar> now = fromLocation(bundle);
        String name = now.map(j -> String.join(",", j.driverIds())).filter(n -> !n.isEmpty())
                .orElse(previous.isPresent() ? driverName(new Installed(bundle.bundleId, bundle.symbolicName, from,
                        bundle.location)) : bundle.symbolicName);
        try {
            Map<String, String> failed;
            if (now.isPresent() && quarantine.hashes().contains(now.get().sha256())) {
                failed = new LinkedHashMap<>();
                for (String id : wereOnline.isEmpty() ? List.of("-") : wereOnline) {
                    failed.put(id, "quarantined content");
                }
            } else {
                record(name, from, bundle.version, Result.UPGRADED, "updated outside meter2mqtt (feature or "
                        + "bundle:update)");
                failed = gate(wereOnline, bundle.version, since);
            }
            if (failed.isEmpty()) {
                LOG.info("Driver {} updated {} -> {} outside meter2mqtt passed its health gate", name, from,
                        bundle.version);
                prune(bundle.symbolicName);
                return;
            }
            String reason = failed.containsValue("quarantined content") ? bundle.version + " is quarantined"
                    : "not ONLINE with a good reading within " + settings.timeout.toSeconds() + " s: "
                            + failed.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                                    .collect(Collectors.joining(", "));
            if (previous.isEmpty()) {
                LOG.error("Driver {} {} -> {} failed its health gate ({}) and no copy of {} is kept: not rolled back",
                        name, from, bundle.version, reason, from);
                return;
            }
            if (now.isPresent()) {
                quarantine.add(now.get().sha256());
            }
            framework.update(bundle, previous.get());
            record(name, bundle.version, from, Result.ROLLED_BACK, reason);
            LOG.error("Driver {} upgrade {} -> {} rolled back to {}: {} {}; {} is quarantined", name, from,
                    bundle.version, from, failed.keySet(), reason, now.isPresent() ? bundle.version
                            : "nothing (its content could not be read)");
            prune(bundle.symbolicName);
        } catch (Exception e) {
            LOG.error("Driver {} {} -> {}: health gate or rollback failed: {}", name, from, bundle.version,
                    e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What the bundle runs, read from its location and kept in the vault, when the location holds that version
     * (Karaf keeps the old location when it updates a bundle in place).
     */
    private Optional<DriverJar> fromLocation(Installed bundle) {
        Path copy = null;
        try {
            copy = stage(bundle.location);
            DriverJar jar = DriverJar.read(copy);
            if (!jar.version().equals(bundle.version)) {
                return Optional.empty();
            }
            return Optional.of(DriverJar.read(vault.keep(jar)));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{} cannot be read from {}: {}", bundle, bundle.location, e.toString());
            return Optional.empty();
        } finally {
            deleteQuietly(copy);
        }
    }

    /**
     * A jar in {@code deploy/} that FileInstall installed or updated by itself (over the old file, or beside it
     * under another name). It gets the same checks, after the fact: refused or failing its gate, it is taken out
     * of {@code deploy/} (kept under the quarantine folder, where FileInstall does not look) and, when it replaced
     * the old jar's file, the previous version goes back under that file name so FileInstall reinstalls it.
     *
     * @param from the version it replaced, empty for a first install
     * @param wereOnline the driver's devices that were ONLINE just before
     * @param inPlace true when it replaced the old version's file, false when it came beside it
     */
    public synchronized void deployed(String from, List<String> wereOnline, Path file, Instant since,
            boolean inPlace) {
        DriverJar jar;
        try {
            jar = DriverJar.read(file);
        } catch (IOException e) {
            LOG.warn("deploy/: cannot read {}: {}", file, e.getMessage());
            return;
        }
        if (restoring.remove(jar.sha256())) {
            return; // our own rollback coming back through FileInstall
        }
        String name = jar.driverIds().isEmpty() ? jar.symbolicName() : String.join(",", jar.driverIds());
        try {
            Optional<String> why = settings.preflight.refusal(jar, quarantine.hashes(), false);
            if (from.isEmpty()) {
                if (why.isPresent()) {
                    takeOut(file, jar, null);
                    refused(name, "", jar.version(), why.get() + "; moved out of deploy/");
                } else {
                    vault.keep(jar);
                    record(name, "", jar.version(), Result.INSTALLED, "deploy/" + file.getFileName());
                }
                return;
            }
            Optional<Path> previous = inPlace ? vault.find(jar.symbolicName(), from) : Optional.empty();
            if (why.isPresent()) {
                takeOut(file, jar, previous.orElse(null));
                refused(name, from, jar.version(), why.get() + "; " + from + " back in deploy/");
                return;
            }
            vault.keep(jar);
            record(name, from, jar.version(), Result.UPGRADED, "deploy/" + file.getFileName());
            Map<String, String> failed = gate(wereOnline, jar.version(), since);
            if (failed.isEmpty()) {
                LOG.info("Driver {} upgraded {} -> {} from deploy/", name, from, jar.version());
                return;
            }
            if (!Files.exists(file) || !jar.sha256().equals(DriverJar.sha256(file))) {
                // the operator removed or replaced the jar during the gate: FileInstall follows that, not us
                LOG.info("deploy/{} changed during its health gate; no rollback", file.getFileName());
                return;
            }
            String reason = "not ONLINE with a good reading within " + settings.timeout.toSeconds() + " s: "
                    + failed.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                            .collect(Collectors.joining(", "));
            quarantine.add(jar.sha256());
            takeOut(file, jar, previous.orElse(null));
            record(name, jar.version(), from, Result.ROLLED_BACK, reason);
            LOG.error("Driver {} upgrade {} -> {} rolled back to {}: {} {}; {} is quarantined", name, from,
                    jar.version(), from, failed.keySet(), reason, jar.version());
        } catch (IOException | InterruptedException e) {
            LOG.error("deploy/: checking {} failed: {}", file, e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Keeps the rejected jar under the quarantine folder, then either puts {@code previous} in its place (FileInstall
     * updates the bundle back) or removes the file (FileInstall uninstalls it; an older copy beside it takes over).
     */
    private void takeOut(Path file, DriverJar jar, Path previous) throws IOException {
        Files.createDirectories(rejected);
        String base = file.getFileName().toString().replaceAll("\\.jar$", "");
        Files.copy(file, rejected.resolve(base + "-" + jar.version() + "-" + jar.sha256().substring(0, 12) + ".jar"),
                StandardCopyOption.REPLACE_EXISTING);
        if (previous == null) {
            Files.delete(file);
            return;
        }
        // written outside deploy/ first: FileInstall would pick up a half-written file
        Files.createDirectories(staging);
        Path tmp = Files.createTempFile(staging, "restore-", ".jar");
        Files.copy(previous, tmp, StandardCopyOption.REPLACE_EXISTING);
        restoring.add(DriverJar.sha256(tmp));
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public synchronized Outcome rollback(String driver) {
        Optional<Installed> running = framework.providing(driver);
        if (running.isEmpty()) {
            return refused(driver, "", "", "driver '" + driver + "' is not installed");
        }
        Installed b = running.get();
        try {
            keepRunning(b);
            Optional<Path> previous = olderThan(b.symbolicName, b.version);
            if (previous.isEmpty()) {
                return refused(driver, b.version, "", "no earlier version of " + b.symbolicName + " is kept");
            }
            DriverJar jar = DriverJar.read(previous.get());
            framework.update(b, previous.get());
            record(driver, b.version, jar.version(), Result.ROLLED_BACK, "asked for");
            LOG.info("Driver {} rolled back {} -> {} as asked", driver, b.version, jar.version());
            prune(b.symbolicName);
            return new Outcome(true, "Rolled back " + driver + " " + b.version + " -> " + jar.version());
        } catch (Exception e) {
            return refused(driver, b.version, "", "rollback failed: " + e);
        }
    }

    /** The newest kept version below {@code version} that is not quarantined: what a rollback goes back to. */
    private Optional<Path> olderThan(String symbolicName, String version) throws IOException {
        List<Path> kept = vault.versions(symbolicName);
        Set<String> bad = quarantine.hashes();
        for (int i = kept.size() - 1; i >= 0; i--) {
            Path p = kept.get(i);
            DriverJar j = DriverJar.read(p);
            if (Preflight.compare(j.version(), version) < 0 && !bad.contains(j.sha256())) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Outcome remove(String driver) {
        Optional<Installed> running = framework.providing(driver);
        if (running.isEmpty()) {
            return new Outcome(false, "Driver '" + driver + "' is not installed");
        }
        return removeBundle(running.get(), driver);
    }

    private Outcome removeBundle(Installed bundle, String driver) {
        try {
            keepRunning(bundle);
            framework.uninstall(bundle);
            record(driver, bundle.version, "", Result.REMOVED, "");
            LOG.info("Driver {} {} removed", driver, bundle.version);
            return new Outcome(true, "Removed " + driver + " " + bundle.version
                    + " (kept in the vault; driver-install brings it back)");
        } catch (Exception e) {
            return new Outcome(false, "Could not remove " + driver + ": " + e);
        }
    }

    @Override
    public List<Entry> history(String driver) {
        return history.entries(driver);
    }

    /** Vault housekeeping after a step: see {@link DriverVault#prune}. */
    private void prune(String symbolicName) {
        try {
            String running = framework.bundles(symbolicName).stream().map(b -> b.version).findFirst().orElse(null);
            for (Path p : vault.prune(symbolicName, running, quarantine.hashes(), settings.keep)) {
                LOG.debug("vault: {} pruned", p.getFileName());
            }
        } catch (IOException e) {
            LOG.warn("vault: pruning {} failed: {}", symbolicName, e.toString());
        }
    }

    private Outcome refused(String driver, String from, String to, String reason) {
        record(driver, from, to, Result.REFUSED, reason);
        LOG.error("Driver {} {} refused: {}", driver, to, reason);
        return new Outcome(false, "Refused: " + reason);
    }

    private void record(String driver, String from, String to, Result result, String reason) {
        try {
            history.record(new Entry(clock.instant(), driver, from, to, result, reason));
        } catch (IOException e) {
            LOG.warn("Driver history not written ({} {} -> {} {}): {}", driver, from, to, result, e.toString());
        }
    }

    /** Copies the location to a staging file, so what is checked is exactly what gets installed. */
    private Path stage(String location) throws IOException {
        Files.createDirectories(staging);
        Path tmp = Files.createTempFile(staging, "candidate-", ".jar");
        String url = location.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") && !location.matches("^[a-zA-Z]:\\\\.*")
                ? location : Path.of(location).toUri().toString();
        try (InputStream in = opener.open(url)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
        }
        return tmp;
    }
}
