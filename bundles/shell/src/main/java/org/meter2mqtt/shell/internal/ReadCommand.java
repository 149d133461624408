package org.meter2mqtt.shell.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        Map<String, String> attrs = device.attributes();
        for (Reading r : readings) {
            // the core keeps a channel's last value; a driver that marked it stale published nothing since
            Object status = attrs.containsKey(STALE + r.channel()) ? "STALE" : r.status();
            table.addRow().addContent(r.channel(), Format.value(r, device), status, r.timestamp());
        }
        table.print(System.out);
        sourceLines(device).forEach(System.out::println);
        return null;
    }

    static final String SOURCE = "source.";
    static final String STALE = "stale.";
    static final String SKIPPED = "skipped";

    /**
     * What a discovering driver (Home Assistant) said about its channels through meter:show attributes: where each
     * channel comes from and why, which channels are stale and why, what was skipped and why. Empty for others.
     */
    static List<String> sourceLines(DeviceInfo device) {
        List<String> out = new ArrayList<>();
        Map<String, String> attrs = new TreeMap<>(device.attributes());
        attrs.forEach((k, v) -> {
            if (k.startsWith(SOURCE)) {
                out.add("  " + k.substring(SOURCE.length()) + " <- " + v);
            }
        });
        if (!out.isEmpty()) {
            out.add(0, "Channels found (channel <- entity: rule):");
        }
        List<String> stale = new ArrayList<>();
        attrs.forEach((k, v) -> {
            if (k.startsWith(STALE)) {
                stale.add("  " + k.substring(STALE.length()) + ": " + v);
            }
        });
        if (!stale.isEmpty()) {
            out.add("Stale, nothing published:");
            out.addAll(stale);
        }
        String skipped = attrs.get(SKIPPED);
        if (skipped != null) {
            out.add("Skipped:");
            for (String one : skipped.split("; ")) {
                out.add("  " + one);
            }
        }
        return out;
    }
}
