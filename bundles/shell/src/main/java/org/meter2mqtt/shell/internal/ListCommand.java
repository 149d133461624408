package org.meter2mqtt.shell.internal;

import java.time.Instant;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.OutputStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

@Service
@Command(scope = "meter", name = "list", description = "Lists the devices with their state")
public class ListCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() throws InvalidSyntaxException {
        ShellTable table = new ShellTable();
        table.column("ID");
        table.column("DRIVER");
        table.column("VERSION");
        table.column("STATE");
        table.column("LAST READING");
        table.column("READINGS").alignRight();
        table.column("ERRORS").alignRight();
        table.column("REASON");
        Instant now = Instant.now();
        for (DeviceInfo d : registry.devices()) {
            table.addRow().addContent(d.id(), d.driverId(), d.driverVersion() == null ? "-" : d.driverVersion(),
                    d.state(), Format.age(d.lastReading(), now), d.readingCount(), d.errorCount(),
                    Format.shorten(d.reason(), 70));
        }
        table.print(System.out);
        for (ServiceReference<OutputStatus> ref : bundleContext.getServiceReferences(OutputStatus.class, null)) {
            OutputStatus status = bundleContext.getService(ref);
            if (status != null) {
                try {
                    System.out.println("Output " + status.outputName() + ": " + status.summary());
                } finally {
                    bundleContext.ungetService(ref);
                }
            }
        }
        return null;
    }
}
