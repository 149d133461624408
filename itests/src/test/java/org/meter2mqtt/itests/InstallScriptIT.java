package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/**
 * scripts/install.sh, which scripts/start.sh runs after a build: an upgrade never loses what the user changed in
 * etc/, data/ or deploy/, and still brings the new version's bundles and unchanged configuration files.
 */
public class InstallScriptIT {

    private static final Path REPO = Paths.get("..").toAbsolutePath().normalize();

    @Test
    public void anUpgradeKeepsTheUsersEditsDataAndDriversAndBringsTheNewVersion() throws Exception {
        Path work = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "install-it");
        Path v1 = work.resolve("v1");
        Path v2 = work.resolve("v2");
        Path home = work.resolve("home");
        copy(REPO.resolve("karaf-assembly/target/assembly"), v1);
        copy(v1, v2);

        assertEquals(0, install(v1, home));
        Path etc = home.resolve("etc");
        append(etc.resolve("org.meter2mqtt.mqtt.cfg"), "url = tcp://homeassistant.lan:1883\n");
        Files.delete(etc.resolve("org.meter2mqtt.device-demo-solar.cfg"));
        Files.writeString(etc.resolve("org.meter2mqtt.device-kitchen.cfg"), "driver = demo\n");
        Files.createDirectories(home.resolve("data/meter2mqtt/devices"));
        Files.writeString(home.resolve("data/meter2mqtt/devices/kitchen.properties"), "energy=12.5\n");
        Files.createDirectories(home.resolve("data/cache/bundle1"));
        Files.writeString(home.resolve("deploy/acme-driver.jar"), "a vendor's driver");

        // the next version changes two shipped files, adds one, and has new bundles
        append(v2.resolve("etc/org.meter2mqtt.mqtt.cfg"), "# new in v2\n");
        append(v2.resolve("etc/org.meter2mqtt.broker.cfg"), "# new in v2\n");
        Files.writeString(v2.resolve("etc/org.meter2mqtt.new-in-v2.cfg"), "enabled = true\n");
        Files.writeString(v2.resolve("system/marker-v2"), "v2");
        assertEquals(0, install(v2, home));

        String mqtt = Files.readString(etc.resolve("org.meter2mqtt.mqtt.cfg"));
        assertTrue("the user's edit is kept", mqtt.contains("homeassistant.lan") && !mqtt.contains("new in v2"));
        assertTrue("the new version's file is beside it",
                Files.readString(etc.resolve("org.meter2mqtt.mqtt.cfg.dist")).contains("new in v2"));
        assertTrue("an unchanged shipped file is updated",
                Files.readString(etc.resolve("org.meter2mqtt.broker.cfg")).contains("new in v2"));
        assertTrue("a new file arrives", Files.exists(etc.resolve("org.meter2mqtt.new-in-v2.cfg")));
        assertFalse("a shipped device the user removed stays removed",
                Files.exists(etc.resolve("org.meter2mqtt.device-demo-solar.cfg")));
        assertEquals("driver = demo\n", Files.readString(etc.resolve("org.meter2mqtt.device-kitchen.cfg")));
        assertEquals("energy=12.5\n", Files.readString(home.resolve("data/meter2mqtt/devices/kitchen.properties")));
        assertEquals("a vendor's driver", Files.readString(home.resolve("deploy/acme-driver.jar")));
        assertTrue("the new bundles", Files.exists(home.resolve("system/marker-v2")));
        assertFalse("Karaf's cache of the old bundles is dropped", Files.exists(home.resolve("data/cache")));

        // a running installation is never touched
        Process karaf = new ProcessBuilder("sh", "-c", "sleep 60; : stands in for bin/karaf").start();
        try {
            Files.writeString(home.resolve("karaf.pid"), Long.toString(karaf.pid()));
            String before = Files.readString(etc.resolve("org.meter2mqtt.broker.cfg"));
            Files.writeString(v2.resolve("etc/org.meter2mqtt.broker.cfg"), "changed while running\n");
            assertNotEquals(0, install(v2, home));
            assertEquals(before, Files.readString(etc.resolve("org.meter2mqtt.broker.cfg")));
        } finally {
            karaf.destroyForcibly();
        }
    }

    private static int install(Path dist, Path home) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", REPO.resolve("scripts/install.sh").toString(), dist.toString(),
                home.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        System.out.print(out);
        return p.exitValue();
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, java.nio.file.StandardOpenOption.APPEND);
    }

    private static void copy(Path from, Path to) throws IOException, InterruptedException {
        Files.createDirectories(to.getParent());
        assertEquals(0, new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start().waitFor());
    }
}
