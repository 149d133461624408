package org.meter2mqtt.shell.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.shell.internal.completers.ConfigKeyCompleter;
import org.meter2mqtt.shell.internal.completers.DeviceIdCompleter;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Service
@Command(scope = "meter", name = "set", description = "Changes device settings in its .cfg file (key= removes a key)")
public class SetCommand implements Action {

    private static final Logger LOG = LoggerFactory.getLogger(SetCommand.class);

    @Reference
    DeviceRegistry registry;

    @Reference(optional = true)
    ConfigurationAdmin configAdmin;

    @Argument(index = 0, name = "id", description = "device id", required = true)
    @Completion(DeviceIdCompleter.class)
    String id;

    @Argument(index = 1, name = "settings", description = "key=value settings", required = true, multiValued = true)
    @Completion(ConfigKeyCompleter.class)
    List<String> settings;

    @Option(name = "-f", aliases = "--force", description = "write the file even if the settings do not validate")
    boolean force;

    @Override
    public Object execute() throws Exception {
        return change(registry, configAdmin, id, settings, force);
    }

    static Object change(DeviceRegistry registry, ConfigurationAdmin configAdmin, String id, List<String> settings,
            boolean force) throws Exception {
        CfgFiles files = CfgFiles.karaf();
        if (!files.exists(id)) {
            System.out.println("No file " + files.file(id) + (registry.device(id).isPresent()
                    ? " (device " + id + " has no .cfg; create one with meter:add)" : "; see meter:list."));
            return null;
        }
        String text = files.readText(id);
        Map<String, String> cfg = new TreeMap<>(CfgFiles.parse(text));
        Map<String, String> changes;
        try {
            changes = CfgFiles.parseAssignments(settings);
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
            return null;
        }
        changes.forEach((k, v) -> {
            if (v.isEmpty()) {
                cfg.remove(k);
            } else {
                cfg.put(k, v);
            }
        });
        if (!Validation.ok(registry, id, cfg, force)) {
            return null;
        }
        String edited = CfgFiles.edit(text, changes);
        Path file = files.replace(id, edited);
        System.out.println("Updated " + file);
        if (configAdmin != null) {
            // FileInstall may save the previous values back over the edit unless the configuration has the new ones
            try {
                ConfigMirror.karaf(configAdmin).apply(file, text, edited);
            } catch (IOException | RuntimeException e) {
                // the file is written: FileInstall applies it as before, and awaitConfig says whether it did
                LOG.warn("meter:set {}: the configuration did not take the file's new values at once ({}); "
                        + "left to FileInstall", id, e.toString());
            }
        }
        Validation.awaitConfig(registry, id, changes);
        return null;
    }
}
