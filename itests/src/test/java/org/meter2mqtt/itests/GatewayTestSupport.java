package org.meter2mqtt.itests;

import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.when;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.OutputStatus;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.options.MavenArtifactUrlReference;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** Boots the real meter2mqtt distribution (the tar.gz this build made) and gives tests a shell. */
public abstract class GatewayTestSupport {

    @Inject
    protected DeviceRegistry registry;

    @Inject
    protected SessionFactory sessionFactory;

    protected Option[] baseOptions(Option... extra) {
        MavenArtifactUrlReference distribution = maven().groupId("org.meter2mqtt")
                .artifactId("meter2mqtt-karaf-assembly").versionAsInProject().type("tar.gz");
        String repo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        // the status page's HTTP port: free, so that test runs (and a gateway on 8181) never collide
        String httpPort = Integer.toString(freePort());
        Option[] base = {
                karafDistributionConfiguration().frameworkUrl(distribution).name("meter2mqtt")
                        .unpackDirectory(new File("target/exam")).useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.INFO),
                junitBundles(),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(freePort())),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository", repo),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.defaultRepositories",
                        "file:" + repo + "@id=local@snapshots"),
                systemProperty("meter2mqtt.testdriver.jar").value(System.getProperty("testdriver.jar", "")),
                editConfigurationFilePut("etc/org.meter2mqtt.http.cfg", "port", httpPort),
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", httpPort),
                systemProperty("meter2mqtt.itest.http.port").value(httpPort),
        };
        Option[] all = new Option[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    /**
     * The embedded broker on a free port, the MQTT output pointed at it and a fixed gateway id, written into
     * etc/ before boot; the port reaches the tests as system property {@code meter2mqtt.itest.broker.port}.
     */
    protected static Option[] embeddedBrokerOptions(String gatewayId) {
        int port = freePort();
        return new Option[] {
                editConfigurationFilePut("etc/org.meter2mqtt.broker.cfg", "port", Integer.toString(port)),
                editConfigurationFilePut("etc/org.meter2mqtt.mqtt.cfg", "url", "tcp://127.0.0.1:" + port),
                editConfigurationFilePut("etc/org.meter2mqtt.mqtt.cfg", "gateway.id", gatewayId),
                systemProperty("meter2mqtt.itest.broker.port").value(Integer.toString(port)),
        };
    }

    /** A gateway with the embedded broker on a free port and the simulators' classpath, for the driver tests. */
    protected Option[] simulatorGatewayOptions(String gatewayId) {
        return baseOptions(org.ops4j.pax.exam.CoreOptions.composite(embeddedBrokerOptions(gatewayId)),
                simulatorsClasspathOption(), keepRuntimeFolderOnRequest());
    }

    /** With {@code -Ditest.keep=true}, leaves target/exam/<run> (logs, etc/, data/) for a look after the run. */
    protected static Option keepRuntimeFolderOnRequest() {
        return when(Boolean.getBoolean("itest.keep")).useOptions(keepRuntimeFolder());
    }

    /** The URL of the embedded broker set up by {@link #embeddedBrokerOptions}, for test clients. */
    protected static String embeddedBrokerUrl() {
        return "tcp://127.0.0.1:" + System.getProperty("meter2mqtt.itest.broker.port");
    }

    /** Where the build wrote the simulators' classpath (maven-dependency-plugin), for {@link ExternalProcess}. */
    protected static Option simulatorsClasspathOption() {
        return systemProperty("meter2mqtt.simulators.classpath.file")
                .value(System.getProperty("simulators.classpath.file", ""));
    }

    /**
     * Waits until the MQTT output says it delivers ({@link OutputStatus#healthy()}): right after boot the tests
     * may start before the embedded broker listens and the output has connected. The output retries a broker on
     * loopback every second for two minutes after start, so this waits about as long as the broker takes to listen,
     * which on a loaded machine can be tens of seconds.
     */
    protected static void awaitMqttOutputHealthy(long seconds) throws InterruptedException {
        BundleContext context = FrameworkUtil.getBundle(GatewayTestSupport.class).getBundleContext();
        String[] last = {"no OutputStatus service named mqtt"};
        try {
            await("the MQTT output connected", seconds, () -> {
                try {
                    for (ServiceReference<OutputStatus> ref : context.getServiceReferences(OutputStatus.class, null)) {
                        OutputStatus s = context.getService(ref);
                        try {
                            if (s != null && "mqtt".equals(s.outputName())) {
                                last[0] = s.summary();
                                return s.healthy();
                            }
                        } finally {
                            context.ungetService(ref);
                        }
                    }
                    return false;
                } catch (InvalidSyntaxException e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (AssertionError e) {
            // no cause: Pax Exam reported the cause alone, which dropped this message (CI, 2026-12-06)
            throw new AssertionError(e.getMessage() + "; mqtt output: " + last[0] + "; karaf.log: "
                    + outputAndBrokerLog());
        }
    }

    /** The MQTT output's and the embedded broker's karaf.log lines, the last 15, for a failure message. */
    private static String outputAndBrokerLog() {
        try {
            List<String> lines = karafLogMatches(0, "\\| (MqttPublisher|EmbeddedBroker|BrokerComponent) ");
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(not readable: " + e + ")";
        }
    }

    /** A fresh folder under Karaf's data folder, e.g. for pseudo-terminal links or a broker's files. */
    protected static Path tempDir(String prefix) throws IOException {
        Path base = Paths.get(System.getProperty("karaf.data"), "tmp");
        Files.createDirectories(base);
        return Files.createTempDirectory(base, prefix);
    }

    protected static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a shell command as an operator would and returns what it printed. */
    /**
     * Runs a shell command. Karaf registers a bundle's commands after the bundle started, asynchronously, so a test
     * that runs first can find them missing ("Command not found: meter:add", seen once in CI): retried up to 30 s.
     */
    protected String executeCommand(String command) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return executeOnce(command);
            } catch (Exception e) {
                if (!e.getClass().getSimpleName().equals("CommandNotFoundException") || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private String executeOnce(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Session session = sessionFactory.create(System.in, out, out);
            try {
                Object result = session.execute(command);
                if (result != null) {
                    out.println(result);
                }
            } finally {
                session.close();
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    protected static Path etc() {
        return Paths.get(System.getProperty("karaf.etc"));
    }

    protected static Path deploy() {
        return Paths.get(System.getProperty("karaf.base"), "deploy");
    }

    protected static Path cfg(String deviceId) {
        return etc().resolve("org.meter2mqtt.device-" + deviceId + ".cfg");
    }

    protected static void writeCfg(String deviceId, String... lines) throws IOException {
        Path tmp = etc().resolve("." + deviceId + ".tmp");
        Files.write(tmp, List.of(lines));
        Files.move(tmp, cfg(deviceId), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Karaf's log file of the runtime under test (data/log/karaf.log). */
    protected static Path karafLog() {
        String dir = System.getProperty("karaf.log");
        return dir != null ? Paths.get(dir, "karaf.log") : Paths.get(System.getProperty("karaf.data"), "log",
                "karaf.log");
    }

    /** The lines of karaf.log so far; a test notes the count at its start and looks only at later lines. */
    protected static List<String> karafLogLines() throws IOException {
        // decoded leniently: a log line may hold bytes a meter sent
        String text = new String(Files.readAllBytes(karafLog()), StandardCharsets.UTF_8);
        return List.of(text.split("\\r?\\n"));
    }

    /** The lines of karaf.log from line {@code from} on that match {@code regex} (anywhere in the line). */
    protected static List<String> karafLogMatches(int from, String regex) throws IOException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        List<String> all = karafLogLines();
        List<String> out = new java.util.ArrayList<>();
        for (int i = Math.min(from, all.size()); i < all.size(); i++) {
            if (p.matcher(all.get(i)).find()) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** Waits for a karaf.log line (from line {@code from} on) matching {@code regex} and returns it. */
    protected static String awaitLogLine(String what, long seconds, int from, String regex) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<String> m = karafLogMatches(from, regex);
            if (!m.isEmpty()) {
                return m.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + " in " + karafLog()
                        + " (/" + regex + "/)");
            }
            Thread.sleep(100);
        }
    }

    /** The time a karaf.log line was written (its ISO-8601 local time stamp), as epoch milliseconds. */
    protected static long logMillis(String line) {
        java.time.LocalDateTime t = java.time.LocalDateTime.parse(line.substring(0, 23),
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss,SSS"));
        return t.atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
    }

    /**
     * Sets {@code key = value} in a .cfg file (replacing the line of the key, or appending one), written beside
     * and moved in so that FileInstall never reads half a file.
     */
    protected static void setCfgKey(Path file, String key, String value) throws IOException {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        java.util.regex.Pattern keyLine = java.util.regex.Pattern.compile("^\\s*" + java.util.regex.Pattern.quote(key)
                + "\\s*[=:].*$");
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            if (keyLine.matcher(lines.get(i)).matches()) {
                lines.set(i, key + " = " + value);
                found = true;
            }
        }
        if (!found) {
            lines.add(key + " = " + value);
        }
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs a shell command until its output satisfies {@code condition}, and returns that output. */
    protected String awaitCommandOutput(String command, String what, long seconds,
            java.util.function.Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String out;
        do {
            out = executeCommand(command);
            if (condition.test(out)) {
                return out;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("timed out after " + seconds + " s waiting for " + what + " in " + command + ":\n"
                + out);
    }

    /** The counter test driver's "count" channel of a device, 0 before its first reading. */
    protected long count(String id) {
        return registry.device(id).map(d -> d.latest().get("count")).map(r -> r.number().longValue()).orElse(0L);
    }

    /** When each device's readings arrived, seen by a MeterOutput the test registers: for no-gap checks. */
    protected static final class ReadingTimes implements AutoCloseable {
        private final java.util.Map<String, List<java.time.Instant>> times = new java.util.concurrent.ConcurrentHashMap<>();
        private final org.osgi.framework.ServiceRegistration<org.meter2mqtt.api.MeterOutput> registration;

        ReadingTimes(BundleContext context) {
            registration = context.registerService(org.meter2mqtt.api.MeterOutput.class,
                    new org.meter2mqtt.api.MeterOutput() {
                        @Override
                        public void deviceChanged(DeviceInfo device) {
                        }

                        @Override
                        public void readings(DeviceInfo device, List<org.meter2mqtt.api.Reading> batch) {
                            times.computeIfAbsent(device.id(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                                    .add(java.time.Instant.now());
                        }

                        @Override
                        public void deviceRemoved(DeviceInfo device) {
                        }
                    }, null);
        }

        /** The arrival times of one device's readings so far, oldest first. */
        public List<java.time.Instant> of(String deviceId) {
            return new java.util.ArrayList<>(times.getOrDefault(deviceId, List.of()));
        }

        @Override
        public void close() {
            registration.unregister();
        }
    }

    /** Starts recording when readings arrive; close it at the end of the test. */
    protected static ReadingTimes recordReadingTimes() {
        return new ReadingTimes(FrameworkUtil.getBundle(GatewayTestSupport.class).getBundleContext());
    }

    /** The longest time between two consecutive arrivals, in milliseconds. */
    protected static long maxGapMs(List<java.time.Instant> seen) {
        long max = 0;
        for (int i = 1; i < seen.size(); i++) {
            max = Math.max(max, java.time.Duration.between(seen.get(i - 1), seen.get(i)).toMillis());
        }
        return max;
    }

    /**
     * A copy of a driver jar with another Bundle-Version (and extra entries, e.g. a marker that makes each copy its
     * own content), as a vendor's new release would be. Built under data/tmp and moved in atomically: FileInstall
     * would pick up a half-written file in deploy/.
     */
    protected static Path jarWithVersion(Path source, Path target, String version,
            java.util.Map<String, byte[]> extraEntries) throws IOException {
        Path tmp = Paths.get(System.getProperty("karaf.data"), "tmp", target.getFileName() + ".part");
        Files.createDirectories(tmp.getParent());
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(source))) {
            java.util.jar.Manifest mf = in.getManifest();
            if (mf == null) {
                throw new AssertionError("no manifest in " + source);
            }
            mf.getMainAttributes().put(new java.util.jar.Attributes.Name("Bundle-Version"), version);
            try (java.io.OutputStream raw = Files.newOutputStream(tmp);
                    java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(raw, mf)) {
                java.util.jar.JarEntry e;
                while ((e = in.getNextJarEntry()) != null) {
                    out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                    out.write(in.readAllBytes());
                    out.closeEntry();
                }
                for (var extra : new java.util.TreeMap<>(extraEntries).entrySet()) {
                    out.putNextEntry(new java.util.jar.JarEntry(extra.getKey()));
                    out.write(extra.getValue());
                    out.closeEntry();
                }
            }
        }
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    protected DeviceState state(String id) {
        return registry.device(id).map(DeviceInfo::state).orElse(null);
    }

    protected static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    protected void awaitState(String id, DeviceState expected, long seconds) throws InterruptedException {
        try {
            await(id + " " + expected, seconds, () -> state(id) == expected);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; device is " + registry.device(id).map(Object::toString)
                    .orElse("absent"), e);
        }
    }
}
