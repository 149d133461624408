package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.shell.internal.completers.DeviceIdCompleter;

@Service
@Command(scope = "meter", name = "remove", description = "Removes a device: deletes its .cfg file")
public class RemoveCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Argument(index = 0, name = "id", description = "device id", required = true)
    @Completion(DeviceIdCompleter.class)
    String id;

    @Override
    public Object execute() throws Exception {
        CfgFiles files = CfgFiles.karaf();
        if (files.delete(id)) {
            System.out.println("Deleted " + files.file(id));
        } else {
            System.out.println("No file " + files.file(id) + (registry.device(id).isPresent()
                    ? " (the device is not configured by a file in etc/)" : "; see meter:list."));
        }
        return null;
    }
}
