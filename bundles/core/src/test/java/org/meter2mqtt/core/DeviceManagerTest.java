package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.Reading;

class DeviceManagerTest {

    @TempDir
    Path dir;

    DeviceManager manager;
    RecordingOutput output = new RecordingOutput();

    @BeforeEach
    void start() {
        manager = new DeviceManager(dir, Clock.systemUTC());
        manager.setBackoff(Duration.ofMillis(100), Duration.ofMillis(400));
        manager.addOutput(output);
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    static Map<String, String> cfg(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    DeviceState state(String id) {
        return manager.device(id).map(DeviceInfo::state).orElse(null);
    }

    String reason(String id) {
        return manager.device(id).map(DeviceInfo::reason).orElse(null);
    }

    @Test
    void deviceWaitsForItsDriverAndStartsWhenItArrives() throws Exception {
        manager.configure("m1", cfg("driver", "fake", "port", "x"));
        assertThat(state("m1")).isEqualTo(DeviceState.WAITING_FOR_DRIVER);
        assertThat(reason("m1")).contains("'fake' is not installed");

        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        await("ONLINE", () -> state("m1") == DeviceState.ONLINE);
        await("readings", () -> output.readingsOf("m1") >= 2);
        DeviceInfo info = manager.device("m1").orElseThrow();
        assertThat(info.driverVersion()).isEqualTo("1.0.0");
        assertThat(info.latest()).containsKeys("count", "power");

        manager.removeDriver(driver);
        assertThat(state("m1")).isEqualTo(DeviceState.WAITING_FOR_DRIVER);
        assertThat(driver.closes.get()).isEqualTo(driver.opens.get());
    }

    /**
     * A device configured while its driver registers (Karaf starting: fileinstall and the driver bundle race) must
     * end up served, never stuck waiting with "'fake' is not installed (installed: fake)". The device's lock is
     * held while both calls start, so they meet in either order once it is released.
     */
    @Test
    void aDriverAppearingWhileItsDeviceIsConfiguredIsNeverMissed() throws Exception {
        for (int round = 0; round < 20; round++) {
            String id = "race" + round;
            manager.configure(id, cfg("driver", "other", "port", "x"));
            Device device = manager.deviceObject(id);
            ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
            Thread configures = new Thread(() -> manager.configure(id, cfg("driver", "fake", "port", "x")));
            Thread registers = new Thread(() -> manager.addDriver(driver));
            synchronized (device) {
                configures.start();
                registers.start();
                await("both calls blocked on the device", () -> configures.getState() == Thread.State.BLOCKED
                        && registers.getState() == Thread.State.BLOCKED);
            }
            configures.join();
            registers.join();
            assertThat(state(id)).as("device %s: %s", id, reason(id)).isNotEqualTo(DeviceState.WAITING_FOR_DRIVER);
            assertThat(manager.device(id).orElseThrow().driverVersion()).isEqualTo("1.0.0");
            manager.delete(id);
            manager.removeDriver(driver);
        }
    }

    @Test
    void aDeviceThatNeverPublishesIsStillAnnouncedToOutputs() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("quiet", cfg("driver", "fake", "port", "x", "behaviour", "hang"));
        await("announced as STARTING", () -> output.changes.stream()
                .anyMatch(d -> d.id().equals("quiet") && d.state() == DeviceState.STARTING));
    }

    @Test
    void badConfigurationPutsOnlyThatDeviceInConfigErrorWithTheReason() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("good", cfg("driver", "fake", "port", "x"));
        manager.configure("missing", cfg("driver", "fake"));
        manager.configure("typo", cfg("driver", "fake", "port", "x", "poll.intervall", "5"));
        manager.configure("badvalue", cfg("driver", "fake", "port", "x", "poll.interval", "often"));
        manager.configure("badmodel", cfg("driver", "fake", "port", "x", "model", "nope"));
        manager.configure("bad id!", cfg("driver", "fake", "port", "x"));
        manager.configure("rejected", cfg("driver", "fake", "port", "COM9", "behaviour", "reject"));

        await("good ONLINE", () -> state("good") == DeviceState.ONLINE);
        assertThat(state("missing")).isEqualTo(DeviceState.CONFIG_ERROR);
        assertThat(reason("missing")).contains("'port' is required");
        assertThat(reason("typo")).contains("unknown key 'poll.intervall'").contains("did you mean 'poll.interval'");
        assertThat(reason("badvalue")).contains("'poll.interval' must be a number, got 'often'");
        assertThat(reason("badmodel")).contains("'model' must be one of basic, other");
        assertThat(reason("bad id!")).contains("device id 'bad id!'");
        await("rejected", () -> state("rejected") == DeviceState.CONFIG_ERROR);
        assertThat(reason("rejected")).isEqualTo("port COM9 is not a meter");
    }

    /** An output that owns mqtt.* keys and refuses everything but mqtt.layouts = ok. */
    static final class KeyOwningOutput implements org.meter2mqtt.api.MeterOutput, org.meter2mqtt.api.OutputKeys {
        @Override
        public void deviceChanged(DeviceInfo device) {
        }

        @Override
        public void readings(DeviceInfo device, List<Reading> batch) {
        }

        @Override
        public void deviceRemoved(DeviceInfo device) {
        }

        @Override
        public String keyPrefix() {
            return "mqtt.";
        }

        @Override
        public List<String> checkKeys(Map<String, String> config) {
            String v = config.get("mqtt.layouts");
            return "ok".equals(v) ? List.of() : List.of("mqtt.layouts: no layout '" + v + "'");
        }
    }

    /**
     * Keys under an output's prefix are the output's: not unknown to the driver, checked by the output when it is
     * installed (a problem is the device's CONFIG_ERROR), accepted unchecked while it is not (it may still be
     * starting), and checked again when it comes or goes.
     */
    @Test
    void outputKeysAreCheckedByTheirOutput() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("good", cfg("driver", "fake", "port", "x", "mqtt.layouts", "ok"));
        manager.configure("bad", cfg("driver", "fake", "port", "x", "mqtt.layouts", "nope"));
        await("good ONLINE", () -> state("good") == DeviceState.ONLINE);
        await("bad ONLINE (no output owns mqtt.* yet)", () -> state("bad") == DeviceState.ONLINE);

        KeyOwningOutput owner = new KeyOwningOutput();
        manager.addOutput(owner);
        await("bad in CONFIG_ERROR", () -> state("bad") == DeviceState.CONFIG_ERROR);
        assertThat(reason("bad")).isEqualTo("mqtt.layouts: no layout 'nope'");
        assertThat(state("good")).isEqualTo(DeviceState.ONLINE);
        assertThat(manager.validate("x", cfg("driver", "fake", "port", "x", "mqtt.layouts", "nope")))
                .containsExactly("mqtt.layouts: no layout 'nope'");

        manager.removeOutput(owner);
        await("bad ONLINE again", () -> state("bad") == DeviceState.ONLINE);
    }

    @Test
    void validationSuggestsAnInstalledDriverForAMisspeltOneButAcceptsAnUnknownOne() {
        manager.addDriver(new ScriptedDriver("kamstrup", "1.0.0"));
        assertThat(manager.validate("heat", cfg("driver", "kamstrp", "port", "x")))
                .containsExactly("no driver 'kamstrp' is installed (did you mean 'kamstrup'?)");
        // a vendor driver that is simply not installed yet: the device will wait for it
        assertThat(manager.validate("acme", cfg("driver", "acme", "port", "x"))).isEmpty();
    }

    @Test
    void editingAConfigurationRestartsOnlyThatDevice() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("a", cfg("driver", "fake", "port", "x"));
        manager.configure("b", cfg("driver", "fake", "port", "x"));
        await("both ONLINE", () -> state("a") == DeviceState.ONLINE && state("b") == DeviceState.ONLINE);
        int opens = driver.opens.get();

        manager.configure("a", cfg("driver", "fake", "port", "x")); // unchanged: nothing happens
        assertThat(driver.opens.get()).isEqualTo(opens);

        manager.configure("a", cfg("driver", "fake", "port", "y", "name", "Kitchen"));
        await("a reopened", () -> driver.opens.get() == opens + 1);
        await("a ONLINE", () -> state("a") == DeviceState.ONLINE);
        assertThat(manager.device("a").orElseThrow().name()).isEqualTo("Kitchen");
        assertThat(driver.opens.get()).isEqualTo(opens + 1);
    }

    @Test
    void deletingAConfigurationStopsTheDeviceAndRetractsIt() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("gone", cfg("driver", "fake", "port", "x"));
        await("readings", () -> output.readingsOf("gone") > 0);
        manager.delete("gone");
        assertThat(manager.device("gone")).isEmpty();
        assertThat(output.removed).containsExactly("gone");
        assertThat(driver.closes.get()).isEqualTo(driver.opens.get());
        assertThat(driver.closedForGood).containsExactly("gone");
        assertThat(dir.resolve("gone.properties.removed")).exists();
    }

    /** Only a deletion is "for good": a driver gives up the device's queue on it, and must not on anything else. */
    @Test
    void aSessionIsToldItsDeviceIsRemovedOnlyWhenItIs() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("kept", cfg("driver", "fake", "port", "x"));
        await("ONLINE", () -> state("kept") == DeviceState.ONLINE);
        manager.configure("kept", cfg("driver", "fake", "port", "y")); // a change reopens
        await("reopened", () -> driver.opens.get() == 2 && state("kept") == DeviceState.ONLINE);
        manager.removeDriver(driver); // an upgrade or an uninstall
        manager.addDriver(driver);
        await("ONLINE again", () -> state("kept") == DeviceState.ONLINE);
        manager.close(); // the gateway stops
        assertThat(driver.closes.get()).isEqualTo(driver.opens.get()).isGreaterThanOrEqualTo(3);
        assertThat(driver.closedForGood).isEmpty();

        manager = new DeviceManager(dir, Clock.systemUTC());
        manager.addDriver(driver);
        manager.configure("kept", cfg("driver", "fake", "port", "y"));
        await("ONLINE after the restart", () -> state("kept") == DeviceState.ONLINE);
        manager.delete("kept");
        assertThat(driver.closedForGood).containsExactly("kept");
    }

    @Test
    void aCrashingDriverDoesNotDisturbOtherDevices() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("crashy", cfg("driver", "fake", "port", "x", "behaviour", "throw"));
        manager.configure("steady", cfg("driver", "fake", "port", "x"));
        await("crashy OFFLINE", () -> state("crashy") == DeviceState.OFFLINE);
        assertThat(reason("crashy")).contains("driver crashed while polling").contains("boom");
        assertThat(manager.device("crashy").orElseThrow().errorsByKind()).containsKey(DeviceInfo.ERROR_LINK_LOST);
        long before = output.readingsOf("steady");
        await("steady keeps reading", () -> output.readingsOf("steady") >= before + 4);
        assertThat(state("steady")).isEqualTo(DeviceState.ONLINE);
    }

    @Test
    void aHungDriverIsAbandonedAndRetriedWhileOthersKeepReading() throws Exception {
        manager.setMinCallDeadline(Duration.ofMillis(1500));
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("stuck", cfg("driver", "fake", "port", "x", "behaviour", "hang"));
        manager.configure("steady", cfg("driver", "fake", "port", "x"));
        assertThat(driver.hung.await(5, TimeUnit.SECONDS)).isTrue();
        await("stuck OFFLINE", () -> state("stuck") == DeviceState.OFFLINE);
        assertThat(reason("stuck")).contains("driver hung: poll did not return within 1 s");
        await("retried", () -> driver.opens.get() >= 3);
        assertThat(state("steady")).isEqualTo(DeviceState.ONLINE);
    }

    @Test
    void aLostLinkGoesOfflineAndRetriesWithBackoff() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("far", cfg("driver", "fake", "port", "x", "behaviour", "offline"));
        await("OFFLINE", () -> state("far") == DeviceState.OFFLINE);
        assertThat(reason("far")).isEqualTo("meter does not answer");
        await("several attempts", () -> driver.opens.get() >= 3);
        assertThat(manager.device("far").orElseThrow().errorsByKind().get(DeviceInfo.ERROR_LINK_LOST))
                .isGreaterThanOrEqualTo(2L);
        // backoff 100, 200, 400 ms (+ jitter): three attempts take well under the 10 s wait
        manager.configure("far", cfg("driver", "fake", "port", "x"));
        await("back ONLINE", () -> state("far") == DeviceState.ONLINE);
    }

    /** An output of its own kind: the replay goes once per kind of output. */
    static final class LateOutput implements org.meter2mqtt.api.MeterOutput {
        final List<Reading> readings = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> devicesSeenFirst = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void deviceChanged(DeviceInfo device) {
            devicesSeenFirst.add(device.id());
        }

        @Override
        public void readings(DeviceInfo device, List<Reading> batch) {
            readings.addAll(batch);
        }

        @Override
        public void deviceRemoved(DeviceInfo device) {
        }
    }

    @Test
    void anOutputThatStartsAfterTheFirstReadingsStillGetsThemInOrder() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("early", cfg("driver", "fake", "port", "x", "behaviour", "count"));
        await("first readings", () -> latestCount("early") >= 3);
        LateOutput late = new LateOutput();
        manager.addOutput(late);
        assertThat(late.devicesSeenFirst).contains("early");
        long seenByTheFirst = output.readings.stream().filter(r -> r.deviceId().equals("early")).count();
        assertThat(late.readings.size()).as("the readings from before it registered")
                .isGreaterThanOrEqualTo((int) Math.min(seenByTheFirst, 3));
        await("live readings follow", () -> late.readings.size() > seenByTheFirst);
        List<Double> values = late.readings.stream().filter(r -> r.channel().equals("count"))
                .map(r -> r.number().doubleValue()).collect(java.util.stream.Collectors.toList());
        assertThat(values).as("in order, nothing missing").isSorted().doesNotHaveDuplicates();
        assertThat(values.get(values.size() - 1) - values.get(0)).isEqualTo(values.size() - 1);
        assertThat(values.get(0)).isEqualTo(output.readings.stream().filter(r -> r.channel().equals("count"))
                .findFirst().orElseThrow().number().doubleValue());
        // a second output of the same kind (a re-created component) gets no old readings again
        LateOutput again = new LateOutput();
        manager.addOutput(again);
        assertThat(again.readings.size()).isLessThan(late.readings.size());
    }

    @Test
    void aMeterThatCannotBeOpenedIsCountedAsUnreachable() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("away", cfg("driver", "fake", "port", "x", "behaviour", "unreachable"));
        await("several attempts", () -> driver.opens.get() >= 2);
        await("counted", () -> manager.device("away").orElseThrow().errorsByKind()
                .getOrDefault(DeviceInfo.ERROR_UNREACHABLE, 0L) >= 1);
        assertThat(state("away")).isEqualTo(DeviceState.OFFLINE);
        assertThat(reason("away")).contains("does not open");
        assertThat(manager.device("away").orElseThrow().errorsByKind()).containsOnlyKeys(DeviceInfo.ERROR_UNREACHABLE);
    }

    @Test
    void badReadingsAreCountedAndMarkTheDeviceDegraded() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("noisy", cfg("driver", "fake", "port", "x", "behaviour", "count"));
        await("ONLINE", () -> state("noisy") == DeviceState.ONLINE);
        manager.configure("noisy", cfg("driver", "fake", "port", "x", "behaviour", "bad"));
        await("errors counted", () -> manager.device("noisy").orElseThrow().errorCount() >= 2);
        assertThat(state("noisy")).isEqualTo(DeviceState.DEGRADED);
        assertThat(manager.device("noisy").orElseThrow().lastError()).isNotNull();
        // the scripted meter reports a CRC error and publishes the failed value: one of each kind per poll
        assertThat(manager.device("noisy").orElseThrow().errorsByKind())
                .containsOnlyKeys(DeviceInfo.ERROR_BAD_DATA, DeviceInfo.ERROR_BAD_READING);
        // a failed reading is never passed on to outputs
        assertThat(output.readings).allMatch(r -> r.status().publishable());
        // a reconfigured device starts with a clean slate
        manager.configure("noisy", cfg("driver", "fake", "port", "x", "behaviour", "count"));
        await("ONLINE again", () -> state("noisy") == DeviceState.ONLINE);
    }

    @Test
    void driverUpgradeRestartsOnlyItsDevicesAndKeepsTheirState() throws Exception {
        ScriptedDriver v1 = new ScriptedDriver("fake", "1.0.0");
        ScriptedDriver other = new ScriptedDriver("other", "1.0.0");
        manager.addDriver(v1);
        manager.addDriver(other);
        manager.configure("counter", cfg("driver", "fake", "port", "x"));
        manager.configure("bystander", cfg("driver", "other", "port", "x"));
        await("counter >= 3", () -> latestCount("counter") >= 3);
        int bystanderOpens = other.opens.get();

        ScriptedDriver v2 = new ScriptedDriver("fake", "1.1.0");
        manager.addDriver(v2);
        await("v2 serves", () -> "1.1.0".equals(manager.device("counter").orElseThrow().driverVersion()));
        long countAtUpgrade = latestCount("counter");
        await("v2 publishes", () -> v2.opens.get() == 1 && latestCount("counter") > countAtUpgrade);
        assertThat(v1.closes.get()).isEqualTo(v1.opens.get());
        assertThat(other.opens.get()).isEqualTo(bystanderOpens);

        // the old version going away (the jar replaced) does not touch the device now served by v2
        manager.removeDriver(v1);
        assertThat(v2.closes.get()).isZero();
        // an older version installed later does not take over
        manager.addDriver(new ScriptedDriver("fake", "0.9.0"));
        assertThat(manager.device("counter").orElseThrow().driverVersion()).isEqualTo("1.1.0");
    }

    private long latestCount(String id) {
        Reading r = manager.device(id).orElseThrow().latest().get("count");
        return r == null ? 0 : r.number().longValue();
    }

    @Test
    void stateSurvivesAManagerRestart() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("persist", cfg("driver", "fake", "port", "x"));
        await("count >= 2", () -> latestCount("persist") >= 2);
        manager.close();
        long last = Long.parseLong(Files.readAllLines(dir.resolve("persist.properties")).stream()
                .filter(l -> l.startsWith("n=")).findFirst().orElseThrow().substring(2));
        assertThat(last).isGreaterThanOrEqualTo(2);

        manager = new DeviceManager(dir, Clock.systemUTC());
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("persist", cfg("driver", "fake", "port", "x"));
        await("continues", () -> latestCount("persist") > 0);
        assertThat(latestCount("persist")).isEqualTo(last + 1);
    }

    @Test
    void disabledDevicesDoNotRun() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("off", cfg("driver", "fake", "port", "x", "enabled", "false"));
        assertThat(state("off")).isEqualTo(DeviceState.DISABLED);
        Thread.sleep(300);
        assertThat(driver.opens.get()).isZero();
    }

    @Test
    void readNowPollsAndReturnsTheReadings() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("r", cfg("driver", "fake", "port", "x", "poll.interval", "3600"));
        await("ONLINE", () -> state("r") == DeviceState.ONLINE);
        long before = latestCount("r");
        List<Reading> now = manager.readNow("r", Duration.ofSeconds(5));
        assertThat(now).extracting(Reading::channel).containsExactlyInAnyOrder("count", "power");
        assertThat(now.stream().filter(x -> x.channel().equals("count")).findFirst().orElseThrow().number()
                .longValue()).isEqualTo(before + 1);
        assertThatThrownBy(() -> manager.readNow("nope", Duration.ofSeconds(1))).isInstanceOf(DriverException.class)
                .hasMessageContaining("no device 'nope'");
    }

    @Test
    void readingsThatCarryTheirDeviceAreNotCopiedAndAWrongDeviceIsCorrected() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("s", cfg("driver", "fake", "port", "x", "behaviour", "stamped"));
        await("readings", () -> output.readingsOf("s") >= 2);
        Reading count = output.readings.stream().filter(r -> r.channel().equals("count")).findFirst().orElseThrow();
        Reading power = output.readings.stream().filter(r -> r.channel().equals("power")).findFirst().orElseThrow();
        // the driver's own instance reaches the output: nothing was copied for it
        assertThat(driver.stamped).anySatisfy(r -> assertThat(r).isSameAs(count));
        // a reading stamped with another device's id gets this device's
        assertThat(power.deviceId()).isEqualTo("s");
        assertThat(power.number()).isEqualByComparingTo("10");
        assertThat(output.readings).extracting(Reading::deviceId).containsOnly("s");
    }

    @Test
    void channelFilterLimitsWhatOutputsSee() throws Exception {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        manager.configure("f", cfg("driver", "fake", "port", "x", "channels", "count"));
        await("readings", () -> output.readingsOf("f") >= 2);
        assertThat(output.readings).filteredOn(r -> r.deviceId().equals("f")).extracting(Reading::channel)
                .containsOnly("count");
        assertThat(manager.device("f").orElseThrow().channels()).extracting(c -> c.id()).containsExactly("count");
        manager.configure("g", cfg("driver", "fake", "port", "x", "channels", "count,Not-An-Id"));
        assertThat(reason("g")).contains("malformed channel ids [Not-An-Id]");
    }

    @Test
    void validateReportsProblemsWithoutStartingAnything() {
        manager.addDriver(new ScriptedDriver("fake", "1.0.0"));
        assertThat(manager.validate("x", cfg("driver", "fake", "port", "p"))).isEmpty();
        assertThat(manager.validate("x", cfg("driver", "fake"))).anyMatch(p -> p.contains("'port' is required"));
        assertThat(manager.validate("x", cfg("driver", "notinstalled", "whatever", "1"))).isEmpty();
        assertThat(manager.validate("x y", cfg("driver", "fake", "port", "p"))).hasSize(1);
        assertThat(manager.devices()).isEmpty();
    }

    @Test
    void driversLeavingAfterCloseAreIgnored() throws Exception {
        ScriptedDriver driver = new ScriptedDriver("fake", "1.0.0");
        manager.addDriver(driver);
        manager.configure("late", cfg("driver", "fake", "port", "x"));
        await("ONLINE", () -> state("late") == DeviceState.ONLINE);
        manager.close();
        // the order DS uses on shutdown: deactivate (close), then unbind
        manager.removeDriver(driver);
        manager.addDriver(new ScriptedDriver("fake", "2.0.0"));
        assertThat(driver.closes.get()).isEqualTo(driver.opens.get());
    }

    @Test
    void secretsAreMaskedInSnapshots() throws Exception {
        manager.configure("s", cfg("driver", "none", "mqtt.password", "hunter2", "smarty.key", "00112233"));
        assertThat(manager.device("s").orElseThrow().config()).containsEntry("mqtt.password", "********")
                .containsEntry("smarty.key", "********").containsEntry("driver", "none");
    }
}
