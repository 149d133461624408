package org.meter2mqtt.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;

/** The runtime in the real distribution: .cfg files, hot-deployed drivers, isolation, shell. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GatewayIT extends GatewayTestSupport {

    @Inject
    BundleContext bundleContext;

    @Configuration
    public Option[] config() {
        return baseOptions();
    }

    @Test
    public void demoDevicesShippedInTheDistributionComeOnline() throws Exception {
        awaitState("demo-house", DeviceState.ONLINE, 20);
        awaitState("demo-solar", DeviceState.ONLINE, 20);
        String list = executeCommand("meter:list");
        assertTrue(list, list.contains("demo-house") && list.contains("ONLINE"));
    }

    /** .cfg files are UTF-8 (etc/custom.properties tells FileInstall), as the shell and editors write them. */
    @Test
    public void aNameWithAccentsInTheCfgReachesTheDeviceAsWritten() throws Exception {
        String kitchen = "K\u00fcche \u00fcber dem Caf\u00e9 \u20ac";
        writeCfg("it-utf8", "driver = demo", "poll.interval = 1", "name = " + kitchen);
        awaitState("it-utf8", DeviceState.ONLINE, 15);
        assertEquals(kitchen, registry.device("it-utf8").get().name());

        String bakery = "B\u00e4ckerei";
        String out = executeCommand("meter:set it-utf8 name=" + bakery);
        assertTrue(out, out.contains("Updated"));
        await("renamed by meter:set", 15,
                () -> bakery.equals(registry.device("it-utf8").map(DeviceInfo::name).orElse("")));
        assertCfgContains("name = " + bakery, "it-utf8");

        Files.delete(cfg("it-utf8"));
        await("device removed", 15, () -> registry.device("it-utf8").isEmpty());
    }

    @Test
    public void cfgFileCreatesReconfiguresAndRemovesADevice() throws Exception {
        writeCfg("it-file", "driver = demo", "poll.interval = 1", "name = First name");
        awaitState("it-file", DeviceState.ONLINE, 15);
        assertEquals("First name", registry.device("it-file").get().name());

        writeCfg("it-file", "driver = demo", "poll.interval = 1", "name = Second name");
        await("renamed", 15, () -> "Second name".equals(registry.device("it-file").map(DeviceInfo::name).orElse("")));
        awaitState("it-file", DeviceState.ONLINE, 15);

        Files.delete(cfg("it-file"));
        await("device removed", 15, () -> registry.device("it-file").isEmpty());
    }

    @Test
    public void badCfgPutsOnlyThatDeviceInConfigError() throws Exception {
        writeCfg("it-bad", "driver = demo", "poll.interval = often", "base.lod = 100");
        writeCfg("it-missing", "name = no driver key");
        awaitState("it-bad", DeviceState.CONFIG_ERROR, 15);
        awaitState("it-missing", DeviceState.CONFIG_ERROR, 15);
        String show = executeCommand("meter:show it-bad");
        assertTrue(show, show.contains("'poll.interval' must be a number, got 'often'"));
        assertTrue(show, show.contains("unknown key 'base.lod'") && show.contains("did you mean 'base.load'"));
        assertTrue(executeCommand("meter:show it-missing").contains("'driver' is required"));
        awaitState("demo-house", DeviceState.ONLINE, 15);
        Files.delete(cfg("it-bad"));
        Files.delete(cfg("it-missing"));
    }

    @Test
    public void hotDeployedDriverStartsUpgradesAndLeavesWithoutDisturbingOthers() throws Exception {
        Path jar = Paths.get(System.getProperty("meter2mqtt.testdriver.jar"));
        assertTrue("test driver jar " + jar, Files.exists(jar));
        Path deployed = deploy().resolve("meter2mqtt-testdriver.jar");

        // a device of another driver, read every second, must not see a gap through all of this
        writeCfg("it-bystander", "driver = demo", "poll.interval = 1");
        awaitState("it-bystander", DeviceState.ONLINE, 15);
        ReadingTimes recorder = recordReadingTimes();
        try {
            writeCfg("it-counter", "driver = counter");
            awaitState("it-counter", DeviceState.WAITING_FOR_DRIVER, 15);

            Instant dropped = Instant.now();
            copyWithVersion(jar, deployed, "1.0.0");
            awaitState("it-counter", DeviceState.ONLINE, 20);
            System.out.println("METRIC deploy-to-online-ms " + Duration.between(dropped, Instant.now()).toMillis());
            assertEquals("1.0.0", registry.device("it-counter").get().driverVersion());
            await("count reaches 3", 20, () -> count("it-counter") >= 3);

            // same file name, higher version: FileInstall updates the bundle in place
            copyWithVersion(jar, deployed, "1.1.0");
            await("upgraded", 20, () -> "1.1.0".equals(registry.device("it-counter").map(DeviceInfo::driverVersion)
                    .orElse("")) && state("it-counter") == DeviceState.ONLINE);
            long afterUpgrade = count("it-counter");
            await("counting on", 20, () -> count("it-counter") > afterUpgrade);
            assertTrue("persistent state survived the upgrade: count " + afterUpgrade, afterUpgrade >= 3);

            Files.delete(deployed);
            awaitState("it-counter", DeviceState.WAITING_FOR_DRIVER, 20);
            assertEquals(DeviceState.ONLINE, state("it-bystander"));

            List<Instant> seen = recorder.of("it-bystander");
            assertTrue("bystander readings " + seen.size(), seen.size() >= 5);
            long maxGapMs = maxGapMs(seen);
            assertTrue("bystander gap " + maxGapMs + " ms", maxGapMs < 2_500);
        } finally {
            recorder.close();
            Files.deleteIfExists(deployed);
            Files.deleteIfExists(cfg("it-counter"));
            Files.deleteIfExists(cfg("it-bystander"));
        }
    }

    @Test
    public void aDriverThatThrowsOnEveryPollHurtsOnlyItsDevices() throws Exception {
        Path jar = Paths.get(System.getProperty("meter2mqtt.testdriver.jar"));
        Path deployed = deploy().resolve("meter2mqtt-crashing.jar");
        try {
            copyWithVersion(jar, deployed, "1.0.0");
            writeCfg("it-crash", "driver = crashing");
            awaitState("it-crash", DeviceState.OFFLINE, 20);
            DeviceInfo crash = registry.device("it-crash").get();
            assertTrue(crash.reason(), crash.reason().contains("this driver crashes on every poll"));
            long before = registry.device("demo-house").get().readingCount();
            await("demo keeps reading", 20, () -> registry.device("demo-house").get().readingCount() > before + 11);
            assertEquals(DeviceState.ONLINE, state("demo-house"));
        } finally {
            Files.deleteIfExists(cfg("it-crash"));
            Files.deleteIfExists(deployed);
        }
    }

    @Test
    public void shellCommandsManageCfgFiles() throws Exception {
        String out = executeCommand("meter:add it-shell demo poll.interval=1 name=Shell");
        assertTrue(out, out.contains("Created"));
        assertCfgContains("poll.interval = 1", "it-shell");
        awaitState("it-shell", DeviceState.ONLINE, 15);

        out = executeCommand("meter:add it-shell demo");
        assertTrue(out, out.contains("exists already"));
        out = executeCommand("meter:add it-shell2 demo poll.interval=0");
        assertTrue(out, out.contains("'poll.interval' must be at least 1") && out.contains("Nothing written"));
        assertTrue(Files.notExists(cfg("it-shell2")));

        out = executeCommand("meter:set it-shell base.load=1000");
        assertTrue(out, out.contains("Updated"));
        assertCfgContains("base.load = 1000", "it-shell");

        out = executeCommand("meter:read it-shell");
        assertTrue(out, out.contains("energy_import") && out.contains("kWh") && out.contains("voltage_l1"));

        out = executeCommand("meter:show it-shell");
        assertTrue(out, out.contains("base.load = 1000") && out.contains("energy_import"));

        out = executeCommand("meter:drivers -k");
        assertTrue(out, out.contains("demo") && out.contains("org.meter2mqtt.driver.demo") && out.contains("base.load"));

        out = executeCommand("meter:disable it-shell");
        assertCfgContains("enabled = false", "it-shell");
        awaitState("it-shell", DeviceState.DISABLED, 15);
        executeCommand("meter:enable it-shell");
        awaitState("it-shell", DeviceState.ONLINE, 15);

        out = executeCommand("meter:show nosuchdevice");
        assertTrue(out, out.contains("No device 'nosuchdevice'"));

        out = executeCommand("meter:remove it-shell");
        assertTrue(out, out.contains("Deleted"));
        await("removed", 15, () -> registry.device("it-shell").isEmpty());
    }

    /**
     * The .cfg's text, read until it matches for up to 5 s: Felix FileInstall may save the file back while the
     * configuration it just read is applied (truncate, then write), and a read in that moment sees it empty.
     */
    private void assertCfgText(String expected, String device) throws Exception {
        assertEquals(expected, cfgTextWhen(device, expected::equals));
    }

    /** As {@link #assertCfgText}, for a part of the text. */
    private void assertCfgContains(String part, String device) throws Exception {
        String text = cfgTextWhen(device, t -> t.contains(part));
        assertTrue("no '" + part + "' in:\n" + text, text.contains(part));
    }

    /** The .cfg's text once {@code wanted} holds for it, or as it is after 5 s. */
    private String cfgTextWhen(String device, java.util.function.Predicate<String> wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String text = Files.readString(cfg(device));
        while (!wanted.test(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            text = Files.readString(cfg(device));
        }
        return text;
    }

    @Test
    public void meterSetEnableAndDisableKeepTheUsersCommentsOrderAndFormatting() throws Exception {
        String original = String.join("\n",
                "# Kitchen, installed by the electrician in March",
                "driver=demo",
                "",
                "# read it often: the induction hob",
                "poll.interval : 1",
                "   name   =   Kitchen",
                "base.load = 800",
                "");
        writeCfg("it-commented", original.split("\n"));
        awaitState("it-commented", DeviceState.ONLINE, 15);

        String out = executeCommand("meter:set it-commented base.load=950 poll.interval=2");
        assertTrue(out, out.contains("Updated"));
        String expected = original.replace("base.load = 800", "base.load = 950")
                .replace("poll.interval : 1", "poll.interval : 2");
        assertCfgText(expected, "it-commented");
        await("base.load 950 applied", 15, () -> registry.device("it-commented")
                .map(d -> "950".equals(d.config().get("base.load"))).orElse(false));

        executeCommand("meter:disable it-commented");
        assertCfgText(expected + "enabled = false\n", "it-commented");
        awaitState("it-commented", DeviceState.DISABLED, 15);
        executeCommand("meter:enable it-commented");
        assertCfgText(expected, "it-commented");
        awaitState("it-commented", DeviceState.ONLINE, 15);

        out = executeCommand("meter:add it-typo demoo");
        assertTrue(out, out.contains("did you mean 'demo'") && out.contains("Nothing written"));
        assertTrue(Files.notExists(cfg("it-typo")));
        Files.delete(cfg("it-commented"));
        await("removed", 15, () -> registry.device("it-commented").isEmpty());
    }

    /**
     * FileInstall saves a configuration back into its .cfg on the CM_UPDATED event, which Config Admin delivers later,
     * on its own thread, with the values the configuration has by then. When the event of a device's previous values
     * came after meter:set had written the file, that save-back put the previous values over the edit, and FileInstall
     * took the file as seen: the edit was never applied. Config Admin's event thread is held here until meter:set has
     * written the file, which makes that order certain.
     */
    @Test
    public void meterSetSurvivesFileInstallSavingThePreviousValuesBackLate() throws Exception {
        ConfigurationAdmin configAdmin = bundleContext.getService(
                bundleContext.getServiceReference(ConfigurationAdmin.class));
        String gatePid = "org.meter2mqtt.itests.gate";
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<ConfigurationEvent> passed = new LinkedBlockingQueue<>();
        ServiceRegistration<ConfigurationListener> gate = bundleContext.registerService(ConfigurationListener.class,
                event -> {
                    if (gatePid.equals(event.getPid()) && event.getType() == ConfigurationEvent.CM_UPDATED) {
                        held.countDown();
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        passed.add(event);
                    }
                }, null);
        org.osgi.service.cm.Configuration gateConfig = configAdmin.getConfiguration(gatePid, "?");
        ExecutorService shell = Executors.newSingleThreadExecutor();
        try {
            gateConfig.update(new Hashtable<>(Map.of("round", "1")));
            assertTrue("Config Admin's event thread is at the gate", held.await(15, TimeUnit.SECONDS));
            // the event of the configuration FileInstall makes of this file waits behind the gate
            writeCfg("it-late", "driver = demo", "poll.interval = 1", "base.load = 800");
            awaitState("it-late", DeviceState.ONLINE, 15);

            Future<String> set = shell.submit(() -> executeCommand("meter:set it-late base.load=950"));
            // the event goes once the file says 950, long before FileInstall's next look at etc/ (every second)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!Files.readString(cfg("it-late")).contains("base.load = 950") && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            release.countDown();
            String out = set.get(30, TimeUnit.SECONDS);
            assertTrue(out, out.contains("Updated"));

            try {
                await("base.load 950 applied", 15, () -> registry.device("it-late")
                        .map(d -> "950".equals(d.config().get("base.load"))).orElse(false));
            } catch (AssertionError e) {
                // no cause: Pax Exam would report only the cause
                throw new AssertionError(e.getMessage() + "; meter:set said:\n" + out + "the file says:\n"
                        + Files.readString(cfg("it-late")));
            }
            // Config Admin delivers events in order: once a second one passes the gate, the save-backs are done
            gateConfig.update(new Hashtable<>(Map.of("round", "2")));
            for (int i = 0; i < 2; i++) {
                assertTrue("events delivered", passed.poll(15, TimeUnit.SECONDS) != null);
            }
            Properties file = new Properties();
            try (java.io.Reader r = Files.newBufferedReader(cfg("it-late"))) {
                file.load(r);
            }
            assertEquals("950", file.getProperty("base.load"));
            assertEquals("demo", file.getProperty("driver"));
            assertEquals("950", registry.device("it-late").get().config().get("base.load"));
        } finally {
            release.countDown();
            gate.unregister();
            gateConfig.delete();
            shell.shutdownNow();
            Files.deleteIfExists(cfg("it-late"));
        }
        await("removed", 15, () -> registry.device("it-late").isEmpty());
    }

    @Test
    public void secretsAreNotPublishedAsServiceProperties() throws Exception {
        // DS would publish a component's configuration (passwords included) as service properties
        for (org.osgi.framework.ServiceReference<?> ref : bundleContext.getAllServiceReferences(null, null)) {
            if (!ref.getBundle().getSymbolicName().startsWith("org.meter2mqtt")) {
                continue;
            }
            for (String key : ref.getPropertyKeys()) {
                assertTrue(ref + " exposes " + key, !key.toLowerCase().contains("password")
                        && !key.toLowerCase().endsWith(".key"));
            }
        }
    }

    /** Copies the driver jar with another Bundle-Version, as a vendor's new release would be. */
    static void copyWithVersion(Path source, Path target, String version) throws Exception {
        jarWithVersion(source, target, version, java.util.Map.of());
    }
}
