package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.core.upgrade.DriverManagement;
import org.meter2mqtt.core.upgrade.DriverManagement.Outcome;

@Service
@Command(scope = "meter", name = "driver-rollback", description = "Goes back to the driver version installed before the running one (kept under data/)")
public class DriverRollbackCommand extends DriverStepCommand {

    @Override
    Outcome step(DriverManagement drivers, String driver) {
        return drivers.rollback(driver);
    }
}
