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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

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
        List<Instant> bystander = new CopyOnWriteArrayList<>();
        ServiceRegistration<MeterOutput> recorder = bundleContext.registerService(MeterOutput.class,
                new MeterOutput() {
                    @Override
                    public void deviceChanged(DeviceInfo device) {
                    }

                    @Override
                    public void readings(DeviceInfo device, List<Reading> batch) {
                        if (device.id().equals("it-bystander")) {
                            bystander.add(Instant.now());
                        }
                    }

                    @Override
                    public void deviceRemoved(DeviceInfo device) {
                    }
                }, null);
        try {
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

            List<Instant> seen = new ArrayList<>(bystander);
            assertTrue("bystander readings " + seen.size(), seen.size() >= 20);
            long maxGapMs = 0;
            for (int i = 1; i < seen.size(); i++) {
                maxGapMs = Math.max(maxGapMs, Duration.between(seen.get(i - 1), seen.get(i)).toMillis());
            }
            assertTrue("bystander gap " + maxGapMs + " ms", maxGapMs < 2_500);
        } finally {
            recorder.unregister();
            Files.deleteIfExists(cfg("it-up-1"));
            Files.deleteIfExists(cfg("it-up-2"));
            Files.deleteIfExists(cfg("it-bystander"));
            Files.deleteIfExists(cfg("it-dep"));
        }
    }

    /**
     * deploy/: a broken release dropped over the old jar's file is rolled back by FileInstall itself; afterwards
     * deploy/ holds the previous jar under that name and the broken one lies under data/, where FileInstall does not
     * look.
     */
    private void deployFolder(Path source, Path work) throws Exception {
        Path v1 = variant(source, work.resolve("deploy-v1.jar"), "1.0.0", false);
        Path bad = variant(source, work.resolve("deploy-v1.1-bad.jar"), "1.1.0", true);
        Path deployed = deploy().resolve("counter.jar");
        drop(v1, deployed);
        writeCfg("it-dep", "driver = counter");
        awaitState("it-dep", DeviceState.ONLINE, 20);
        await("count reaches 2", 20, () -> count("it-dep") >= 2);
        byte[] v1Bytes = Files.readAllBytes(v1);

        int logFrom = karafLogLines().size();
        drop(bad, deployed);
        awaitLogLine("rollback", TIMEOUT_S + 20, logFrom,
                "ERROR.*Driver counter,crashing upgrade 1.0.0 -> 1.1.0 rolled back to 1.0.0.*it-dep");
        await("deploy/counter.jar is the previous jar again", 10, () -> {
            try {
                return java.util.Arrays.equals(v1Bytes, Files.readAllBytes(deployed));
            } catch (IOException e) {
                return false;
            }
        });
        await("1.0.0 runs again", 20, () -> "1.0.0".equals(registry.device("it-dep").get().driverVersion())
                && state("it-dep") == DeviceState.ONLINE);
        Path rejected = Paths.get(System.getProperty("karaf.data"), "meter2mqtt", "drivers", "quarantine");
        try (var files = Files.list(rejected)) {
            assertTrue("rejected jar kept outside deploy/", files.anyMatch(f -> f.getFileName().toString()
                    .startsWith("counter-1.1.0-")));
        }
        try (var files = Files.list(deploy())) {
            assertEquals("only the restored jar in deploy/", 1, files.filter(f -> f.getFileName().toString()
                    .startsWith("counter")).count());
        }
        String history = executeCommand("meter:driver-history counter");
        assertTrue(history, history.contains("1.1.0 -> 1.0.0") && history.contains("rolled back"));

        Files.delete(deployed);
        Files.delete(cfg("it-dep"));
        await("deployed bundle gone", 20, () -> java.util.Arrays.stream(bundleContext.getBundles())
                .noneMatch(b -> "org.meter2mqtt.itests.testdriver".equals(b.getSymbolicName())));
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

    private long count(String id) {
        return registry.device(id).map(d -> d.latest().get("count")).map(r -> r.number().longValue()).orElse(0L);
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

    /** The test driver jar with another Bundle-Version, optionally a broken release. */
    private static Path variant(Path source, Path target, String version, boolean failSessions) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(source))) {
            Manifest mf = in.getManifest();
            mf.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
            try (OutputStream raw = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(raw, mf)) {
                JarEntry e;
                while ((e = in.getNextJarEntry()) != null) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(in.readAllBytes());
                    out.closeEntry();
                }
                out.putNextEntry(new JarEntry("variant.txt")); // each variant its own content hash
                out.write(target.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                if (failSessions) {
                    out.putNextEntry(new JarEntry("fail-sessions"));
                    out.closeEntry();
                }
            }
        }
        return target;
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
