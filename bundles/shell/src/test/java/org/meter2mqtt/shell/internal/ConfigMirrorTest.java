package org.meter2mqtt.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.Reading;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * meter:set gives the device's configuration the values it wrote into the .cfg, so that FileInstall saving a
 * configuration back into its file (on a CM_UPDATED event handled late) cannot put the previous values over the edit.
 */
class ConfigMirrorTest {

    private static final String KITCHEN = String.join("\n",
            "# Kitchen, installed by the electrician in March",
            "driver=demo",
            "",
            "poll.interval : 1",
            "base.load = 800",
            "");

    @TempDir
    Path etc;

    private Path file;
    private FakeConfig config;
    private ConfigurationAdmin configAdmin;

    @BeforeEach
    void kitchenAsFileInstallMadeIt() throws Exception {
        System.setProperty("karaf.etc", etc.toString());
        file = new CfgFiles(etc).file("kitchen");
        Files.writeString(file, KITCHEN);
        config = new FakeConfig(file, CfgFiles.parse(KITCHEN));
        configAdmin = configAdmin(config);
    }

    @AfterEach
    void clearKaraf() {
        System.clearProperty("karaf.etc");
    }

    @Test
    void aLateSaveBackOfThePreviousValuesLeavesTheEditInTheFileAndTheConfiguration() throws Exception {
        SetCommand.change(registry(), configAdmin, "kitchen", List.of("base.load=950", "poll.interval=2"), false);

        // FileInstall handles the CM_UPDATED event of the 800 configuration only now: it saves it back
        fileInstallSavesTheConfigurationBack();

        assertThat(CfgFiles.parse(Files.readString(file))).containsEntry("base.load", "950")
                .containsEntry("poll.interval", "2");
        assertThat(config.values()).containsEntry("base.load", "950").containsEntry("poll.interval", "2")
                .containsEntry("driver", "demo").hasSize(3);
        assertThat(Files.readString(file)).isEqualTo(KITCHEN.replace("800", "950").replace(": 1", ": 2"));
    }

    @Test
    void meterDisableAndEnableToo() throws Exception {
        SetCommand.change(registry(), configAdmin, "kitchen", List.of("enabled=false"), false);
        fileInstallSavesTheConfigurationBack();
        assertThat(config.values()).containsEntry("enabled", "false");
        assertThat(Files.readString(file)).isEqualTo(KITCHEN + "enabled = false\n");

        SetCommand.change(registry(), configAdmin, "kitchen", List.of("enabled="), false);
        fileInstallSavesTheConfigurationBack();
        assertThat(config.values()).doesNotContainKey("enabled");
        assertThat(Files.readString(file)).isEqualTo(KITCHEN);
    }

    @Test
    void aConfigurationThatIsNotThePreviousTextIsLeftToFileInstall() throws Exception {
        // the user edited the file a moment ago and FileInstall has not read it yet
        config.props.put("base.load", "700");
        String edited = KITCHEN.replace("800", "950");
        Files.writeString(file, edited);

        assertThat(mirror().apply(file, KITCHEN, edited)).isFalse();
        assertThat(config.values()).containsEntry("base.load", "700");
        assertThat(config.updates).isZero();
    }

    @Test
    void whatFileInstallReadsOtherwiseIsLeftToIt() throws Exception {
        for (String value : List.of("${karaf.data}/x", "C:\\meters", "\"quoted\"", "[1,2]")) {
            String edited = KITCHEN + "name = " + value + "\n";
            Files.writeString(file, edited);
            assertThat(mirror().apply(file, KITCHEN, edited)).as(value).isFalse();
        }
        assertThat(config.updates).isZero();
    }

    @Test
    void withoutAConfigurationForTheFileThereIsNothingToUpdate() throws Exception {
        config.props.remove(ConfigMirror.FILENAME);
        String edited = KITCHEN.replace("800", "950");
        Files.writeString(file, edited);
        assertThat(mirror().apply(file, KITCHEN, edited)).isFalse();
        assertThat(config.updates).isZero();
    }

    @Test
    void aConfigurationThatHasTheNewValuesAlreadyIsNotUpdatedAgain() throws Exception {
        String edited = KITCHEN.replace("800", "950");
        Files.writeString(file, edited);
        config.props.put("base.load", "950");
        assertThat(mirror().apply(file, KITCHEN, edited)).isTrue();
        assertThat(config.updates).isZero();
    }

    private ConfigMirror mirror() {
        return new ConfigMirror(configAdmin, StandardCharsets.ISO_8859_1);
    }

    /**
     * What FileInstall does with a CM_UPDATED event (ConfigInstaller, enableConfigSave): it reads the file, puts the
     * configuration's values as they are now over the file's, and writes the file.
     */
    private void fileInstallSavesTheConfigurationBack() throws Exception {
        String text = Files.readString(file);
        Map<String, String> inFile = CfgFiles.parse(text);
        Map<String, String> changes = new HashMap<>();
        config.values().forEach((k, v) -> {
            if (!v.equals(inFile.get(k))) {
                changes.put(k, v);
            }
        });
        inFile.keySet().stream().filter(k -> !config.values().containsKey(k)).forEach(k -> changes.put(k, ""));
        Files.writeString(file, CfgFiles.edit(text, changes));
    }

    /** A registry whose device runs with the configuration's values, as the gateway's ManagedServiceFactory does. */
    private DeviceRegistry registry() {
        return new DeviceRegistry() {
            @Override
            public List<DeviceInfo> devices() {
                return List.of(device("kitchen").orElseThrow());
            }

            @Override
            public Optional<DeviceInfo> device(String id) {
                return Optional.of(DeviceInfo.builder(id, DeviceState.ONLINE).config(config.values()).build());
            }

            @Override
            public List<DriverDescription> drivers() {
                return List.of();
            }

            @Override
            public List<String> validate(String deviceId, Map<String, String> cfg) {
                return List.of();
            }

            @Override
            public List<Reading> readNow(String deviceId, Duration timeout) {
                return List.of();
            }

            @Override
            public void startTransient(String deviceId, Map<String, String> cfg) {
            }
        };
    }

    private static ConfigurationAdmin configAdmin(FakeConfig config) {
        return (ConfigurationAdmin) Proxy.newProxyInstance(ConfigMirrorTest.class.getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> {
                    if (method.getName().equals("listConfigurations")) {
                        return config.props.containsKey(ConfigMirror.FILENAME)
                                ? new Configuration[] {config.proxy()} : null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** One factory configuration as Config Admin keeps it: FileInstall's file name and the pids beside the values. */
    static final class FakeConfig {
        final Hashtable<String, Object> props = new Hashtable<>();
        int updates;

        FakeConfig(Path file, Map<String, String> values) {
            props.putAll(values);
            props.put("service.pid", "org.meter2mqtt.device~kitchen");
            props.put("service.factoryPid", "org.meter2mqtt.device");
            props.put(ConfigMirror.FILENAME, file.toFile().getAbsoluteFile().toURI().toString());
        }

        Map<String, String> values() {
            Map<String, String> out = new HashMap<>();
            props.forEach((k, v) -> {
                if (!k.startsWith("service.") && !k.equals(ConfigMirror.FILENAME)) {
                    out.put(k, v.toString());
                }
            });
            return out;
        }

        Configuration proxy() {
            return (Configuration) Proxy.newProxyInstance(ConfigMirrorTest.class.getClassLoader(),
                    new Class<?>[] {Configuration.class}, (p, method, args) -> {
                        switch (method.getName()) {
                            case "getProperties":
                                return new Hashtable<>(props);
                            case "getPid":
                                return props.get("service.pid");
                            case "updateIfDifferent":
                                Hashtable<String, Object> next = new Hashtable<>(props);
                                Collections.list(next.keys()).stream().filter(k -> !k.startsWith("service."))
                                        .forEach(next::remove);
                                Dictionary<?, ?> d = (Dictionary<?, ?>) args[0];
                                for (Object k : Collections.list(d.keys())) {
                                    next.put(k.toString(), d.get(k));
                                }
                                if (next.equals(props)) {
                                    return false;
                                }
                                props.clear();
                                props.putAll(next);
                                updates++;
                                return true;
                            case "hashCode":
                                return System.identityHashCode(p);
                            case "equals":
                                return p == args[0];
                            case "toString":
                                return "FakeConfig" + props;
                            default:
                                throw new UnsupportedOperationException(method.getName());
                        }
                    });
        }
    }
}
