package org.meter2mqtt.shell.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.shell.internal.completers.ConfigKeyCompleter;
import org.meter2mqtt.shell.internal.completers.DriverIdCompleter;
import org.meter2mqtt.shell.internal.completers.NewDeviceIdCompleter;

@Service
@Command(scope = "meter", name = "add", description = "Adds a device: writes etc/org.meter2mqtt.device-<id>.cfg")
public class AddCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Argument(index = 0, name = "id", description = "new device id (letters, digits, _ and -)", required = true)
    @Completion(NewDeviceIdCompleter.class)
    String id;

    @Argument(index = 1, name = "driver", description = "driver id, see meter:drivers", required = true)
    @Completion(DriverIdCompleter.class)
    String driver;

    @Argument(index = 2, name = "settings", description = "key=value settings", multiValued = true)
    @Completion(ConfigKeyCompleter.class)
    List<String> settings;

    @Option(name = "-f", aliases = "--force", description = "write the file even if the settings do not validate")
    boolean force;

    @Override
    public Object execute() throws Exception {
        CfgFiles files = CfgFiles.karaf();
        if (files.exists(id) || registry.device(id).filter(d -> !d.attributes().containsKey("transient")).isPresent()) {
            System.out.println("Device '" + id + "' exists already; use meter:set to change it.");
            return null;
        }
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("driver", driver);
        try {
            CfgFiles.parseAssignments(settings).forEach((k, v) -> {
                if (!v.isEmpty()) {
                    cfg.put(k, v);
                }
            });
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
            return null;
        }
        if (!Validation.ok(registry, id, cfg, force)) {
            return null;
        }
        Path file = files.write(id, cfg, "created by meter:add");
        System.out.println("Created " + file);
        Validation.awaitDevice(registry, id);
        return null;
    }
}
