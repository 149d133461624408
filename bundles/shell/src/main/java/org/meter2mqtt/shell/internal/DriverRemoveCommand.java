package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.core.upgrade.DriverManagement;

@Service
@Command(scope = "meter", name = "driver-remove", description = "Uninstalls a driver (its jar stays in the vault under data/)")
public class DriverRemoveCommand implements Action {

    @Reference
    DriverManagement drivers;

    @Argument(index = 0, name = "driver", description = "driver id", required = true)
    String driver;

    @Override
    public Object execute() {
        return drivers.remove(driver).message;
    }
}
