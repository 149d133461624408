package org.meter2mqtt.packaging.deb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an installed systemd unit that say how the service starts: its [Service] keys, and the
 * environment systemd would give the process. CI has no systemd, so the test starts the service from this.
 */
record SystemdUnit(Map<String, List<String>> service) {

    static SystemdUnit read(Path unitFile) throws IOException {
        Map<String, List<String>> service = new LinkedHashMap<>();
        String section = "";
        for (String raw : Files.readAllLines(unitFile)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if ("[Service]".equals(section) && eq > 0) {
                service.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                        .add(line.substring(eq + 1).strip());
            }
        }
        return new SystemdUnit(service);
    }

    String one(String key) {
        List<String> values = service.getOrDefault(key, List.of());
        if (values.size() != 1) {
            throw new IllegalStateException("the unit has " + values.size() + " " + key + "= lines, expected one");
        }
        return values.get(0);
    }

    List<String> all(String key) {
        return service.getOrDefault(key, List.of());
    }

    /** ExecStart split on blanks; the unit's command has no quoting ("-" and "@" prefixes are not used). */
    List<String> execStart() {
        return List.of(one("ExecStart").split("\\s+"));
    }

    /**
     * What systemd gives the service: its default PATH and user variables, then Environment=, then the
     * EnvironmentFile= files (a leading "-" means the file may be missing).
     */
    Map<String, String> environment() throws IOException {
        String user = one("User");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("USER", user);
        env.put("LOGNAME", user);
        env.put("LANG", "C.UTF-8");
        for (String assignment : all("Environment")) {
            put(env, assignment);
        }
        for (String file : all("EnvironmentFile")) {
            boolean optional = file.startsWith("-");
            Path path = Path.of(optional ? file.substring(1) : file);
            if (!Files.exists(path) && optional) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#") && !l.startsWith(";")) {
                    put(env, l);
                }
            }
        }
        return env;
    }

    private static void put(Map<String, String> env, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq > 0) {
            String value = assignment.substring(eq + 1);
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            env.put(assignment.substring(0, eq), value);
        }
    }
}
