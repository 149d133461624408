package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.core.upgrade.DriverManagement;
import org.meter2mqtt.core.upgrade.DriverManagement.Outcome;

@Service
@Command(scope = "meter", name = "driver-remove", description = "Uninstalls a driver (its jar stays in the vault under data/)")
public class DriverRemoveCommand extends DriverStepCommand {

    @Override
    Outcome step(DriverManagement drivers, String driver) {
        return drivers.remove(driver);
    }
}
