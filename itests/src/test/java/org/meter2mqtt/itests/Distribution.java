package org.meter2mqtt.itests;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real distribution run as users run it: a copy of {@code karaf-assembly/target/assembly} started with
 * {@code bin/karaf server} in its own process, stopped with SIGTERM (a normal shutdown) or killed with SIGKILL,
 * and started again on the same {@code etc/} and {@code data/}. For what Pax Exam cannot do: a restart with
 * the state kept.
 */
final class Distribution implements AutoCloseable {

    private static final String KARAF_MAIN = "org.apache.karaf.main.Main";

    private final Path home;
    private Process process;

    private Distribution(Path home) {
        this.home = home;
    }

    /** A fresh copy of the built distribution under {@code target/<name>-<time>}, without its data/. */
    static Distribution copy(String name) throws IOException {
        Path source = Paths.get(System.getProperty("meter2mqtt.assembly", "../karaf-assembly/target/assembly"));
        if (!Files.isDirectory(source.resolve("bin"))) {
            throw new IllegalStateException("no built distribution at " + source.toAbsolutePath());
        }
        Path home = Paths.get("target", name + "-" + System.currentTimeMillis()).toAbsolutePath();
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = source.relativize(p);
                if (rel.startsWith("data")) {
                    continue;
                }
                Path to = home.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Distribution d = new Distribution(home);
        // ports of their own, so this can run beside another distribution or a developer's gateway
        d.set("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(freePort()));
        if (Files.exists(home.resolve("etc/org.meter2mqtt.http.cfg"))) {
            String http = Integer.toString(freePort());
            d.set("etc/org.meter2mqtt.http.cfg", "port", http);
            d.set("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", http);
        }
        return d;
    }

    Path home() {
        return home;
    }

    /** Sets {@code key = value} in a file under the distribution, replacing the key's line or appending one. */
    void set(String file, String key, String value) throws IOException {
        Path f = home.resolve(file);
        List<String> lines = Files.exists(f) ? new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8))
                : new ArrayList<>();
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.startsWith(key + " ") || l.startsWith(key + "=") || l.startsWith(key + ":")) {
                lines.set(i, key + " = " + value);
                found = true;
            }
        }
        if (!found) {
            lines.add(key + " = " + value);
        }
        Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Starts {@code bin/karaf server} with the JDK that runs the test; output goes to {@code karaf-console.log}. */
    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        // setsid: the script and the JVM it starts form a process group of their own, so a crash can kill both at
        // once, even while the script is still in its preamble (which runs java -version twice)
        ProcessBuilder pb = new ProcessBuilder("setsid", home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("karaf-console.log").toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("EXTRA_JAVA_OPTS");
        process = pb.start();
    }

    /** A normal shutdown: SIGTERM to the JVM (Karaf's shutdown hook stops the framework), then waits for it. */
    synchronized void stop() throws InterruptedException {
        end(false);
    }

    /**
     * A crash: SIGKILL to the JVM and the script that started it, as {@code kill -9} or a power cut of the process
     * would.
     */
    synchronized void kill() throws InterruptedException {
        end(true);
    }

    private void end(boolean forcibly) throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        Optional<ProcessHandle> jvm = jvm();
        if (forcibly || jvm.isEmpty()) {
            // the whole group in one kill(2): a JVM the script starts meanwhile cannot slip through
            signalGroup(forcibly ? "-KILL" : "-TERM");
        } else {
            jvm.get().destroy(); // SIGTERM to the JVM alone: Karaf's shutdown hook stops the framework
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            threadDump("it did not stop within 60 s of " + (forcibly ? "SIGKILL" : "SIGTERM"));
            signalGroup("-KILL");
            all.forEach(ProcessHandle::destroyForcibly);
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the gateway did not stop within 60 s");
        }
        for (ProcessHandle h : all) {
            h.onExit().toCompletableFuture().join();
        }
        process = null;
    }

    /**
     * A thread dump of the Karaf JVM, for a gateway that did not come up or did not stop in time: call it before
     * killing the process, so the failure shows where it hung. Taken with {@code jcmd <pid> Thread.print} of the
     * JDK that runs the test (and Karaf), appended to {@code karaf-console.log} and printed to the test output; if
     * jcmd cannot attach, SIGQUIT makes the JVM print the dump into {@code karaf-console.log} itself.
     */
    synchronized void threadDump(String why) {
        Optional<ProcessHandle> jvm = jvm();
        if (jvm.isEmpty()) {
            System.out.println("Distribution " + home + ": no Karaf JVM to take a thread dump of (" + why + ")");
            return;
        }
        long pid = jvm.get().pid();
        String header = "\n===== thread dump of the Karaf JVM (pid " + pid + ") at " + java.time.Instant.now() + ": " + why
                + " =====\n";
        String dump;
        try {
            // a jcmd that cannot attach is given up after 30 s
            Run jcmd = run(new ProcessBuilder(jcmdPath(), Long.toString(pid), "Thread.print", "-l"), 30);
            dump = jcmd.output();
            if (!jcmd.ok()) {
                throw new IOException("jcmd failed: " + dump);
            }
        } catch (IOException | InterruptedException e) {
            // the JVM writes a SIGQUIT thread dump to its own stdout, which is karaf-console.log
            dump = "(" + e.getMessage() + "; sent SIGQUIT instead: the JVM prints the dump below)\n";
            try {
                new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e2) {
                dump += "(SIGQUIT failed too: " + e2 + ")\n";
            }
        }
        try {
            Files.writeString(home.resolve("karaf-console.log"), header + dump, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("could not append the thread dump to karaf-console.log: " + e);
        }
        System.out.println("Distribution " + home + ":" + header + dump);
    }

    private Optional<ProcessHandle> jvm() {
        if (process == null || !process.isAlive()) {
            return Optional.empty();
        }
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        // by its main class: bin/karaf also runs short-lived java -version processes before it starts Karaf
        return all.stream().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)
                && h.info().arguments().map(a -> Arrays.asList(a).contains(KARAF_MAIN)).orElse(false)).findFirst();
    }

    private void signalGroup(String signal) throws InterruptedException {
        try {
            // setsid made the script the leader of a new process group whose id is its pid
            Process kill = new ProcessBuilder("kill", signal, "--", "-" + process.pid()).redirectErrorStream(true)
                    .start();
            // a group that is gone already (the gateway exited on its own) is no failure
            if ((!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) && process.isAlive()) {
                throw new IllegalStateException("kill " + signal + " -" + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run kill", e);
        }
    }

    /**
     * Runs one shell command through {@code bin/client} (the SSH console, as users reach it) and returns what it
     * printed. Its stdin stays open until it ends: bin/client gives up on a closed one.
     */
    String client(String user, String password, String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/client").toString(), "-r", "10", "-d", "3", "-u", user,
                "-p", password, command).directory(home.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Run client = run(pb, 60);
        if (!client.ended()) {
            throw new AssertionError("bin/client did not end within 60 s: " + client.output());
        }
        return client.output();
    }

    /** What {@code jcmd <pid> <command>} of the test's JDK prints about the running Karaf JVM. */
    String jcmd(String... command) throws IOException, InterruptedException {
        long pid = jvm().orElseThrow(() -> new IllegalStateException("not running")).pid();
        List<String> cmd = new ArrayList<>(List.of(jcmdPath(), Long.toString(pid)));
        cmd.addAll(Arrays.asList(command));
        Run jcmd = run(new ProcessBuilder(cmd), 60);
        if (!jcmd.ok()) {
            throw new AssertionError("jcmd " + String.join(" ", command) + " failed: " + jcmd.output());
        }
        return jcmd.output();
    }

    private static String jcmdPath() {
        return Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString();
    }

    /** What a helper process printed (stdout and stderr), and whether it ended in its time, and how. */
    private record Run(boolean ended, int exit, String output) {

        boolean ok() {
            return ended && exit == 0;
        }
    }

    /**
     * Runs a helper process with its output into a file, so one that hangs is given up after its time instead of
     * blocking a pipe read. Its stdin stays open until it ends: bin/client gives up on a closed one.
     */
    private Run run(ProcessBuilder pb, long seconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile(home, "helper-output", ".tmp");
        Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return new Run(ended, ended ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            p.getOutputStream().close();
            Files.deleteIfExists(out);
        }
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** data/log/karaf.log, all of it so far. */
    List<String> log() throws IOException {
        Path log = home.resolve("data/log/karaf.log");
        if (!Files.exists(log)) {
            return List.of();
        }
        return List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\\r?\\n"));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops it if a test left it running, and keeps the folder for a look at its logs. */
    @Override
    public void close() throws InterruptedException {
        if (running()) {
            kill();
        }
    }
}
