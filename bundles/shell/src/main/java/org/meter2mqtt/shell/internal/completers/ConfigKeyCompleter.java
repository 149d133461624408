package org.meter2mqtt.shell.internal.completers;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DriverDescription;

/** Completes {@code key=} for the driver named on the command line (meter:add) or used by the device (meter:set). */
@Service
public class ConfigKeyCompleter implements Completer {

    private static final List<String> COMMON = List.of("name", "enabled", "poll.interval", "channels", "model");

    @Reference
    DeviceRegistry registry;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        COMMON.forEach(k -> delegate.getStrings().add(k + "="));
        List<String> args = Arrays.asList(commandLine.getArguments());
        Optional<String> driver = args.stream().flatMap(a -> registry.drivers().stream().map(DriverDescription::id)
                .filter(a::equals)).findFirst();
        if (driver.isEmpty()) {
            driver = args.stream().map(registry::device).flatMap(Optional::stream).map(DeviceInfo::driverId).findFirst();
        }
        String wanted = driver.orElse(null);
        registry.drivers().stream().filter(d -> wanted == null || d.id().equals(wanted))
                .flatMap(d -> d.configKeys().stream()).map(ConfigKey::id)
                .forEach(k -> delegate.getStrings().add(k + "="));
        return delegate.complete(session, commandLine, candidates);
    }
}
