package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.core.upgrade.DriverManagement;

@Service
@Command(scope = "meter", name = "driver-upgrade", description = "Upgrades a driver to the jar at a location; rolled back when its devices do not come back ONLINE within upgrade.timeout.s")
public class DriverUpgradeCommand implements Action {

    @Reference
    DriverManagement drivers;

    @Argument(index = 0, name = "driver", description = "driver id", required = true)
    String driver;

    @Argument(index = 1, name = "location", description = "mvn:, file:, http(s): or a path", required = true)
    String location;

    @Override
    public Object execute() {
        return drivers.upgrade(driver, location).message;
    }
}
