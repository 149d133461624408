package org.meter2mqtt.core.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipFile;

import jdk.security.jarsigner.JarSigner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.core.upgrade.DriverHistory.Entry;
import org.meter2mqtt.core.upgrade.DriverHistory.Result;

/**
 * The building blocks of safe driver upgrades on real jar files: refusal before anything stops (API 2.0, no
 * MeterDriver component, quarantine, signatures with a real keytool key and the JDK's jar signer, a tampered jar),
 * the history and the quarantine across a restart, the vault keeping every version for a rollback.
 */
class UpgradeSafetyTest {

    @TempDir
    Path tmp;

    private static final String COMPONENT = "<?xml version=\"1.0\"?><scr:component "
            + "xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"acme\"><property name=\"meter.driver\" "
            + "type=\"String\" value=\"acme\"/><service><provide interface=\"org.meter2mqtt.api.MeterDriver\"/>"
            + "</service><implementation class=\"com.acme.AcmeComponent\"/></scr:component>";

    private Path bundle(String name, String version, String apiRange, boolean component) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-SymbolicName", "com.acme.meter");
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", "org.meter2mqtt.api;version=\"" + apiRange + "\",org.osgi.framework;version=\"[1.10,2)\"");
        if (component) {
            a.putValue("Service-Component", "OSGI-INF/acme.xml");
        }
        Path jar = tmp.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.putNextEntry(new JarEntry("OSGI-INF/acme.xml"));
            out.write(COMPONENT.getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new JarEntry("com/acme/AcmeComponent.class"));
            out.write(("class bytes of " + version).getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static final Preflight UNSIGNED_OK = new Preflight("1.1.0", false, null);

    @Test
    void aJarNeedingApi2IsRefusedBeforeAnythingStops() throws Exception {
        DriverJar good = DriverJar.read(bundle("good.jar", "1.1.0", "[1.1,2)", true));
        assertThat(good.driverIds()).containsExactly("acme");
        assertThat(UNSIGNED_OK.refusal(good, Set.of(), false)).isEmpty();
        DriverJar api2 = DriverJar.read(bundle("api2.jar", "2.0.0", "[2.0,3)", true));
        assertThat(UNSIGNED_OK.refusal(api2, Set.of(), false)).get().asString()
                .contains("needs org.meter2mqtt.api [2.0,3), the gateway has 1.1.0");
        DriverJar newerMinor = DriverJar.read(bundle("api12.jar", "1.2.0", "[1.2,2)", true));
        assertThat(UNSIGNED_OK.refusal(newerMinor, Set.of(), false)).get().asString().contains("[1.2,2)");
    }

    @Test
    void aJarWithoutMeterDriverComponentIsRefused() throws Exception {
        DriverJar none = DriverJar.read(bundle("none.jar", "1.0.1", "[1.1,2)", false));
        assertThat(UNSIGNED_OK.refusal(none, Set.of(), false)).get().asString()
                .contains("declares no DS component providing MeterDriver");
    }

    @Test
    void versionRanges() {
        assertThat(Preflight.includes("[1.1,2)", "1.1.0")).isTrue();
        assertThat(Preflight.includes("[1.1,2)", "1.9.3")).isTrue();
        assertThat(Preflight.includes("[1.1,2)", "2.0.0")).isFalse();
        assertThat(Preflight.includes("[1.1,2)", "1.0.9")).isFalse();
        assertThat(Preflight.includes("(1.1,1.2]", "1.1.0")).isFalse();
        assertThat(Preflight.includes("(1.1,1.2]", "1.2.0")).isTrue();
        assertThat(Preflight.includes("1.0", "1.1.0")).isTrue();
    }

    @Test
    void quarantineHoldsAcrossARestartAndForceOverridesIt() throws Exception {
        DriverJar bad = DriverJar.read(bundle("bad.jar", "1.2.0", "[1.1,2)", true));
        Path file = tmp.resolve("data/drivers/quarantine.txt");
        new Quarantine(file).add(bad.sha256());
        Quarantine reopened = new Quarantine(file);
        assertThat(UNSIGNED_OK.refusal(bad, reopened.hashes(), false)).get().asString().contains("quarantined");
        assertThat(UNSIGNED_OK.refusal(bad, reopened.hashes(), true)).isEmpty();
        // other content under the same version is a new candidate
        DriverJar fixed = DriverJar.read(bundle("fixed.jar", "1.2.0-fixed", "[1.1,2)", true));
        assertThat(UNSIGNED_OK.refusal(fixed, reopened.hashes(), false)).isEmpty();
        reopened.remove(bad.sha256());
        assertThat(new Quarantine(file).hashes()).isEmpty();
    }

    @Test
    void historySurvivesARestartAndATornLine() throws Exception {
        Path file = tmp.resolve("data/drivers/history.log");
        DriverHistory h = new DriverHistory(file);
        Instant t = Instant.parse("2026-12-04T12:00:00Z");
        h.record(new Entry(t, "acme", "", "1.0.0", Result.INSTALLED, null));
        h.record(new Entry(t.plusSeconds(60), "acme", "1.0.0", "1.1.0", Result.UPGRADED, null));
        h.record(new Entry(t.plusSeconds(120), "acme", "1.1.0", "1.0.0", Result.ROLLED_BACK,
                "acme-1 not ONLINE within 60 s\tafter upgrade"));
        h.record(new Entry(t.plusSeconds(180), "dsmr", "0.1.0", "2.0.0", Result.REFUSED, "needs API 2.0"));
        Files.writeString(file, "2026-12-04T12:05:00Z\tacme\t1.0", StandardOpenOption.APPEND);
        DriverHistory reopened = new DriverHistory(file);
        assertThat(reopened.entries(null)).hasSize(4);
        List<Entry> acme = reopened.entries("acme");
        assertThat(acme).extracting(e -> e.result).containsExactly(Result.INSTALLED, Result.UPGRADED,
                Result.ROLLED_BACK);
        assertThat(acme.get(2).reason).isEqualTo("acme-1 not ONLINE within 60 s after upgrade");
        assertThat(acme.get(2).toString()).contains("1.1.0 -> 1.0.0").contains("rolled back");
    }

    @Test
    void theVaultKeepsEveryVersionForARollback() throws Exception {
        DriverVault vault = new DriverVault(tmp.resolve("data/drivers/jars"));
        DriverJar v1 = DriverJar.read(bundle("v1.jar", "1.0.0", "[1.1,2)", true));
        DriverJar v2 = DriverJar.read(bundle("v2.jar", "1.10.0", "[1.1,2)", true));
        Path kept1 = vault.keep(v1);
        vault.keep(v2);
        vault.keep(v2);
        Files.delete(v1.file()); // deploy/ changed: the vault still has it
        assertThat(vault.versions("com.acme.meter")).hasSize(2);
        assertThat(vault.previous("com.acme.meter", "1.10.0")).contains(kept1);
        assertThat(DriverJar.read(kept1).sha256()).isEqualTo(v1.sha256());
    }

    // ---- signatures

    private Path keystore(String name, String cn) throws Exception {
        Path ks = tmp.resolve(name);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-alias", "vendor", "-keyalg", "EC", "-dname", "CN=" + cn, "-validity", "2").redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return ks;
    }

    private static KeyStore load(Path p) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private Path sign(Path jar, Path keystore, String name) throws Exception {
        KeyStore ks = load(keystore);
        PrivateKey key = (PrivateKey) ks.getKey("vendor", "changeit".toCharArray());
        CertPath chain = CertificateFactory.getInstance("X.509")
                .generateCertPath(List.of(ks.getCertificateChain("vendor")));
        Path signed = tmp.resolve(name);
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream out = Files.newOutputStream(signed)) {
            new JarSigner.Builder(key, chain).build().sign(in, out);
        }
        return signed;
    }

    /** Rewrites one class entry of a signed jar, keeping the signature files: what a tampered download looks like. */
    private Path tamper(Path signed) throws Exception {
        Path out = tmp.resolve("tampered.jar");
        try (JarFile in = new JarFile(signed.toFile(), false);
                java.util.zip.ZipOutputStream zos = new java.util.zip.ZipOutputStream(Files.newOutputStream(out))) {
            for (Enumeration<JarEntry> en = in.entries(); en.hasMoreElements();) {
                JarEntry e = en.nextElement();
                zos.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                byte[] data = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith(".class")) {
                    data = "class bytes with a backdoor".getBytes(StandardCharsets.UTF_8);
                }
                zos.write(data);
            }
        }
        return out;
    }

    @Test
    void requireSignatureAcceptsOnlyJarsSignedByATrustedCertificateAndUntouched() throws Exception {
        Path vendorKeys = keystore("vendor.p12", "Acme Meters");
        Path strangerKeys = keystore("stranger.p12", "Someone Else");
        Preflight strict = new Preflight("1.1.0", true, load(vendorKeys));
        Path plain = bundle("plain.jar", "1.1.0", "[1.1,2)", true);
        Path signed = sign(plain, vendorKeys, "signed.jar");

        assertThat(strict.refusal(DriverJar.read(signed), Set.of(), false)).isEmpty();
        assertThat(strict.refusal(DriverJar.read(plain), Set.of(), false)).get().asString()
                .contains("require.signature").contains("not signed");
        assertThat(strict.refusal(DriverJar.read(tamper(signed)), Set.of(), false)).get().asString()
                .contains("tampered");
        Path foreign = sign(plain, strangerKeys, "foreign.jar");
        assertThat(strict.refusal(DriverJar.read(foreign), Set.of(), false)).get().asString()
                .contains("not in the truststore");
        // without require.signature an unsigned jar is fine
        assertThat(UNSIGNED_OK.refusal(DriverJar.read(plain), Set.of(), false)).isEmpty();
    }
}
