package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceState;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.BundleContext;

/**
 * Driver upgrades through the real distribution and the shell, on variants of the test driver jar: a version whose
 * counter sessions crash is rolled back within the (short) timeout with its devices ONLINE again on the old version
 * and their state kept, quarantined and not tried again; a good version stays; a version needing API 2.0 is refused
 * before anything stops; with require.signature a tampered or unsigned jar is refused and a signed one accepted.
 * A demo device polled every second sees no gap through all of it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DriverUpgradeIT extends GatewayTestSupport {

    private static final int TIMEOUT_S = 8;

    /** When the devices read, to see that no step costs a gap where it must not. */
    private ReadingTimes readings;

    @Inject
    BundleContext bundleContext;

    @Configuration
    public Option[] config() {
        return baseOptions(editConfigurationFilePut("etc/org.meter2mqtt.drivers.cfg", "upgrade.timeout.s",
                Integer.toString(TIMEOUT_S)), keepRuntimeFolderOnRequest());
    }

    @Test
    public void upgradesAreGatedRolledBackRefusedAndChecked() throws Exception {
        Path source = Paths.get(System.getProperty("meter2mqtt.testdriver.jar"));
        assertTrue("test driver jar " + source, Files.exists(source));
        Path work = Paths.get(System.getProperty("karaf.data"), "tmp", "upgrade-it");
        Files.createDirectories(work);
        Path v1 = variant(source, work.resolve("v1.jar"), "1.0.0", false);
        // installs and starts fine, but every poll of the counter fails (the fail-sessions entry)
        Path bad = variant(source, work.resolve("v1.1-bad.jar"), "1.1.0", true);
        Path good = variant(source, work.resolve("v1.2.jar"), "1.2.0", false);
        Path api2 = variant(source, work.resolve("v2.jar"), "2.0.0", false);
        rewriteApiImport(api2, "[2.0,3)");

        writeCfg("it-bystander", "driver = demo", "poll.interval = 1");
        awaitState("it-bystander", DeviceState.ONLINE, 20);
        readings = recordReadingTimes();
        try {
            // first: the vault has never seen the test driver, so the feature's 1.0.0 must be kept when it starts
            featureUpgrade(source, work);
            deployFolder(source, work);

            // first install through the shell
            String out = executeCommand("meter:driver-install " + v1.toUri());
            assertTrue(out, out.contains("Installed") && out.contains("1.0.0"));
            writeCfg("it-up-1", "driver = counter");
            writeCfg("it-up-2", "driver = counter");
            awaitState("it-up-1", DeviceState.ONLINE, 20);
            awaitState("it-up-2", DeviceState.ONLINE, 20);
            await("count reaches 3", 20, () -> count("it-up-1") >= 3);

            // a version whose sessions fail: rolled back within the timeout
            long before = count("it-up-1");
            Instant start = Instant.now();
            out = executeCommand("meter:driver-upgrade counter " + bad.toUri());
            Duration took = Duration.between(start, Instant.now());
            assertTrue(out, out.contains("Rolled back counter 1.1.0 -> 1.0.0") && out.contains("it-up-1")
                    && out.contains("it-up-2"));
            assertTrue("rollback took " + took, took.toSeconds() < TIMEOUT_S + 10);
            awaitState("it-up-1", DeviceState.ONLINE, 20);
            awaitState("it-up-2", DeviceState.ONLINE, 20);
            assertEquals("1.0.0", registry.device("it-up-1").get().driverVersion());
            await("counting on from the kept state", 20, () -> count("it-up-1") > before);
            String log = String.join("\n", karafLogMatches(0, ".*ERROR.*Driver counter upgrade 1.0.0 -> 1.1.0 "
                    + "rolled back to 1.0.0.*"));
            assertTrue("ERROR line naming driver, versions and devices: " + log, log.contains("it-up-1"));

            // quarantined: the same jar is not installed again, nothing stops
            out = executeCommand("meter:driver-upgrade counter " + bad.toUri());
            assertTrue(out, out.contains("quarantined"));
            assertEquals("1.0.0", registry.device("it-up-1").get().driverVersion());

            // a version needing API 2.0 is refused before anything stops
            long readsBefore = registry.device("it-up-1").get().readingCount();
            out = executeCommand("meter:driver-upgrade counter " + api2.toUri());
            assertTrue(out, out.contains("Refused") && out.contains("needs org.meter2mqtt.api [2.0,3)"));
            assertEquals("1.0.0", registry.device("it-up-1").get().driverVersion());
            assertEquals(DeviceState.ONLINE, state("it-up-1"));
            await("still reading", 10, () -> registry.device("it-up-1").get().readingCount() > readsBefore);

            // a good version stays
            out = executeCommand("meter:driver-upgrade counter " + good.toUri());
            assertTrue(out, out.contains("Upgraded counter 1.0.0 -> 1.2.0"));
            assertEquals("1.2.0", registry.device("it-up-1").get().driverVersion());
            assertEquals(DeviceState.ONLINE, state("it-up-1"));

            String history = executeCommand("meter:driver-history counter");
            assertTrue(history, history.contains("1.0.0 -> 1.1.0") && history.contains("1.1.0 -> 1.0.0")
                    && history.contains("rolled back") && history.contains("refused")
                    && history.contains("1.0.0 -> 1.2.0") && history.contains("installed"));

            signatures(source, work);

            // back one version on request, then removed; the history lists every step
            out = executeCommand("meter:driver-rollback counter");
            assertTrue(out, out.contains("Rolled back counter 1.3.0 -> 1.2.0"));
            await("1.2.0 serves again", 20, () -> "1.2.0".equals(registry.device("it-up-1").get().driverVersion())
                    && state("it-up-1") == DeviceState.ONLINE);
            out = executeCommand("meter:driver-remove counter");
            assertTrue(out, out.contains("Removed counter 1.2.0"));
            awaitState("it-up-1", DeviceState.WAITING_FOR_DRIVER, 20);
            history = executeCommand("meter:driver-history");
            assertTrue(history, history.contains("removed") && history.contains("1.3.0 -> 1.2.0"));

            // mvn: coordinates from the configured Maven repositories (the reactor's local one here)
            out = executeCommand("meter:driver-install mvn:org.meter2mqtt/org.meter2mqtt.itests.testdriver/"
                    + System.getProperty("meter2mqtt.itest.version", "0.1.0-SNAPSHOT"));
            assertTrue(out, out.contains("Installed counter"));
            awaitState("it-up-1", DeviceState.ONLINE, 20);

            List<Instant> seen = readings.of("it-bystander");
            assertTrue("bystander readings " + seen.size(), seen.size() >= 20);
            long maxGapMs = maxGapMs(seen);
            assertTrue("bystander gap " + maxGapMs + " ms", maxGapMs < 2_500);
        } finally {
            readings.close();
            Files.deleteIfExists(cfg("it-up-1"));
            Files.deleteIfExists(cfg("it-up-2"));
            Files.deleteIfExists(cfg("it-bystander"));
            Files.deleteIfExists(cfg("it-dep"));
            Files.deleteIfExists(cfg("it-feat"));
        }
    }

    /**
     * deploy/: the core's ArtifactInstaller takes driver jars over from FileInstall. A release needing API 2.0
     * dropped over the old jar's file is refused before the bundle is touched (no gap in its own device's readings);
     * a broken release is rolled back. Afterwards deploy/ holds the previous jar under that name and the rejected
     * ones lie under data/, where FileInstall does not look.
     */
    private void deployFolder(Path source, Path work) throws Exception {
        Path v1 = variant(source, work.resolve("deploy-v1.jar"), "1.0.0", false);
        Path bad = variant(source, work.resolve("deploy-v1.1-bad.jar"), "1.1.0", true);
        Path deployed = deploy().resolve("counter.jar");
        drop(v1, deployed);
        writeCfg("it-dep", "driver = counter", "poll.interval = 1");
        awaitState("it-dep", DeviceState.ONLINE, 20);
        await("count reaches 2", 20, () -> count("it-dep") >= 2);
        byte[] v1Bytes = Files.readAllBytes(v1);

        // refused before anything stops: the running bundle is never stopped or updated
        Bundle running = java.util.Arrays.stream(bundleContext.getBundles())
                .filter(b -> "org.meter2mqtt.itests.testdriver".equals(b.getSymbolicName())).findFirst().get();
        long lastModified = running.getLastModified();
        Path api2 = variant(source, work.resolve("deploy-v2.jar"), "2.0.0", false);
        rewriteApiImport(api2, "[2.0,3)");
        int logFrom = karafLogLines().size();
        Instant dropped = Instant.now();
        drop(api2, deployed);
        awaitLogLine("refusal", 20, logFrom,
                "ERROR.*Driver counter,crashing 2.0.0 refused: .*needs org.meter2mqtt.api \\[2.0,3\\)");
        awaitBytes("deploy/counter.jar is the running jar again", v1Bytes, deployed);
        Thread.sleep(3_000); // FileInstall sees the restored file: that must change nothing either
        assertEquals("bundle never updated", lastModified, running.getLastModified());
        assertEquals(org.osgi.framework.Bundle.ACTIVE, running.getState());
        assertEquals("1.0.0", registry.device("it-dep").get().driverVersion());
        assertEquals(DeviceState.ONLINE, state("it-dep"));
        List<Instant> seen = readings.of("it-dep").stream().filter(t -> t.isAfter(dropped.minusSeconds(2)))
                .collect(java.util.stream.Collectors.toList());
        assertTrue("it-dep readings around the refusal " + seen.size(), seen.size() >= 3);
        assertTrue("it-dep gap " + maxGapMs(seen) + " ms", maxGapMs(seen) < 2_500);
        assertTrue("and readings since", Duration.between(seen.get(seen.size() - 1), Instant.now()).toMillis() < 2_500);
        String history = executeCommand("meter:driver-history counter");
        assertTrue(history, history.contains("refused") && history.contains("[2.0,3)"));

        logFrom = karafLogLines().size();
        drop(bad, deployed);
        awaitLogLine("rollback", TIMEOUT_S + 20, logFrom,
                "ERROR.*Driver counter,crashing upgrade 1.0.0 -> 1.1.0 rolled back to 1.0.0.*it-dep");
        awaitBytes("deploy/counter.jar is the previous jar again", v1Bytes, deployed);
        await("1.0.0 runs again", 20, () -> "1.0.0".equals(registry.device("it-dep").get().driverVersion())
                && state("it-dep") == DeviceState.ONLINE);
        Path rejected = Paths.get(System.getProperty("karaf.data"), "meter2mqtt", "drivers", "quarantine");
        try (var files = Files.list(rejected)) {
            List<String> names = files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toList());
            assertTrue("rejected jars kept outside deploy/: " + names, names.stream().anyMatch(n -> n.startsWith(
                    "counter-1.1.0-")) && names.stream().anyMatch(n -> n.startsWith("counter-2.0.0-")));
        }
        try (var files = Files.list(deploy())) {
            assertEquals("only the restored jar in deploy/", 1, files.filter(f -> f.getFileName().toString()
                    .startsWith("counter")).count());
        }
        history = executeCommand("meter:driver-history counter");
        assertTrue(history, history.contains("1.1.0 -> 1.0.0") && history.contains("rolled back"));

        Files.delete(deployed);
        Files.delete(cfg("it-dep"));
        await("deployed bundle gone", 20, () -> java.util.Arrays.stream(bundleContext.getBundles())
                .noneMatch(b -> "org.meter2mqtt.itests.testdriver".equals(b.getSymbolicName())));
    }

    /**
     * A Karaf feature upgrade: a feature repository written here holds the counter driver as feature version 1.0.0
     * and a broken 1.1.0; {@code feature:install --upgrade} makes Karaf update the bundle itself, the health gate
     * runs after the fact and the previous version comes back from the vault.
     */
    private void featureUpgrade(Path source, Path work) throws Exception {
        Path good = variant(source, work.resolve("feature-v1.jar"), "1.0.0", false);
        Path bad = variant(source, work.resolve("feature-v1.1-bad.jar"), "1.1.0", true);
        Path repo = work.resolve("it-counter-features.xml");
        Files.writeString(repo, "<features name=\"it-counter\" xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                + "<feature name=\"it-counter\" version=\"1.0.0\"><bundle>" + good.toUri() + "</bundle></feature>"
                + "<feature name=\"it-counter\" version=\"1.1.0\"><bundle>" + bad.toUri() + "</bundle></feature>"
                + "</features>");
        ServiceReference<FeaturesService> ref = bundleContext.getServiceReference(FeaturesService.class);
        FeaturesService features = bundleContext.getService(ref);
        features.addRepository(repo.toUri());
        features.installFeature("it-counter", "1.0.0", EnumSet.noneOf(FeaturesService.Option.class));
        writeCfg("it-feat", "driver = counter", "poll.interval = 1");
        awaitState("it-feat", DeviceState.ONLINE, 30);
        await("count reaches 2", 20, () -> count("it-feat") >= 2);
        long before = count("it-feat");

        int logFrom = karafLogLines().size();
        // what feature:install --upgrade does
        features.installFeature("it-counter", "1.1.0", EnumSet.of(FeaturesService.Option.Upgrade));
        String out = executeCommand("bundle:list -s");
        awaitLogLine("feature rollback", TIMEOUT_S + 30, logFrom,
                "ERROR.*Driver counter,crashing upgrade 1.0.0 -> 1.1.0 rolled back to 1.0.0.*it-feat");
        await("1.0.0 runs again after the feature upgrade (" + out + ")", 20,
                () -> "1.0.0".equals(registry.device("it-feat").get().driverVersion())
                        && state("it-feat") == DeviceState.ONLINE);
        await("counting on from the kept state", 20, () -> count("it-feat") > before);
        String history = executeCommand("meter:driver-history counter");
        assertTrue(history, history.contains("outside meter2mqtt") && history.contains("1.1.0 -> 1.0.0"));

        features.uninstallFeature("it-counter", "1.1.0", EnumSet.noneOf(FeaturesService.Option.class));
        features.removeRepository(repo.toUri());
        bundleContext.ungetService(ref);
        Files.delete(cfg("it-feat"));
        await("feature bundle gone", 30, () -> java.util.Arrays.stream(bundleContext.getBundles())
                .noneMatch(b -> "org.meter2mqtt.itests.testdriver".equals(b.getSymbolicName())));
    }

    private static void awaitBytes(String what, byte[] expected, Path file) throws Exception {
        await(what, 10, () -> {
            try {
                return java.util.Arrays.equals(expected, Files.readAllBytes(file));
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Written outside deploy/ and moved in atomically: FileInstall would pick up a half-written file. */
    private static void drop(Path jar, Path target) throws IOException {
        Path tmp = Paths.get(System.getProperty("karaf.data"), "tmp", target.getFileName() + ".part");
        Files.copy(jar, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** require.signature: unsigned and tampered jars refused, one signed by the trusted key accepted. */
    private void signatures(Path source, Path work) throws Exception {
        Path keys = work.resolve("vendor.p12");
        tool("keytool", "-genkeypair", "-keystore", keys.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-alias", "vendor", "-keyalg", "EC", "-dname", "CN=Acme Meters", "-validity", "2");
        Path cert = work.resolve("vendor.pem");
        tool("keytool", "-exportcert", "-rfc", "-keystore", keys.toString(), "-storepass", "changeit", "-alias",
                "vendor", "-file", cert.toString());
        Path trust = etc().resolve("drivers-truststore.p12");
        tool("keytool", "-importcert", "-noprompt", "-keystore", trust.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-alias", "acme", "-file", cert.toString());
        int logFrom = karafLogLines().size();
        setCfgKey(etc().resolve("org.meter2mqtt.drivers.cfg"), "require.signature", "true");
        awaitLogLine("settings applied", 20, logFrom, "org.meter2mqtt.drivers: .*require.signature=true");

        Path unsigned = variant(source, work.resolve("v1.3.jar"), "1.3.0", false);
        Path signed = work.resolve("v1.3-signed.jar");
        tool("jarsigner", "-keystore", keys.toString(), "-storepass", "changeit", "-signedjar", signed.toString(),
                unsigned.toString(), "vendor");
        Path tampered = work.resolve("v1.3-tampered.jar");
        tamper(signed, tampered);

        String out = executeCommand("meter:driver-upgrade counter " + unsigned.toUri());
        assertTrue(out, out.contains("Refused") && out.contains("not signed"));
        out = executeCommand("meter:driver-upgrade counter " + tampered.toUri());
        assertTrue(out, out.contains("Refused") && out.contains("tampered"));
        assertEquals("1.2.0", registry.device("it-up-1").get().driverVersion());
        out = executeCommand("meter:driver-upgrade counter " + signed.toUri());
        assertTrue(out, out.contains("Upgraded counter 1.2.0 -> 1.3.0"));
        logFrom = karafLogLines().size();
        setCfgKey(etc().resolve("org.meter2mqtt.drivers.cfg"), "require.signature", "false");
        awaitLogLine("settings applied", 20, logFrom, "org.meter2mqtt.drivers: .*require.signature=false");
    }

    private static void tool(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", name).toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(name + " timed out", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(name + ": " + out, 0, p.exitValue());
    }

    /** The test driver jar with another Bundle-Version, each its own content, optionally a broken release. */
    private static Path variant(Path source, Path target, String version, boolean failSessions) throws IOException {
        java.util.Map<String, byte[]> extra = new java.util.HashMap<>();
        extra.put("variant.txt", target.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        if (failSessions) {
            extra.put("fail-sessions", new byte[0]);
        }
        return jarWithVersion(source, target, version, extra);
    }

    private static void rewriteApiImport(Path jar, String range) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest mf = in.getManifest();
            Attributes a = mf.getMainAttributes();
            String imports = a.getValue("Import-Package");
            a.putValue("Import-Package", imports.replaceAll("org\\.meter2mqtt\\.api;version=\"[^\"]*\"",
                    "org.meter2mqtt.api;version=\"" + range + "\""));
            assertFalse(imports, imports.equals(a.getValue("Import-Package")));
            try (OutputStream raw = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(raw, mf)) {
                JarEntry e;
                while ((e = in.getNextJarEntry()) != null) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(in.readAllBytes());
                    out.closeEntry();
                }
            }
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Changes one class of a signed jar and keeps its signature files: what an altered download looks like. */
    private static void tamper(Path signed, Path target) throws IOException {
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(signed));
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(target))) {
            java.util.zip.ZipEntry e;
            boolean changed = false;
            while ((e = in.getNextEntry()) != null) {
                byte[] data = in.readAllBytes();
                if (!changed && e.getName().endsWith("CounterDriver.class")) {
                    data = java.util.Arrays.copyOf(data, data.length + 1);
                    changed = true;
                }
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(data);
                out.closeEntry();
            }
            assertTrue("a class was changed", changed);
        }
    }

}
