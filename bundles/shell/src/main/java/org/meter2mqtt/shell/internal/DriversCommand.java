package org.meter2mqtt.shell.internal;

import java.util.Collection;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.DeviceRegistry;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

@Service
@Command(scope = "meter", name = "drivers", description = "Lists the installed drivers, their models and configuration keys")
public class DriversCommand implements Action {

    @Reference
    DeviceRegistry registry;

    @Reference
    BundleContext bundleContext;

    @Option(name = "-k", aliases = "--keys", description = "also list each driver's configuration keys")
    boolean keys;

    @Override
    public Object execute() throws InvalidSyntaxException {
        ShellTable table = new ShellTable();
        table.column("DRIVER");
        table.column("VERSION");
        table.column("MODE");
        table.column("BUNDLE");
        table.column("MODELS");
        table.column("NAME");
        for (DriverDescription d : registry.drivers()) {
            table.addRow().addContent(d.id(), d.version(), d.mode().name().toLowerCase(), bundles(d.id()),
                    d.models().stream().map(ModelDescription::id).collect(Collectors.joining(",")), d.name());
        }
        table.print(System.out);
        if (keys) {
            for (DriverDescription d : registry.drivers()) {
                System.out.println();
                System.out.println(d.id() + " keys (besides driver, name, enabled, poll.interval, channels, model):");
                for (ConfigKey k : d.configKeys()) {
                    System.out.println("  " + k.id() + " (" + k.type().name().toLowerCase()
                            + (k.required() ? ", required" : "")
                            + k.defaultValue().map(v -> ", default " + v).orElse("") + allowed(k) + ") "
                            + k.description());
                }
            }
        }
        return null;
    }

    /** What meter:set accepts for the key, as the validation checks it. */
    static String allowed(ConfigKey k) {
        StringBuilder b = new StringBuilder();
        if (!k.options().isEmpty()) {
            b.append(", one of ").append(String.join("|", k.options()));
        }
        k.min().ifPresent(m -> b.append(", min ").append(m.toPlainString()));
        k.max().ifPresent(m -> b.append(", max ").append(m.toPlainString()));
        return b.toString();
    }

    private String bundles(String driverId) throws InvalidSyntaxException {
        Collection<ServiceReference<MeterDriver>> refs = bundleContext.getServiceReferences(MeterDriver.class,
                "(" + MeterDriver.PROPERTY_ID + "=" + driverId + ")");
        return refs.stream().map(r -> r.getBundle().getSymbolicName() + " [" + r.getBundle().getBundleId() + "]")
                .collect(Collectors.joining(", "));
    }
}
