package org.meter2mqtt.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.meter2mqtt.core.upgrade.DriverHistory;
import org.meter2mqtt.core.upgrade.DriverManagement;

@Service
@Command(scope = "meter", name = "driver-history", description = "Lists every driver install, upgrade, rollback, refusal and removal")
public class DriverHistoryCommand implements Action {

    @Reference
    DriverManagement drivers;

    @Argument(index = 0, name = "driver", description = "only this driver")
    String driver;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("TIME");
        table.column("DRIVER");
        table.column("FROM -> TO");
        table.column("RESULT");
        table.column("REASON");
        for (DriverHistory.Entry e : drivers.history(driver)) {
            table.addRow().addContent(e.time.toString(), e.driver,
                    (e.from.isEmpty() ? "-" : e.from) + " -> " + (e.to.isEmpty() ? "-" : e.to), e.result.toString(),
                    e.reason);
        }
        table.print(System.out);
        return null;
    }
}
