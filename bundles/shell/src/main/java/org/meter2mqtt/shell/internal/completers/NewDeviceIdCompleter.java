package org.meter2mqtt.shell.internal.completers;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/**
 * The id of a device that does not exist yet: any word is fine, so it offers what was typed. Karaf completes an
 * argument only when every argument before it is accepted by its own completer; without this one, meter:add
 * would never complete its driver argument.
 */
@Service
public class NewDeviceIdCompleter implements Completer {

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String typed = commandLine.getCursorArgument();
        if (typed == null || typed.isEmpty()) {
            return -1;
        }
        String word = typed.substring(0, Math.min(commandLine.getArgumentPosition(), typed.length()));
        return new StringsCompleter(new String[] { word.isEmpty() ? typed : word })
                .complete(session, commandLine, candidates);
    }
}
