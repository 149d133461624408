package org.meter2mqtt.core.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.core.upgrade.DriverFramework.Installed;
import org.meter2mqtt.core.upgrade.DriverHistory.Entry;
import org.meter2mqtt.core.upgrade.DriverHistory.Result;

/**
 * The upgrade flow against a fake framework whose devices behave as the running version says (a "bad" version's
 * sessions never come ONLINE), on a fake clock the gate's sleeps advance: refusal before anything stops, the
 * health gate, rollback from the vault, quarantine, history, and no second attempt at a quarantined jar.
 */
class DriverUpgradesTest {

    @TempDir
    Path tmp;

    private static final String COMPONENT = "<?xml version=\"1.0\"?><scr:component "
            + "xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"acme\"><property name=\"meter.driver\" "
            + "type=\"String\" value=\"acme\"/><service><provide interface=\"org.meter2mqtt.api.MeterDriver\"/>"
            + "</service><implementation class=\"com.acme.AcmeComponent\"/></scr:component>";

    /** A bundle of com.acme.meter; the class bytes say whether its sessions work. */
    private Path jar(String version, String apiRange, boolean works) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-SymbolicName", "com.acme.meter");
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", "org.meter2mqtt.api;version=\"" + apiRange + "\"");
        a.putValue("Service-Component", "OSGI-INF/acme.xml");
        Path jar = tmp.resolve("acme-" + version + (works ? "" : "-bad") + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.putNextEntry(new JarEntry("OSGI-INF/acme.xml"));
            out.write(COMPONENT.getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new JarEntry("com/acme/AcmeComponent.class"));
            out.write(((works ? "works " : "broken ") + version).getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /** One bundle slot; devices follow whatever content runs in it. */
    final class FakeFramework implements DriverFramework {
        Installed running;
        boolean works;
        final List<String> calls = new ArrayList<>();

        @Override
        public List<Installed> bundles(String symbolicName) {
            return running != null && running.symbolicName.equals(symbolicName) ? List.of(running) : List.of();
        }

        @Override
        public Optional<Installed> providing(String driverId) {
            return driverId.equals("acme") ? Optional.ofNullable(running) : Optional.empty();
        }

        @Override
        public Installed install(Path jar) throws Exception {
            load(jar, 7);
            calls.add("install " + running.version);
            return running;
        }

        @Override
        public Installed install(Path jar, String location) throws Exception {
            install(jar);
            running = new Installed(running.bundleId, running.symbolicName, running.version, location);
            return running;
        }

        @Override
        public void update(Installed bundle, Path jar) throws Exception {
            load(jar, bundle.bundleId);
            calls.add("update " + running.version);
        }

        @Override
        public void uninstall(Installed bundle) {
            calls.add("uninstall " + bundle.version);
            running = null;
        }

        private void load(Path jar, long id) throws IOException {
            DriverJar j = DriverJar.read(jar);
            running = new Installed(id, j.symbolicName(), j.version(), "meter2mqtt:driver:" + j.symbolicName());
            try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
                works = new String(f.getInputStream(f.getEntry("com/acme/AcmeComponent.class")).readAllBytes(),
                        StandardCharsets.UTF_8).startsWith("works");
            }
            readingAt = now;
        }
    }

    Instant now = Instant.parse("2026-12-04T12:00:00Z");
    Instant readingAt = now;
    final FakeFramework fw = new FakeFramework();
    DriverUpgrades flow;
    /** What the candidate's driver says about itself (null: cannot be probed). */
    org.meter2mqtt.api.DriverDescription describes;
    java.util.Map<String, String> deviceConfig = java.util.Map.of();

    private List<DeviceInfo> devices() {
        List<DeviceInfo> out = new ArrayList<>();
        for (String id : List.of("acme-1", "acme-2")) {
            boolean online = fw.running != null && fw.works;
            out.add(DeviceInfo.builder(id, online ? DeviceState.ONLINE : fw.running == null
                    ? DeviceState.WAITING_FOR_DRIVER : DeviceState.OFFLINE)
                    .driver("acme", fw.running == null ? null : fw.running.version)
                    .reason(online ? null : "session failed").config(deviceConfig)
                    // a working version reads a moment after it starts
                    .counters(1, 0, online ? readingAt.plusMillis(500) : null, null, null).build());
        }
        out.add(DeviceInfo.builder("other", DeviceState.ONLINE).driver("demo", "1.0.0").build());
        return out;
    }

    private DriverUpgrades.Settings settings(boolean signed) {
        return new DriverUpgrades.Settings(Duration.ofSeconds(10), new Preflight("1.2.0", signed, null));
    }

    @BeforeEach
    void setUp() throws IOException {
        flow = newFlow();
    }

    private DriverUpgrades newFlow() throws IOException {
        Clock clock = new Clock() {
            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        return new DriverUpgrades(fw, this::devices, tmp.resolve("data/drivers"),
                url -> java.net.URI.create(url).toURL().openStream(), (jar, id) -> Optional.ofNullable(describes),
                clock, d -> now = now.plus(d), settings(false));
    }

    private List<Result> results() {
        return flow.history("acme").stream().map(e -> e.result).collect(java.util.stream.Collectors.toList());
    }

    @Test
    void firstInstallThenAGoodUpgradeStays() throws Exception {
        assertThat(flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false).applied).isTrue();
        DriverManagement.Outcome up = flow.upgrade("acme", jar("1.1.0", "[1.1,2)", true).toString());
        assertThat(up.applied).as(up.message).isTrue();
        assertThat(fw.running.version).isEqualTo("1.1.0");
        assertThat(fw.calls).containsExactly("install 1.0.0", "update 1.1.0");
        assertThat(results()).containsExactly(Result.INSTALLED, Result.UPGRADED);
        assertThat(flow.history("acme").get(1).toString()).contains("1.0.0 -> 1.1.0");
    }

    @Test
    void aVersionWhoseSessionsFailIsRolledBackQuarantinedAndNotTriedAgain() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        Path bad = jar("1.1.0", "[1.1,2)", false);
        Instant start = now;
        DriverManagement.Outcome out = flow.upgrade("acme", bad.toString());
        assertThat(out.applied).isFalse();
        assertThat(out.message).contains("Rolled back acme 1.1.0 -> 1.0.0").contains("acme-1 (OFFLINE: session failed)")
                .contains("acme-2").doesNotContain("other");
        assertThat(Duration.between(start, now)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(11));
        assertThat(fw.running.version).isEqualTo("1.0.0");
        assertThat(fw.works).isTrue();
        assertThat(fw.calls).containsExactly("install 1.0.0", "update 1.1.0", "update 1.0.0");
        List<Entry> h = flow.history("acme");
        assertThat(h).extracting(e -> e.result).containsExactly(Result.INSTALLED, Result.UPGRADED,
                Result.ROLLED_BACK);
        assertThat(h.get(2).from + "->" + h.get(2).to).isEqualTo("1.1.0->1.0.0");

        // the same content again is refused before anything stops, also after a restart
        flow = newFlow();
        out = flow.upgrade("acme", bad.toString());
        assertThat(out.message).contains("quarantined");
        assertThat(fw.calls).hasSize(3);
        assertThat(results()).endsWith(Result.REFUSED);
        // --force asks for it explicitly (and it fails and rolls back again: still no loop)
        out = flow.install(bad.toString(), true);
        assertThat(out.message).contains("Rolled back");
        assertThat(fw.calls).containsExactly("install 1.0.0", "update 1.1.0", "update 1.0.0", "update 1.1.0",
                "update 1.0.0");
    }

    @Test
    void refusalsHappenBeforeAnythingStops() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        record Case(String location, String why) {
        }
        Path notAJar = Files.writeString(tmp.resolve("notes.jar"), "not a zip");
        List<Case> table = List.of(
                new Case(jar("2.0.0", "[2.0,3)", true).toString(), "needs org.meter2mqtt.api [2.0,3)"),
                new Case(notAJar.toString(), "cannot read"),
                new Case(tmp.resolve("missing.jar").toString(), "cannot read"));
        for (Case c : table) {
            DriverManagement.Outcome out = flow.upgrade("acme", c.location);
            assertThat(out.applied).as(c.location).isFalse();
            assertThat(out.message).as(c.location).contains(c.why);
        }
        assertThat(fw.calls).containsExactly("install 1.0.0");
        assertThat(results()).containsExactly(Result.INSTALLED, Result.REFUSED, Result.REFUSED, Result.REFUSED);
        assertThat(Files.list(tmp.resolve("data/drivers/staging"))).isEmpty();
    }

    @Test
    void anUpgradeNamingAnotherDriverOrAnUninstalledOneIsRefused() throws Exception {
        assertThat(flow.upgrade("acme", jar("1.1.0", "[1.1,2)", true).toString()).message)
                .contains("not installed");
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        assertThat(flow.upgrade("dsmr", jar("1.1.0", "[1.1,2)", true).toString()).message)
                .contains("not installed");
        assertThat(fw.calls).containsExactly("install 1.0.0");
    }

    @Test
    void aRequestedRollbackNeverGoesToAQuarantinedOrNewerVersion() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        flow.upgrade("acme", jar("1.1.0", "[1.1,2)", true).toString());
        flow.upgrade("acme", jar("1.3.0", "[1.1,2)", false).toString()); // rolled back to 1.1.0, 1.3.0 quarantined
        assertThat(fw.running.version).isEqualTo("1.1.0");
        assertThat(flow.rollback("acme").message).contains("1.1.0 -> 1.0.0");
        assertThat(flow.rollback("acme").message).contains("no earlier version");
        assertThat(fw.running.version).isEqualTo("1.0.0");
    }

    @Test
    void rollbackOnRequestAndRemoveAreInTheHistory() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        flow.upgrade("acme", jar("1.1.0", "[1.1,2)", true).toString());
        assertThat(flow.rollback("acme").message).contains("1.1.0 -> 1.0.0");
        assertThat(fw.running.version).isEqualTo("1.0.0");
        assertThat(flow.remove("acme").applied).isTrue();
        assertThat(fw.running).isNull();
        assertThat(flow.rollback("acme").applied).isFalse();
        assertThat(results()).containsExactly(Result.INSTALLED, Result.UPGRADED, Result.ROLLED_BACK, Result.REMOVED,
                Result.REFUSED);
        // the removed version is still in the vault: it can come back
        assertThat(new DriverVault(tmp.resolve("data/drivers/jars")).find("com.acme.meter", "1.0.0")).isPresent();
    }

    // ---- deploy/: FileInstall installed or updated the jar itself; the flow checks after the fact

    private Path dropInDeploy(Path jar, String name) throws Exception {
        Path deploy = Files.createDirectories(tmp.resolve("deploy"));
        Path file = deploy.resolve(name);
        Files.copy(jar, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    @Test
    void aBadJarDroppedOverTheOldFileIsReplacedByThePreviousVersionAndKeptAside() throws Exception {
        Path file = dropInDeploy(jar("1.0.0", "[1.1,2)", true), "acme.jar");
        fw.install(file);
        flow.deployed("", List.of(), file, now, true);
        byte[] v1 = Files.readAllBytes(file);

        Path bad = jar("1.1.0", "[1.1,2)", false);
        Files.copy(bad, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        fw.update(fw.running, file); // what FileInstall did
        flow.deployed("1.0.0", List.of("acme-1", "acme-2"), file, now, true);

        assertThat(Files.readAllBytes(file)).as("deploy/acme.jar shows what runs again").isEqualTo(v1);
        try (var rejected = Files.list(tmp.resolve("data/drivers/quarantine"))) {
            assertThat(rejected.map(p -> p.getFileName().toString())).singleElement().asString()
                    .startsWith("acme-1.1.0-");
        }
        assertThat(results()).containsExactly(Result.INSTALLED, Result.UPGRADED, Result.ROLLED_BACK);
        // FileInstall now updates the bundle with the restored file: that is the rollback, not a new step
        fw.update(fw.running, file);
        flow.deployed("1.1.0", List.of(), file, now, true);
        assertThat(results()).hasSize(3);
        assertThat(fw.running.version).isEqualTo("1.0.0");
        // the same bad jar dropped again is refused at once (quarantined), and taken out again: no loop
        Files.copy(bad, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        fw.update(fw.running, file);
        Instant before = now;
        flow.deployed("1.0.0", List.of("acme-1", "acme-2"), file, now, true);
        assertThat(now).as("no health gate wait").isEqualTo(before);
        assertThat(Files.readAllBytes(file)).isEqualTo(v1);
        assertThat(results()).endsWith(Result.REFUSED);
    }

    @Test
    void deployRefusalsAndABadJarBesideTheOldOne() throws Exception {
        Path file = dropInDeploy(jar("1.0.0", "[1.1,2)", true), "acme.jar");
        fw.install(file);
        flow.deployed("", List.of(), file, now, true);
        record Case(Path jar, boolean inPlace, String why) {
        }
        for (Case c : List.of(new Case(jar("2.0.0", "[2.0,3)", true), true, "needs org.meter2mqtt.api [2.0,3)"),
                new Case(jar("2.0.0", "[2.0,3)", true), false, "needs org.meter2mqtt.api [2.0,3)"),
                new Case(jar("1.1.0", "[1.1,2)", false), false, "not ONLINE"))) {
            Path dropped = c.inPlace ? file : dropInDeploy(c.jar, "acme-new.jar");
            if (c.inPlace) {
                Files.copy(c.jar, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Installed old = fw.running;
            fw.update(fw.running, dropped);
            flow.deployed("1.0.0", List.of("acme-1"), dropped, now, c.inPlace);
            if (!c.inPlace) {
                assertThat(dropped).as("taken out of deploy/").doesNotExist();
                fw.update(old, file); // FileInstall uninstalled the new copy: the old one serves again
            }
            assertThat(DriverJar.read(file).version()).isEqualTo("1.0.0");
            assertThat(flow.history("acme").get(flow.history("acme").size() - 1).reason).as(c.why).contains(c.why);
        }
    }

    // ---- deploy/ through FileInstall's ArtifactInstaller: the flow decides before any bundle changes

    @Test
    void aRefusedJarDroppedOverTheOldFileStopsNothingAndThePreviousJarComesBack() throws Exception {
        Path file = dropInDeploy(jar("1.0.0", "[1.1,2)", true), "acme.jar");
        assertThat(flow.handles(file)).isTrue();
        flow.deployFile(file, false);
        assertThat(fw.calls).containsExactly("install 1.0.0");
        assertThat(fw.running.location).isEqualTo(file.toFile().toURI().toString());
        byte[] v1 = Files.readAllBytes(file);

        Path api2 = jar("2.0.0", "[2.0,3)", true);
        assertThat(flow.handles(api2)).as("a driver jar FileInstall must not install itself").isTrue();
        Files.copy(api2, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        flow.deployFile(file, true);
        assertThat(fw.calls).as("nothing stopped").containsExactly("install 1.0.0");
        assertThat(Files.readAllBytes(file)).as("deploy/acme.jar shows what runs").isEqualTo(v1);
        try (var rejected = Files.list(tmp.resolve("data/drivers/quarantine"))) {
            assertThat(rejected.map(p -> p.getFileName().toString())).singleElement().asString()
                    .startsWith("acme-2.0.0-");
        }
        assertThat(results()).containsExactly(Result.INSTALLED, Result.REFUSED);
        // FileInstall reports the restored file as changed: no new step
        flow.deployFile(file, true);
        assertThat(fw.calls).hasSize(1);
        assertThat(results()).hasSize(2);
        // deleting it afterwards is still driver-remove
        Files.delete(file);
        flow.deployFileRemoved(file);
        assertThat(fw.running).isNull();
        assertThat(results()).endsWith(Result.REMOVED);
    }

    @Test
    void aBadJarThroughTheInstallerIsRolledBackAndDeletingTheFileRemovesTheDriver() throws Exception {
        Path file = dropInDeploy(jar("1.0.0", "[1.1,2)", true), "acme.jar");
        flow.deployFile(file, false);
        byte[] v1 = Files.readAllBytes(file);
        Files.copy(jar("1.1.0", "[1.1,2)", false), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        flow.deployFile(file, true);
        assertThat(fw.calls).containsExactly("install 1.0.0", "update 1.1.0", "update 1.0.0");
        assertThat(Files.readAllBytes(file)).isEqualTo(v1);
        assertThat(results()).containsExactly(Result.INSTALLED, Result.UPGRADED, Result.ROLLED_BACK);

        // beside it under another name: a good newer version takes over; an older one is left alone
        Path beside = dropInDeploy(jar("1.2.0", "[1.1,2)", true), "acme-1.2.jar");
        flow.deployFile(beside, false);
        assertThat(fw.running.version).isEqualTo("1.2.0");
        Path older = dropInDeploy(jar("0.9.0", "[1.1,2)", true), "acme-0.9.jar");
        flow.deployFile(older, false);
        assertThat(fw.running.version).isEqualTo("1.2.0");
        // deleting the file whose version no longer runs removes nothing; deleting the running one's is driver-remove
        Files.delete(file);
        flow.deployFileRemoved(file);
        assertThat(fw.running).isNotNull();
        Files.delete(beside);
        flow.deployFileRemoved(beside);
        assertThat(fw.running).isNull();
        assertThat(results()).endsWith(Result.UPGRADED, Result.REMOVED);
        assertThat(flow.history("acme").get(flow.history("acme").size() - 1).driver).isEqualTo("acme");
    }

    @Test
    void theVaultKeepsTheRunningVersionTheOneBeforeQuarantinedOnesAndVaultKeepInAll() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        for (String v : List.of("1.1.0", "1.2.0", "1.3.0", "1.4.0")) {
            assertThat(flow.upgrade("acme", jar(v, "[1.1,2)", true).toString()).applied).isTrue();
        }
        flow.upgrade("acme", jar("1.5.0", "[1.1,2)", false).toString()); // rolled back, quarantined
        DriverVault vault = new DriverVault(tmp.resolve("data/drivers/jars"));
        assertThat(vault.versions("com.acme.meter")).extracting(p -> p.getFileName().toString().split("-")[0])
                .containsExactly("1.2.0", "1.3.0", "1.4.0", "1.5.0");
        // a rollback on request goes to 1.3.0; 1.2.0 (the one before it) stays, 1.4.0 is the newest third
        assertThat(flow.rollback("acme").message).contains("1.4.0 -> 1.3.0");
        assertThat(vault.versions("com.acme.meter")).extracting(p -> p.getFileName().toString().split("-")[0])
                .containsExactly("1.2.0", "1.3.0", "1.4.0", "1.5.0");
        assertThat(flow.rollback("acme").message).contains("1.3.0 -> 1.2.0");
        assertThat(flow.rollback("acme").message).as("1.1.0 was pruned").contains("no earlier version");
        // pruning alone: keep 2 leaves the running one and the one before it, and the quarantined content
        assertThat(vault.prune("com.acme.meter", "1.3.0", java.util.Set.of(), 2)).hasSize(2);
        assertThat(vault.versions("com.acme.meter")).extracting(p -> p.getFileName().toString().split("-")[0])
                .containsExactly("1.2.0", "1.3.0");
    }

    @Test
    void aRunningBundleIsCopiedAndHashedOnceUntilItsLocationChanges() throws Exception {
        Path located = jar("1.0.0", "[1.1,2)", true);
        List<String> opened = new ArrayList<>();
        java.util.function.Supplier<DriverUpgrades> counting = () -> {
            try {
                return new DriverUpgrades(fw, this::devices, tmp.resolve("data/drivers"), url -> {
                    opened.add(url);
                    return java.net.URI.create(url).toURL().openStream();
                }, (jar, id) -> Optional.empty(), Clock.systemUTC(), d -> { }, settings(false));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
        Installed b = new Installed(3, "com.acme.meter", "1.0.0", located.toUri().toString(), 1000);
        counting.get().keepRunning(b);
        assertThat(opened).hasSize(1);
        assertThat(new DriverVault(tmp.resolve("data/drivers/jars")).find("com.acme.meter", "1.0.0")).isPresent();
        // the next start: same location, time and size, not even opened
        counting.get().keepRunning(b);
        assertThat(opened).hasSize(1);
        // updated in place (a feature update keeps the location): looked at again
        counting.get().keepRunning(new Installed(3, "com.acme.meter", "1.1.0", located.toUri().toString(), 2000));
        assertThat(opened).hasSize(2);
    }

    @Test
    void aBundleUpdatedElsewhereIsGatedAfterTheFactAndRolledBackFromTheVault() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        // what Karaf's FeaturesService does on a feature upgrade: the bundle changes without this flow
        Path bad = jar("1.1.0", "[1.1,2)", false);
        fw.update(fw.running, bad);
        fw.running = new Installed(fw.running.bundleId, fw.running.symbolicName, fw.running.version,
                bad.toUri().toString(), 5);
        flow.updatedElsewhere(fw.running, "1.0.0", List.of("acme-1", "acme-2"), now);
        assertThat(fw.running.version).isEqualTo("1.0.0");
        assertThat(fw.works).isTrue();
        assertThat(results()).containsExactly(Result.INSTALLED, Result.UPGRADED, Result.ROLLED_BACK);
        assertThat(flow.history("acme").get(1).reason).contains("outside meter2mqtt");
        // its content was read from the location: quarantined, so the shell refuses it too
        assertThat(flow.upgrade("acme", bad.toString()).message).contains("quarantined");
        // a good version updated elsewhere stays
        Path good = jar("1.2.0", "[1.1,2)", true);
        fw.update(fw.running, good);
        flow.updatedElsewhere(fw.running, "1.0.0", List.of("acme-1", "acme-2"), now);
        assertThat(fw.running.version).isEqualTo("1.2.0");
        assertThat(results()).endsWith(Result.UPGRADED);
    }

    @Test
    void onlyDriverJarsAreTakenFromFileInstall() throws Exception {
        Path plain = tmp.resolve("library.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", "some.library");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(plain), mf)) {
            out.putNextEntry(new JarEntry("x.txt"));
        }
        assertThat(flow.handles(plain)).isFalse();
        assertThat(flow.handles(Files.writeString(tmp.resolve("half.jar"), "PK"))).isFalse();
        assertThat(flow.handles(jar("1.0.0", "[1.1,2)", true))).isTrue();
        assertThat(flow.knows(null)).as("a bundle without a symbolic name").isFalse();
    }

    @Test
    void onlyFilesThatStartAsZipArchivesAreOpenedAsJars() throws Exception {
        Path driver = jar("1.0.0", "[1.1,2)", true);
        Path renamed = Files.copy(driver, tmp.resolve("driver-without-extension"));
        assertThat(DriverJar.mayBeJar(driver)).isTrue();
        assertThat(DriverJar.mayBeJar(renamed)).as("the content decides, not the name").isTrue();
        assertThat(flow.handles(renamed)).isTrue();
        assertThat(DriverJar.mayBeJar(Files.writeString(tmp.resolve("README"), "Drop driver jars here."))).isFalse();
        assertThat(DriverJar.mayBeJar(Files.writeString(tmp.resolve("short.jar"), "PK"))).isFalse();
        assertThat(DriverJar.mayBeJar(tmp.resolve("gone.jar"))).isFalse();
        assertThat(DriverJar.mayBeJar(tmp)).as("a folder").isFalse();
    }

    @Test
    void aVersionThatNoLongerAcceptsAKeyADeviceUsesIsRefusedBeforeAnythingStops() throws Exception {
        flow.install(jar("1.0.0", "[1.1,2)", true).toString(), false);
        deviceConfig = java.util.Map.of("driver", "acme", "poll.interval", "5", "mqtt.retain", "true",
                "tariff", "2");
        org.meter2mqtt.api.DriverDescription.Builder b = org.meter2mqtt.api.DriverDescription.builder("acme")
                .model(new org.meter2mqtt.api.ModelDescription("basic", "Acme", "Acme", List.of(
                        org.meter2mqtt.api.Channel.builder("x").build())));
        describes = b.build(); // 1.1.0 dropped the "tariff" key
        DriverManagement.Outcome out = flow.upgrade("acme", jar("1.1.0", "[1.1,2)", true).toString());
        assertThat(out.applied).isFalse();
        assertThat(out.message).contains("no longer accepts").contains("acme-1 uses 'tariff'")
                .doesNotContain("poll.interval").doesNotContain("mqtt.retain");
        assertThat(fw.calls).containsExactly("install 1.0.0");
        // a version that keeps the key goes ahead
        describes = b.configKey(org.meter2mqtt.api.ConfigKey.builder("tariff", org.meter2mqtt.api.ConfigKey.Type.INTEGER)
                .build()).build();
        assertThat(flow.upgrade("acme", jar("1.2.0", "[1.1,2)", true).toString()).applied).isTrue();
    }
}
