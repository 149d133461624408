package org.meter2mqtt.itests;

import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
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
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.options.MavenArtifactUrlReference;

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
        };
        Option[] all = new Option[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    protected static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a shell command as an operator would and returns what it printed. */
    protected String executeCommand(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Session session = sessionFactory.create(System.in, out, out);
            Object result = session.execute(command);
            if (result != null) {
                out.println(result);
            }
            session.close();
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
