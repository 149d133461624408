package org.meter2mqtt.shell.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.meter2mqtt.api.DiscoveredMeter;
import org.meter2mqtt.api.DiscoveryService;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

@Service
@Command(scope = "meter", name = "discovered", description = "Lists meters drivers have seen that have no .cfg; meter:add turns one into a device")
public class DiscoveredCommand implements Action {

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() throws InvalidSyntaxException {
        List<DiscoveredMeter> all = new ArrayList<>();
        for (ServiceReference<DiscoveryService> ref : bundleContext.getServiceReferences(DiscoveryService.class, null)) {
            DiscoveryService s = bundleContext.getService(ref);
            if (s != null) {
                try {
                    all.addAll(s.discovered());
                } finally {
                    bundleContext.ungetService(ref);
                }
            }
        }
        ShellTable table = new ShellTable();
        table.column("SUGGESTED ID");
        table.column("DRIVER");
        table.column("LAST SEEN");
        table.column("ADD WITH");
        Instant now = Instant.now();
        for (DiscoveredMeter m : all) {
            String settings = m.config().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
            table.addRow().addContent(m.suggestedId(), m.driverId(), Format.age(m.lastSeen(), now),
                    "meter:add " + m.suggestedId() + " " + m.driverId() + " " + settings);
        }
        table.print(System.out);
        return null;
    }
}
