package org.meter2mqtt.shell.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.shell.internal.completers.DeviceIdCompleter;
import org.osgi.service.cm.ConfigurationAdmin;

@Service
@Command(scope = "meter", name = "enable", description = "Enables a device (removes enabled=false from its .cfg: devices are enabled by default)")
public class EnableCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Reference(optional = true)
    ConfigurationAdmin configAdmin;

    @Argument(index = 0, name = "id", description = "device id", required = true)
    @Completion(DeviceIdCompleter.class)
    String id;

    @Override
    public Object execute() throws Exception {
        return SetCommand.change(registry, configAdmin, id, List.of("enabled="), false);
    }
}
