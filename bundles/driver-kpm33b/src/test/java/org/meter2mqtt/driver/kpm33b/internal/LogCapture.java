package org.meter2mqtt.driver.kpm33b.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures what slf4j-simple writes (it looks up System.err for every line), while still printing it.
 */
final class LogCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (buffer) {
                    buffer.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (buffer) {
                    buffer.write(b, off, len);
                }
                original.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    List<String> lines() {
        String s;
        synchronized (buffer) {
            s = buffer.toString(StandardCharsets.UTF_8);
        }
        return Arrays.stream(s.split("\n")).collect(Collectors.toList());
    }

    List<String> lines(String... containing) {
        return lines().stream().filter(l -> Arrays.stream(containing).allMatch(l::contains))
                .collect(Collectors.toList());
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
