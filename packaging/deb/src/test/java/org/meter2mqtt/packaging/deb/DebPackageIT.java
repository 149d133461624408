package org.meter2mqtt.packaging.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Installs the built .deb on this machine, as a Debian user would, and walks it through its life: install,
 * start the way the systemd unit does, a demo reading on the embedded broker, a user's edit in /etc, an upgrade
 * to a newer package, a second start, remove, purge. The steps build on each other, so they run in order.
 * Needs root and dpkg (CI has both); skipped with the reason otherwise. Whatever happens, the package is purged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class DebPackageIT {

    private static final String PKG = "meter2mqtt";
    private static final String USER = "meter2mqtt";
    private static final Path OPT = Path.of("/opt/meter2mqtt");
    private static final Path ETC = Path.of("/etc/meter2mqtt");
    private static final Path DATA = Path.of("/var/lib/meter2mqtt");
    private static final Path LOG = Path.of("/var/log/meter2mqtt");
    private static final Path UNIT = Path.of("/lib/systemd/system/meter2mqtt.service");
    /** Left in the data folder so that a later run may purge what a crashed run installed, and nothing else. */
    private static final Path MARKER = DATA.resolve(".installed-by-DebPackageIT");
    private static final String EDITED_NAME = "Edited by DebPackageIT";
    private static final String GATEWAY_ID = "debit";
    private static final Path DEFAULTS = Path.of("/etc/default/meter2mqtt");
    private static final String OVERRIDES_HEADER = "# DebPackageIT: free ports, so that no other gateway on this machine is in the way";
    private static final Path MASK_LINK = Path.of("/etc/systemd/system/meter2mqtt.service");
    private static final Path ENABLED_LINK = Path.of("/etc/systemd/system/multi-user.target.wants/meter2mqtt.service");

    private Path deb;
    private String version;
    private Path work;
    private Shell sh;
    private Process gateway;
    private int brokerPort;
    private int starts;
    private Map<String, String> dataBeforeUpgrade;
    private String skipReason;
    private String failedStep;

    @BeforeAll
    void preconditions() throws IOException {
        skipReason = whyNot();
        if (skipReason != null) {
            System.out.println("DebPackageIT " + skipReason);
            return;
        }
        deb = Path.of(System.getProperty("deb.file"));
        version = System.getProperty("deb.version");
        assertThat(deb).as("the package built by jdeb").isRegularFile();
        work = Path.of(System.getProperty("work.dir"));
        Files.createDirectories(work);
        sh = new Shell(work);
        if (!"not-installed".equals(packageState())) {
            if (!Files.exists(MARKER)) {
                skipReason = "skipped: a meter2mqtt package that this test did not install is on this machine;"
                        + " it is left alone";
                sh = null;
                return;
            }
            assertThat(sh.run(300, "dpkg", "--purge", PKG).ok()).as("purge what an earlier run left").isTrue();
        }
    }

    /** Each step builds on the ones before: after a failure the rest report that instead of failing on. */
    @RegisterExtension
    final TestWatcher failedSteps = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (failedStep == null) {
                failedStep = context.getDisplayName();
            }
        }
    };

    /** Every step reports the reason it is skipped (an aborted @BeforeAll would show nothing). */
    @BeforeEach
    void skipWhenNotPossibleHere() {
        if (skipReason != null) {
            abort(skipReason);
        }
        if (failedStep != null) {
            abort("skipped: the earlier step " + failedStep + " failed");
        }
    }

    private static String whyNot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "skipped: installing a Debian package needs root (CI runs as root); run as root to test the .deb";
        }
        for (String tool : List.of("dpkg", "dpkg-deb", "dpkg-query", "setpriv", "mosquitto_sub")) {
            if (!Shell.onPath(tool)) {
                return "skipped: " + tool + " is not installed (scripts/test.sh installs the tools)";
            }
        }
        if (Files.isDirectory(Path.of("/run/systemd/system"))) {
            return "skipped: systemd runs here, so installing would start the real service beside the test's;"
                    + " the test runs where systemd does not (CI, containers)";
        }
        return null;
    }

    @AfterAll
    void cleanUp() {
        if (sh == null) {
            return;
        }
        stopGateway();
        if (!"not-installed".equals(packageState())) {
            Shell.Result purge = sh.run(300, "dpkg", "--purge", PKG);
            System.out.println("cleanup: " + purge.describe());
        }
        // the unpacked and repacked upgrade: 80 MB nobody needs after the run
        sh.run(120, "sh", "-c", "rm -rf '" + work.resolve("repack") + "' '" + work + "'/*+upgrade1_all.deb");
    }

    @Test
    @Order(1)
    void installsAsAService() throws IOException {
        Shell.Result install = sh.run(300, "dpkg", "-i", deb.toString());
        assertThat(install.ok()).as(install.describe()).isTrue();
        Files.writeString(MARKER, "purge me\n");

        assertThat(packageState()).isEqualTo("installed");
        assertThat(sh.run(10, "dpkg-query", "-W", "-f=${Version}", PKG).output()).isEqualTo(version);
        assertThat(OPT.resolve("bin/karaf")).isExecutable();
        assertThat(OPT.resolve("system")).isDirectory();
        assertThat(Files.readSymbolicLink(OPT.resolve("etc"))).isEqualTo(ETC);
        assertThat(Files.readSymbolicLink(OPT.resolve("data"))).isEqualTo(DATA);

        // every file of the distribution's etc/ is a conffile, so dpkg keeps a user's edits
        String conffiles = sh.run(10, "dpkg-query", "-W", "-f=${Conffiles}", PKG).output();
        for (String cfg : List.of("org.meter2mqtt.mqtt.cfg", "org.meter2mqtt.broker.cfg",
                "org.meter2mqtt.device-demo-house.cfg", "users.properties", "org.ops4j.pax.logging.cfg")) {
            assertThat(conffiles).contains(ETC.resolve(cfg).toString());
        }
        assertThat(conffiles).contains("/etc/default/meter2mqtt");
        if (Shell.onPath("deb-systemd-helper")) {
            assertThat(Files.readSymbolicLink(ENABLED_LINK)).as("enabled at boot").isEqualTo(UNIT);
        }

        Shell.Result passwd = sh.run(10, "getent", "passwd", USER);
        assertThat(passwd.ok()).as("system user").isTrue();
        assertThat(passwd.output().strip()).endsWith(":/var/lib/meter2mqtt:/usr/sbin/nologin");
        assertThat(Integer.parseInt(passwd.output().split(":")[2])).as("a system uid").isLessThan(1000);
        for (Path dir : List.of(ETC, DATA, LOG)) {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class);
            assertThat(a.owner().getName()).as(dir + " owner").isEqualTo(USER);
            assertThat(a.permissions()).as(dir + " is not for everyone (passwords live in /etc/meter2mqtt)")
                    .doesNotContain(PosixFilePermission.OTHERS_READ);
        }
        assertThat(Files.getOwner(ETC.resolve("org.meter2mqtt.mqtt.cfg")).getName()).isEqualTo(USER);
    }

    @Test
    @Order(2)
    void unitRestartsOnFailureAndSystemdAcceptsIt() throws IOException {
        SystemdUnit unit = SystemdUnit.read(UNIT);
        assertThat(unit.one("User")).isEqualTo(USER);
        assertThat(unit.one("Restart")).isEqualTo("on-failure");
        assertThat(unit.environment()).containsEntry("KARAF_ETC", ETC.toString())
                .containsEntry("KARAF_DATA", DATA.toString()).containsEntry("KARAF_LOG", LOG.toString());
        assumeTrue(Shell.onPath("systemd-analyze"), "systemd-analyze is not installed: the unit is not verified");
        Shell.Result verify = sh.run(60, "systemd-analyze", "verify", UNIT.toString());
        assertThat(verify.ok()).as(verify.describe()).isTrue();
    }

    @Test
    @Order(3)
    void startsLikeTheUnitAndPublishesDemoReadings() throws Exception {
        startGateway();
        String state = subscribe("meters/demo/demo-house/state", Duration.ofMinutes(4));
        assertThat(state).as("a demo reading as the state JSON").startsWith("meters/demo/demo-house/state {")
                .contains("\"timestamp\"");

        long pid = gateway.pid();
        assertThat(uidOf(pid)).as("the gateway runs as " + USER)
                .isEqualTo(Integer.parseInt(sh.run(10, "id", "-u", USER).output().strip()));
        assertThat(LOG.resolve("karaf.log")).as("Karaf logs to /var/log/meter2mqtt").isNotEmptyFile();
        assertThat(Files.getOwner(LOG.resolve("karaf.log")).getName()).isEqualTo(USER);
        assertThat(DATA.resolve("karaf.pid")).as("pid file in the data folder, not in /opt").isRegularFile();
        assertThat(Shell.read(DATA.resolve("karaf.pid")).strip()).isEqualTo(Long.toString(pid));

        int exit = stopGateway();
        assertThat(exit).as("SIGTERM (systemctl stop) ends it with a status the unit counts as success")
                .isIn(0, 143);
        assertThat(OPT.resolve("karaf.pid")).doesNotExist();
        assertThat(OPT.resolve("lock")).doesNotExist();
    }

    @Test
    @Order(4)
    void upgradeKeepsTheUsersEditAndData() throws Exception {
        Path house = ETC.resolve("org.meter2mqtt.device-demo-house.cfg");
        String edited = Shell.read(house).replaceAll("(?m)^name\\s*=.*$", "name = " + EDITED_NAME)
                + "# a user's note, kept across upgrades\n";
        assertThat(edited).contains("name = " + EDITED_NAME);
        Files.writeString(house, edited);
        String defaultsBefore = Shell.read(DEFAULTS);
        assertThat(defaultsBefore).contains(OVERRIDES_HEADER);
        dataBeforeUpgrade = dataFiles();
        assertThat(dataBeforeUpgrade.keySet()).as("the first start left the gateway's own state")
                .anyMatch(p -> p.startsWith("meter2mqtt/"));

        String newVersion = version + "+upgrade1";
        Path newer = repack(newVersion);
        Shell.Result upgrade = sh.run(300, "dpkg", "-i", newer.toString());
        assertThat(upgrade.ok()).as(upgrade.describe()).isTrue();

        assertThat(sh.run(10, "dpkg-query", "-W", "-f=${Version}", PKG).output()).isEqualTo(newVersion);
        assertThat(Shell.read(OPT.resolve("deploy/README"))).as("the newer package's files are in place")
                .contains("newer package");
        assertThat(Shell.read(house)).as("the user's edit survives").isEqualTo(edited);
        assertThat(Shell.read(DEFAULTS)).as("and so does /etc/default/meter2mqtt's").isEqualTo(defaultsBefore);
        assertThat(Shell.read(ETC.resolve("org.meter2mqtt.device-demo-solar.cfg")))
                .as("a conffile the user left alone follows the package").contains("changed in the newer package");
        try (Stream<Path> files = Files.walk(ETC)) {
            assertThat(files.map(Path::toString)).as("no conffile question left behind")
                    .noneMatch(f -> f.endsWith(".dpkg-new") || f.endsWith(".dpkg-dist") || f.endsWith(".dpkg-old"));
        }
        assertThat(Files.getOwner(ETC.resolve("org.meter2mqtt.device-demo-solar.cfg")).getName())
                .as("a replaced conffile is the gateway's again").isEqualTo(USER);

        Map<String, String> after = dataFiles();
        assertThat(after).as("/var/lib/meter2mqtt intact (cache/ and tmp/ are rebuilt by design)")
                .containsAllEntriesOf(dataBeforeUpgrade);
        assertThat(DATA.resolve("cache")).as("Karaf's bundle cache is dropped so the new bundles run")
                .doesNotExist();
    }

    @Test
    @Order(5)
    void upgradedGatewayStartsWithTheEditedConfiguration() throws Exception {
        startGateway();
        // the broker kept the previous start's retained configs: wait for the one the upgraded gateway sends
        String discovery = subscribe("homeassistant/sensor/" + GATEWAY_ID + "_demo-house/+/config",
                Duration.ofMinutes(4), EDITED_NAME);
        assertThat(discovery).as("Home Assistant sees the device name edited in /etc/meter2mqtt")
                .contains(EDITED_NAME);
        String state = subscribe("meters/demo/demo-house/state", Duration.ofMinutes(1));
        assertThat(state).contains("\"timestamp\"");
        assertThat(stopGateway()).isIn(0, 143);
    }

    @Test
    @Order(6)
    void removeKeepsConfigurationAndData() throws IOException {
        Map<String, String> before = dataFiles();
        Shell.Result remove = sh.run(300, "dpkg", "--remove", PKG);
        assertThat(remove.ok()).as(remove.describe()).isTrue();
        assertThat(packageState()).isEqualTo("config-files");
        assertThat(OPT.resolve("bin/karaf")).doesNotExist();
        assertThat(UNIT).doesNotExist();
        if (Shell.onPath("deb-systemd-helper")) {
            assertThat(Files.readSymbolicLink(MASK_LINK)).as("masked while removed").isEqualTo(Path.of("/dev/null"));
        }
        assertThat(Shell.read(ETC.resolve("org.meter2mqtt.device-demo-house.cfg"))).contains(EDITED_NAME);
        assertThat(dataFiles()).as("data kept").isNotEmpty().containsAllEntriesOf(before);
        assertThat(sh.run(10, "getent", "passwd", USER).ok()).as("the user stays until purge").isTrue();
    }

    @Test
    @Order(7)
    void purgeRemovesConfigurationDataAndUser() {
        Shell.Result purge = sh.run(300, "dpkg", "--purge", PKG);
        assertThat(purge.ok()).as(purge.describe()).isTrue();
        assertThat(packageState()).isEqualTo("not-installed");
        for (Path gone : List.of(ETC, DATA, LOG, OPT, Path.of("/etc/default/meter2mqtt"))) {
            assertThat(gone).as(gone + " after purge").doesNotExist();
        }
        assertThat(sh.run(10, "getent", "passwd", USER).ok()).as("user removed").isFalse();
        assertThat(Files.exists(ENABLED_LINK, LinkOption.NOFOLLOW_LINKS)).as("no enable link left").isFalse();
        assertThat(Files.exists(MASK_LINK, LinkOption.NOFOLLOW_LINKS)).as("no mask left").isFalse();
        assertThat(sh.run(10, "getent", "group", USER).ok()).as("group removed").isFalse();
    }

    // ---- helpers ----

    /** dpkg's view: "installed", "config-files" (removed, not purged) or "not-installed". */
    private String packageState() {
        Shell.Result r = sh.run(30, "dpkg-query", "-W", "-f=${db:Status-Status}", PKG);
        return r.ok() && !r.output().isBlank() ? r.output().strip() : "not-installed";
    }

    /**
     * Starts the service as systemd would (CI has none): the unit's ExecStart as its User and Group, in its
     * WorkingDirectory, with its environment. Free ports keep it clear of other gateways on this machine. The
     * broker keeps its shipped persistence, so the second start reads the store the first one wrote.
     */
    private void startGateway() throws IOException {
        brokerPort = freePort();
        int httpPort = freePort();
        // set as a user would, in the unit's EnvironmentFile (a conffile: the upgrade must keep this too)
        String defaults = Shell.read(DEFAULTS);
        int mine = defaults.indexOf(OVERRIDES_HEADER);
        Files.writeString(DEFAULTS, (mine < 0 ? defaults : defaults.substring(0, mine)) + OVERRIDES_HEADER + "\n"
                + "ORG_METER2MQTT_BROKER_PORT=" + brokerPort + "\n"
                + "ORG_METER2MQTT_MQTT_URL=tcp://127.0.0.1:" + brokerPort + "\n"
                + "ORG_METER2MQTT_MQTT_GATEWAY_ID=" + GATEWAY_ID + "\n"
                + "ORG_APACHE_KARAF_SHELL_SSHPORT=" + freePort() + "\n"
                + "ORG_METER2MQTT_HTTP_PORT=" + httpPort + "\n"
                + "ORG_OPS4J_PAX_WEB_ORG_OSGI_SERVICE_HTTP_PORT=" + httpPort + "\n");
        SystemdUnit unit = SystemdUnit.read(UNIT);
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + unit.one("User"),
                "--regid=" + unit.one("Group"), "--init-groups", "--"));
        cmd.addAll(unit.execStart());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of(unit.one("WorkingDirectory")).toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("gateway-" + (++starts) + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(unit.environment());
        env.put("HOME", DATA.toString());
        assertThat(env).as("the unit reads /etc/default/meter2mqtt")
                .containsEntry("ORG_METER2MQTT_BROKER_PORT", Integer.toString(brokerPort));
        gateway = pb.start();
    }

    /** SIGTERM, as systemctl stop sends; returns the exit status (-1 when nothing ran). */
    private int stopGateway() {
        Process p = gateway;
        gateway = null;
        if (p == null) {
            return -1;
        }
        try {
            p.destroy();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    /** The first message on a topic of the gateway's broker, once the broker answers. */
    private String subscribe(String topic, Duration limit) throws InterruptedException {
        return subscribe(topic, limit, "");
    }

    /** The first message on {@code topic} that contains {@code wanted}, trying again until {@code limit}. */
    private String subscribe(String topic, Duration limit, String wanted) throws InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        Shell.Result last = null;
        int attempt = 0;
        while (Instant.now().isBefore(deadline)) {
            assertThat(gateway.isAlive()).as("the gateway stopped by itself:\n" + gatewayLog()).isTrue();
            last = sh.run(40, "mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(brokerPort),
                    "-i", "deb-it-" + ProcessHandle.current().pid() + "-" + (++attempt),
                    "-t", topic, "-v", "-C", "1", "-W", "30");
            if (last.ok() && !last.output().isBlank() && last.output().contains(wanted)) {
                return last.output().strip();
            }
            Thread.sleep(2000);
        }
        throw new AssertionError("nothing on " + topic + " in " + limit + "; last try: "
                + (last == null ? "none" : last.describe()) + "\ngateway output:\n" + gatewayLog());
    }

    private String gatewayLog() {
        String karaf = Shell.read(LOG.resolve("karaf.log"));
        return Shell.read(work.resolve("gateway-" + starts + ".log"))
                + "\n--- karaf.log (end) ---\n" + karaf.substring(Math.max(0, karaf.length() - 6000));
    }

    /**
     * The built package with a higher version, one changed program file and one changed conffile, as the
     * next release would be. Repacked with dpkg-deb so that the test needs no second Maven build.
     */
    private Path repack(String newVersion) throws IOException {
        Path root = work.resolve("repack");
        sh.run(60, "rm", "-rf", root.toString());
        Shell.Result unpack = sh.run(300, "dpkg-deb", "-R", deb.toString(), root.toString());
        assertThat(unpack.ok()).as(unpack.describe()).isTrue();
        Path control = root.resolve("DEBIAN/control");
        Files.writeString(control, Shell.read(control).replaceFirst("(?m)^Version: .*$", "Version: " + newVersion));
        Files.writeString(root.resolve("opt/meter2mqtt/deploy/README"), "\n(from the newer package)\n",
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(root.resolve("etc/meter2mqtt/org.meter2mqtt.device-demo-solar.cfg"),
                "# changed in the newer package\n", java.nio.file.StandardOpenOption.APPEND);
        Shell.Result md5 = sh.run(120, "sh", "-c",
                "cd '" + root + "' && find . -path ./DEBIAN -prune -o -type f -printf '%P\\0' "
                        + "| xargs -0 md5sum > DEBIAN/md5sums");
        assertThat(md5.ok()).as(md5.describe()).isTrue();
        Path out = work.resolve(PKG + "_" + newVersion + "_all.deb");
        Shell.Result build = sh.run(600, "dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b",
                root.toString(), out.toString());
        assertThat(build.ok()).as(build.describe()).isTrue();
        return out;
    }

    /** Every regular file under the data folder but Karaf's caches, with a digest of its content. */
    private Map<String, String> dataFiles() {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(DATA)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(DATA)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = DATA.relativize(p).toString();
                if (rel.startsWith("cache/") || rel.startsWith("tmp/") || rel.equals("cache") || rel.equals("tmp")
                        || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                files.put(rel, sha256(p));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read " + DATA, e);
        }
        return files;
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int uidOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[1]);
            }
        }
        throw new AssertionError("no Uid line for process " + pid);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
