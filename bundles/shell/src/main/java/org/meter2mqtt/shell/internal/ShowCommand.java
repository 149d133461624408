package org.meter2mqtt.shell.internal;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.OutputStatus;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.shell.internal.completers.DeviceIdCompleter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

@Service
@Command(scope = "meter", name = "show", description = "Shows a device: configuration, state, counters and latest values")
public class ShowCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Reference
    BundleContext bundleContext;

    @Argument(index = 0, name = "id", description = "device id", required = true)
    @Completion(DeviceIdCompleter.class)
    String id;

    @Override
    public Object execute() {
        DeviceInfo d = registry.device(id).orElse(null);
        if (d == null) {
            System.out.println("No device '" + id + "'. See meter:list.");
            return null;
        }
        Instant now = Instant.now();
        System.out.println("Device        " + d.id() + (d.name().equals(d.id()) ? "" : " (" + d.name() + ")"));
        System.out.println("Driver        " + d.driverId() + " " + (d.driverVersion() == null ? "(not installed)" : d.driverVersion()));
        if (d.model() != null) {
            System.out.println("Model         " + d.manufacturer() + " " + d.model());
        }
        System.out.println("State         " + d.state() + (d.reason() == null ? "" : ": " + d.reason()));
        System.out.println("Readings      " + d.readingCount() + ", last " + Format.age(d.lastReading(), now));
        System.out.println("Errors        " + d.errorCount() + (d.lastError() == null ? ""
                : ", last " + Format.age(d.lastErrorTime(), now) + ": " + d.lastError()));
        new TreeMap<>(d.attributes()).forEach((k, v) -> System.out.println(pad(k) + v));
        System.out.println();
        System.out.println("Configuration (etc/org.meter2mqtt.device-" + d.id() + ".cfg)");
        for (Map.Entry<String, String> e : new TreeMap<>(d.config()).entrySet()) {
            System.out.println("  " + e.getKey() + " = " + e.getValue());
        }
        System.out.println();
        ShellTable table = new ShellTable();
        table.column("CHANNEL");
        table.column("VALUE").alignRight();
        table.column("UNIT");
        table.column("CLASS");
        table.column("TIME");
        for (Channel c : d.channels()) {
            Reading r = d.latest().get(c.id());
            table.addRow().addContent(c.id(), r == null ? "-" : r.formatted(), c.unit() == null ? "" : c.unit(),
                    c.deviceClass() == null ? "" : c.deviceClass() + "/" + c.stateClass().name().toLowerCase(),
                    r == null ? "" : r.timestamp().toString());
        }
        table.print(System.out);
        // where this device's readings go, and how each output is doing (MQTT, InfluxDB...)
        try {
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
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // no filter given: cannot happen
        }
        return null;
    }

    private static String pad(String key) {
        return key.length() >= 13 ? key + " " : String.format("%-14s", key);
    }
}
