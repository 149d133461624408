package org.meter2mqtt.bench.mqtt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time (user + system, from /proc, so kernel time that JFR does not see is included) of a process's threads
 * grouped by name, and of its reaped children; to say where the cores go during a timed interval.
 */
final class ProcCpu {

    private static final double TICK_NS = 1e9 / 100; // USER_HZ is 100 on Linux

    private ProcCpu() {
    }

    /** Thread name (digits folded to N) to CPU ns, plus "children" for reaped child processes. */
    static Map<String, Double> snapshot(long pid) {
        Map<String, Double> out = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    String[] f = fields(t.resolve("stat"));
                    String name = f[1].replaceAll("\\d+", "N");
                    out.merge(name, (Long.parseLong(f[13]) + Long.parseLong(f[14])) * TICK_NS, Double::sum);
                    out.merge("sys\t" + name, Long.parseLong(f[14]) * TICK_NS, Double::sum);
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            out.merge("csw\t" + name, Double.parseDouble(line.replaceAll("[^0-9]", "")), Double::sum);
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between listing and reading
                }
            }
            String[] f = fields(Path.of("/proc/" + pid + "/stat"));
            out.put("children", (Long.parseLong(f[15]) + Long.parseLong(f[16])) * TICK_NS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid, e);
        }
        return out;
    }

    /**
     * after - before per thread name, largest first, on one line: cores over {@code secs}, of them in the kernel,
     * and voluntary context switches (sleeps, i.e. wake-ups needed) per message when {@code messages} > 0.
     */
    static String cores(Map<String, Double> before, Map<String, Double> after, double secs, long messages) {
        Map<String, Double> d = new TreeMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
        double total = 0;
        double switches = 0;
        for (Map.Entry<String, Double> e : d.entrySet()) {
            if (e.getKey().startsWith("csw\t")) {
                switches += e.getValue();
            } else if (!e.getKey().startsWith("sys\t") && !e.getKey().equals("children")) {
                total += e.getValue();
            }
        }
        StringBuilder sb = new StringBuilder(String.format("%.2f", total / 1e9 / secs));
        if (messages > 0) {
            sb.append(String.format(" (%.2f sleeps/msg)", switches / messages));
        }
        d.entrySet().stream().filter(e -> !e.getKey().contains("\t") && !e.getKey().equals("children"))
                .filter(e -> e.getValue() / 1e9 / secs >= 0.01)
                .sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).forEach(e -> {
                    sb.append(String.format(", %s %.2f [sys %.2f", e.getKey(), e.getValue() / 1e9 / secs,
                            d.getOrDefault("sys\t" + e.getKey(), 0.0) / 1e9 / secs));
                    if (messages > 0) {
                        sb.append(String.format(", %.2f sleeps/msg", d.getOrDefault("csw\t" + e.getKey(), 0.0)
                                / messages));
                    }
                    sb.append(']');
                });
        return sb.toString();
    }

    /** The stat fields, with the command name (which may hold spaces) as field 1. */
    private static String[] fields(Path stat) throws IOException {
        String s = Files.readString(stat, StandardCharsets.US_ASCII);
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        String[] rest = s.substring(close + 2).split(" ");
        String[] f = new String[rest.length + 2];
        f[0] = s.substring(0, open).trim();
        f[1] = s.substring(open + 1, close);
        System.arraycopy(rest, 0, f, 2, rest.length);
        return f;
    }
}
