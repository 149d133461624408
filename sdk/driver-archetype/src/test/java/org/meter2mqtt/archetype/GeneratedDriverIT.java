package org.meter2mqtt.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a vendor does, for real: {@code mvn archetype:generate} in a temporary folder outside this build, then
 * {@code mvn verify} of the generated project (its fixture table and the compliance kit run there), then the jar
 * dropped into {@code deploy/} of the real distribution, started as a process, with a {@code .cfg} holding only
 * {@code driver=acme}: the device goes ONLINE. Maven runs with this build's local repository, so the generated
 * project sees nothing but Maven Central and the gateway's artifacts installed by this build.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GeneratedDriverIT {

    private static Path work;
    private static Path project;
    private static Path gateway;
    private static Process karaf;

    @BeforeAll
    static void generate() throws Exception {
        work = Files.createTempDirectory("meter2mqtt-archetype-");
        // the packaged archetype into the local repository, as `mvn install` of this module would put it
        mvn(work, "org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file", "-Dfile=" + System.getProperty("archetype.jar"),
                "-DpomFile=" + System.getProperty("archetype.pom"));
        mvn(work, "org.apache.maven.plugins:maven-archetype-plugin:3.4.1:generate", "-DarchetypeGroupId=org.meter2mqtt",
                "-DarchetypeArtifactId=meter2mqtt-driver-archetype",
                "-DarchetypeVersion=" + System.getProperty("project.version"), "-DgroupId=com.acme",
                "-DartifactId=acme-meter", "-Ddriver=acme", "-DinteractiveMode=false");
        project = work.resolve("acme-meter");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (karaf != null) {
            stop(karaf);
        }
        if (work != null) {
            try (Stream<Path> all = Files.walk(work)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void theGeneratedProjectHasTheSdkLayout() {
        Path java = project.resolve("src/main/java/com/acme");
        assertThat(java.resolve("internal/AcmeComponent.java")).exists();
        assertThat(java.resolve("internal/AcmeDriver.java")).exists();
        assertThat(java.resolve("protocol/FrameCodec.java")).exists();
        assertThat(project.resolve("src/test/resources/frames.csv")).exists();
        assertThat(project.resolve("etc/org.meter2mqtt.device-acme-1.cfg")).hasContent(
                "# A device of this driver: copy into the gateway's etc/. With no port, the driver's simulated "
                        + "meter answers.\ndriver = acme");
    }

    @Test
    @Order(2)
    void itBuildsABundleAndPassesTheKit() throws Exception {
        mvn(project, "verify");
        Path reports = project.resolve("target/surefire-reports");
        String kit = Files.readString(reports.resolve("TEST-com.acme.internal.AcmeComplianceTest.xml"));
        // 9 checks: the 8 of any line driver, and the protocol package the generated test names
        assertThat(kit).contains("tests=\"9\"").contains("failures=\"0\"").contains("errors=\"0\"")
                .contains("skipped=\"0\"");
        String fixtures = Files.readString(reports.resolve("TEST-com.acme.protocol.FrameCodecTest.xml"));
        assertThat(fixtures).contains("failures=\"0\"").contains("errors=\"0\"");
        try (JarFile jar = new JarFile(jar().toFile())) {
            var mf = jar.getManifest().getMainAttributes();
            assertThat(mf.getValue("Bundle-SymbolicName")).isEqualTo("com.acme.acme-meter");
            assertThat(mf.getValue("Import-Package")).contains("org.meter2mqtt.api;version=\"[1.");
            assertThat(mf.getValue("Export-Package")).isNull();
            assertThat(jar.getEntry("OSGI-INF/com.acme.internal.AcmeComponent.xml")).isNotNull();
        }
    }

    @Test
    @Order(3)
    void droppedIntoDeployItGoesOnlineWithOnlyTheDriverKey() throws Exception {
        gateway = copyDistribution(work.resolve("gateway"));
        int broker = freePort();
        set("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(freePort()));
        set("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", Integer.toString(freePort()));
        set("etc/org.apache.karaf.management.cfg", "rmiServerPort", Integer.toString(freePort()));
        set("etc/org.meter2mqtt.broker.cfg", "port", Integer.toString(broker));
        set("etc/org.meter2mqtt.mqtt.cfg", "url", "tcp://127.0.0.1:" + broker);
        if (Files.exists(gateway.resolve("etc/org.meter2mqtt.http.cfg"))) {
            set("etc/org.meter2mqtt.http.cfg", "port", Integer.toString(freePort()));
        }
        Files.copy(project.resolve("etc/org.meter2mqtt.device-acme-1.cfg"),
                gateway.resolve("etc/org.meter2mqtt.device-acme-1.cfg"));
        ProcessBuilder pb = new ProcessBuilder(gateway.resolve("bin/karaf").toString(), "server")
                .directory(gateway.toFile()).redirectErrorStream(true)
                .redirectOutput(gateway.resolve("console.log").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("EXTRA_JAVA_OPTS");
        karaf = pb.start();
        Path log = gateway.resolve("data/log/karaf.log");
        // generous: the machine may be busy; the console output tells why when it does not start
        assertThat(await(240, () -> read(log).contains("Driver 'demo'")))
                .as("the gateway started; console:\n" + tail(read(gateway.resolve("console.log"))) + "\nlog:\n"
                        + tail(read(log)))
                .isTrue();
        // dropped after start, as a vendor's jar reaches a running gateway
        Files.copy(jar(), gateway.resolve("deploy/acme-meter.jar"), StandardCopyOption.REPLACE_EXISTING);
        boolean online = await(120, () -> read(log).matches("(?s).*Device acme-1: \\w+ -> ONLINE.*"));
        assertThat(online).as("device acme-1 ONLINE; log:\n" + tail(read(log))).isTrue();
        assertThat(read(log)).contains("Driver 'acme' 1.0.0.SNAPSHOT available");
    }

    // ---- helpers

    private static Path jar() {
        return project.resolve("target/acme-meter-1.0.0-SNAPSHOT.jar");
    }

    private static void mvn(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("maven.home"), "bin", "mvn").toString());
        cmd.add("-B");
        cmd.add("-Dmaven.repo.local=" + System.getProperty("maven.repo.local"));
        // -Darchetype.it.offline=true on the outer command line: the nested builds stay offline too
        if (Boolean.parseBoolean(System.getProperty("archetype.it.offline"))) {
            cmd.add("-o");
        }
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(work, "mvn-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAVEN_OPTS");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("mvn " + String.join(" ", args) + " hung");
        }
        String output = Files.readString(out);
        assertThat(p.exitValue()).as("mvn " + String.join(" ", args) + "\n" + tail(output)).isZero();
    }

    private static Path copyDistribution(Path home) throws IOException {
        Path source = Paths.get(System.getProperty("meter2mqtt.assembly"));
        if (!Files.isDirectory(source.resolve("bin"))) {
            throw new IllegalStateException("no built distribution at " + source + ": build karaf-assembly first");
        }
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = source.relativize(p);
                if (rel.startsWith("data")) {
                    continue;
                }
                Path to = home.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Files.createDirectories(home.resolve("deploy"));
        return home;
    }

    private static void set(String file, String key, String value) throws IOException {
        Path f = gateway.resolve(file);
        List<String> lines = Files.exists(f) ? new ArrayList<>(Files.readAllLines(f)) : new ArrayList<>();
        lines.removeIf(l -> l.trim().matches(java.util.regex.Pattern.quote(key) + "\\s*[=:].*"));
        lines.add(key + " = " + value);
        Files.write(f, lines, StandardCharsets.UTF_8);
    }

    private static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>();
        p.descendants().forEach(all::add);
        all.add(p.toHandle());
        Optional<ProcessHandle> jvm = all.stream()
                .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst();
        jvm.map(List::of).orElse(all).forEach(ProcessHandle::destroy);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            all.forEach(ProcessHandle::destroyForcibly);
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String s) {
        return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
    }

    private static boolean await(int seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(500);
        }
        return condition.getAsBoolean();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
