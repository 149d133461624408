package org.meter2mqtt.driver.dsmr.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The outside world of the end-to-end tests: socat pseudo-terminals and the simulator, each its own process. */
final class Processes {

    private Processes() {
    }

    /** A socat pty pair: the meter writes to one end, the gateway opens the other. Closing unplugs it. */
    static final class Pty implements AutoCloseable {
        final Path meterEnd;
        final Path gatewayEnd;
        private final Process process;

        Pty(Path meterEnd, Path gatewayEnd) throws IOException, InterruptedException {
            this.meterEnd = meterEnd;
            this.gatewayEnd = gatewayEnd;
            this.process = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + meterEnd,
                    "pty,raw,echo=0,link=" + gatewayEnd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(Files.exists(meterEnd) && Files.exists(gatewayEnd))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("socat did not create " + meterEnd + " and " + gatewayEnd);
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop(process);
        }
    }

    /** The DSMR simulator in its own JVM; counts the telegrams it reports as sent. */
    static final class Simulator implements AutoCloseable {
        private final Process process;
        final AtomicLong sent = new AtomicLong();
        private volatile int port = -1;

        Simulator(String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx64m");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("org.meter2mqtt.simulators.dsmr.DsmrSimulator");
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("listening on port ")) {
                            port = Integer.parseInt(line.substring("listening on port ".length()));
                        } else if (line.startsWith("sent ")) {
                            sent.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // the process ended; nothing more to count
                    sent.addAndGet(0);
                }
            }, "simulator-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** The TCP port it listens on (waits for the first line). */
        int port() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (port < 0) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the simulator did not start listening");
                }
                Thread.sleep(20);
            }
            return port;
        }

        @Override
        public void close() throws InterruptedException {
            stop(process);
        }
    }

    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
