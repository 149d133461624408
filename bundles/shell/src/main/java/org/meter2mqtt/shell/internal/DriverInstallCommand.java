package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.meter2mqtt.core.upgrade.DriverManagement;

@Service
@Command(scope = "meter", name = "driver-install", description = "Installs a driver jar (mvn:, file:, http(s): or a path), or upgrades the bundle it replaces, through preflight and the health gate")
public class DriverInstallCommand implements Action {

    @Reference
    DriverManagement drivers;

    @Argument(index = 0, name = "location", description = "mvn:group/artifact/version, file:/path.jar, https://host/x.jar or a path", required = true)
    String location;

    @Option(name = "--force", description = "install even a quarantined jar (one that failed its health gate before)")
    boolean force;

    @Override
    public Object execute() {
        return drivers.install(location, force).message;
    }
}
