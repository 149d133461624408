package org.meter2mqtt.packaging.deb;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end with a time limit; its output (stdout and stderr together) goes to the test's log. */
final class Shell {

    record Result(List<String> command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        String describe() {
            return String.join(" ", command) + " -> exit " + exitCode + "\n" + output;
        }
    }

    private final Path workDir;
    private int count;

    Shell(Path workDir) {
        this.workDir = workDir;
    }

    Result run(long timeoutSeconds, String... command) {
        return run(timeoutSeconds, List.of(command));
    }

    Result run(long timeoutSeconds, List<String> command) {
        Path out = workDir.resolve("cmd-" + (++count) + ".log");
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                // dpkg must never wait for an answer: a conffile prompt would read end-of-file and fail
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        try {
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                return new Result(command, -1, "(killed after " + timeoutSeconds + " s)\n" + read(out));
            }
            String output = read(out);
            System.out.println("$ " + String.join(" ", command) + "  [exit " + p.exitValue() + "]");
            return new Result(command, p.exitValue(), output);
        } catch (IOException e) {
            return new Result(command, -2, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(command, -3, "interrupted");
        }
    }

    static boolean onPath(String tool) {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
