package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.meter2mqtt.core.upgrade.DriverManagement;
import org.meter2mqtt.core.upgrade.DriverManagement.Outcome;

/** A driver-* command that takes one driver id, runs one step of the upgrade flow and prints its outcome. */
abstract class DriverStepCommand implements Action {

    @Reference
    DriverManagement drivers;

    @Argument(index = 0, name = "driver", description = "driver id", required = true)
    String driver;

    abstract Outcome step(DriverManagement drivers, String driver);

    @Override
    public Object execute() {
        return step(drivers, driver).message;
    }
}
