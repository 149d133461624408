package org.meter2mqtt.driver.kamstrup.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A socat pseudo-terminal pair: what one end writes, the other reads, like a serial cable. */
final class Socat implements AutoCloseable {

    private final Process process;
    final Path gatewayEnd;
    final Path meterEnd;

    Socat(Path dir) throws IOException, InterruptedException {
        gatewayEnd = dir.resolve("gateway-tty");
        meterEnd = dir.resolve("meter-tty");
        process = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + gatewayEnd, "pty,raw,echo=0,link=" + meterEnd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.exists(gatewayEnd) && Files.exists(meterEnd))) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                close();
                throw new IOException("socat did not create its pseudo-terminals: "
                        + Files.readString(dir.resolve("socat.log")));
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
