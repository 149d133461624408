package org.meter2mqtt.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A socat pseudo-terminal pair: two linked device paths, like a USB serial adapter with a meter behind it. */
final class Socat implements AutoCloseable {

    final Path a;
    final Path b;
    private final Process process;

    private Socat(Path a, Path b, Process process) {
        this.a = a;
        this.b = b;
        this.process = process;
    }

    static Socat ptyPair(Path a, Path b) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(a) && Files.exists(b))) {
            if (!p.isAlive()) {
                throw new IOException("socat exited with " + p.exitValue());
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("socat did not create " + a + " and " + b);
            }
            Thread.sleep(20);
        }
        return new Socat(a, b, p);
    }

    /** Stops socat, which removes both links: the adapter is unplugged. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
