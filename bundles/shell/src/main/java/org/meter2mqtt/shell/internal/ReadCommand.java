package org.meter2mqtt.shell.internal;

import java.time.Duration;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.shell.internal.completers.DeviceIdCompleter;

@Service
@Command(scope = "meter", name = "read", description = "Reads a device now (polled drivers) or prints its latest values (streaming)")
public class ReadCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Argument(index = 0, name = "id", description = "device id", required = true)
    @Completion(DeviceIdCompleter.class)
    String id;

    @Option(name = "-t", aliases = "--timeout", description = "seconds to wait for the meter (default 60)")
    int timeout = 60;

    @Override
    public Object execute() {
        DeviceInfo device = registry.device(id).orElse(null);
        if (device == null) {
            System.out.println("No device '" + id + "'. See meter:list.");
            return null;
        }
        List<Reading> readings;
        try {
            readings = registry.readNow(id, Duration.ofSeconds(timeout));
        } catch (DriverException e) {
            System.out.println("Read failed: " + e.getMessage());
            return null;
        }
        ShellTable table = new ShellTable();
        table.column("CHANNEL");
        table.column("VALUE").alignRight();
        table.column("STATUS");
        table.column("TIME");
        List<String> order = device.channels().stream().map(c -> c.id()).collect(java.util.stream.Collectors.toList());
        readings.sort(java.util.Comparator.comparingInt(r -> order.indexOf(r.channel()) < 0 ? Integer.MAX_VALUE
                : order.indexOf(r.channel())));
        for (Reading r : readings) {
            table.addRow().addContent(r.channel(), Format.value(r, device), r.status(), r.timestamp());
        }
        table.print(System.out);
        return null;
    }
}
