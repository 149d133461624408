package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;

/** A real broker the tests start, stop and start again on the same port with the same data folder. */
abstract class TestBroker implements AutoCloseable {

    final Path dir;
    final int port;

    TestBroker(Path dir) {
        this.dir = dir;
        this.port = freePort();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    abstract String name();

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    abstract void start() throws Exception;

    abstract void stop() throws Exception;

    @Override
    public void close() throws Exception {
        stop();
    }

    @Override
    public String toString() {
        return name();
    }

    static void awaitPort(int port, boolean open) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                if (open) {
                    return;
                }
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("port " + port + " did not become " + (open ? "open" : "closed"));
    }

    /** The project's own embedded broker (Moquette), with persistence so sessions survive a restart. */
    static final class Embedded extends TestBroker {
        private EmbeddedBroker broker;

        Embedded(Path dir) {
            super(dir);
        }

        @Override
        String name() {
            return "embedded";
        }

        @Override
        void start() throws Exception {
            broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", port, null, null, dir.resolve("moquette")));
            broker.start();
        }

        @Override
        void stop() {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    /** A mosquitto process with a generated configuration (Debian package mosquitto). */
    static final class Mosquitto extends TestBroker {
        private final String extraConfig;
        private Process process;

        Mosquitto(Path dir) {
            this(dir, "");
        }

        Mosquitto(Path dir, String extraConfig) {
            super(dir);
            this.extraConfig = extraConfig;
        }

        @Override
        String name() {
            return "mosquitto";
        }

        @Override
        void start() throws Exception {
            Files.createDirectories(dir);
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(conf, "listener " + port + " 127.0.0.1\n" + "allow_anonymous true\n"
                    + "persistence true\n" + "persistence_location " + dir + "/\n"
                    // The tests run as root; stay root so the generated files stay readable.
                    + "user root\n" + "max_queued_messages 100000\n" + extraConfig);
            process = new ProcessBuilder("mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
            awaitPort(port, true);
        }

        @Override
        void stop() throws Exception {
            if (process != null) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
                process = null;
                awaitPort(port, false);
            }
        }
    }
}
