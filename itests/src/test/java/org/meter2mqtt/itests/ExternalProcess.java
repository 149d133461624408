package org.meter2mqtt.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process the test starts (socat, Mosquitto, a meter simulator): its output lines are kept for the test to
 * follow and copied to {@code data/log/<name>.log} of the Karaf under test. Closing stops it and its children.
 */
final class ExternalProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ExternalProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.reader = new Thread(() -> pump(log), "itest-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} with stdout and stderr merged. */
    static ExternalProcess start(String name, List<String> command) throws IOException {
        Path logDir = Paths.get(System.getProperty("karaf.data", "target"), "log");
        Files.createDirectories(logDir);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ExternalProcess(name, p, logDir.resolve(name + ".log"));
    }

    /** {@code java -cp <simulators> mainClass args}, with the JDK that runs Karaf. */
    static ExternalProcess simulator(String name, String mainClass, String... args) throws IOException {
        String cpFile = System.getProperty("meter2mqtt.simulators.classpath.file");
        if (cpFile == null) {
            throw new IllegalStateException("system property meter2mqtt.simulators.classpath.file is not set");
        }
        String classpath = Files.readString(Paths.get(cpFile)).trim();
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        return start(name, cmd);
    }

    /**
     * A socat pseudo-terminal pair: {@code meterEnd} for the simulator, {@code gatewayEnd} for the gateway.
     * Returns once socat relays (it then has created both links).
     */
    static ExternalProcess socatPair(String name, Path meterEnd, Path gatewayEnd) throws Exception {
        ExternalProcess socat = start(name, List.of("socat", "-d", "-d", "pty,raw,echo=0,link=" + meterEnd,
                "pty,raw,echo=0,link=" + gatewayEnd));
        try {
            socat.awaitLine("starting data transfer loop", 15);
        } catch (AssertionError e) {
            socat.close();
            throw e;
        }
        return socat;
    }

    /**
     * A Mosquitto listening on {@code 127.0.0.1:port}, its configuration in {@code dir} (no persistence unless
     * {@code extraConfig} says so). Returns once it accepts connections.
     */
    static ExternalProcess mosquitto(Path dir, int port, String... extraConfig) throws Exception {
        Path conf = dir.resolve("mosquitto.conf");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                // started as root (CI containers), Mosquitto would otherwise switch to user mosquitto
                "user root",
                "log_dest stdout",
                "log_type error", "log_type warning", "log_type notice"));
        lines.addAll(List.of(extraConfig));
        Files.write(conf, lines);
        String binary = Files.isExecutable(Paths.get("/usr/sbin/mosquitto")) ? "/usr/sbin/mosquitto" : "mosquitto";
        ExternalProcess p = start("mosquitto-" + port, List.of(binary, "-c", conf.toString()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
                return p;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !p.alive()) {
                    p.close();
                    throw new AssertionError("Mosquitto did not listen on " + port + ": " + e + "; " + p.tail());
                }
                Thread.sleep(50);
            }
        }
    }

    /** Runs a short command to its end and returns what it printed (stdout and stderr). */
    static String run(long seconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + seconds + " s");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private void pump(Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)); PrintWriter out = new PrintWriter(Files.newBufferedWriter(log,
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                out.println(line);
            }
        } catch (IOException e) {
            // the process was killed while we read: its last lines are what we have
            lines.add("[itest: output of " + name + " ended: " + e + "]");
        }
    }

    List<String> lines() {
        return lines;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Waits for a line matching {@code regex} (anywhere in it), scanning from the first line. */
    Matcher awaitLine(String regex, long seconds) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int seen = 0;
        while (true) {
            List<String> now = lines;
            for (; seen < now.size(); seen++) {
                Matcher m = p.matcher(now.get(seen));
                if (m.find()) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline || !process.isAlive() && seen >= lines.size() && !reader.isAlive()) {
                throw new AssertionError(name + ": no line matching '" + regex + "' within " + seconds + " s"
                        + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; output: " + tail());
            }
            Thread.sleep(20);
        }
    }

    String tail() {
        List<String> all = new ArrayList<>(lines);
        return String.join(" | ", all.subList(Math.max(0, all.size() - 15), all.size()));
    }

    /** SIGTERM (children first), then SIGKILL after 5 s. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
