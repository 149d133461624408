package org.meter2mqtt.simulators.pulse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * A real RabbitMQ (Debian's rabbitmq-server) as a plain process: free ports, its own data folder, node name,
 * Erlang cookie (its own HOME) and its own epmd, which we start in the foreground so that it, too, is
 * stopped by its PID. The data folder outlives {@link #stop()}, so {@link #start()} again is a restart with
 * the durable queues and persistent messages kept. For tests and benchmarks (Debian package rabbitmq-server).
 */
public final class RabbitMqServer implements AutoCloseable {

    public static final String SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private final Path dir;
    private final int port = freePort();
    private int distPort = freePort();
    private final int epmdPort = freePort();
    private final String node = "pulsetest" + ProcessHandle.current().pid() + "x" + port + "@localhost";
    private Process epmd;
    private Process server;

    public RabbitMqServer(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    public static boolean installed() {
        return Files.isExecutable(Path.of(SERVER));
    }

    public int port() {
        return port;
    }

    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    public void start() throws Exception {
        Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(dir.resolve("mnesia"));
        Files.createDirectories(dir.resolve("log"));
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
        if (epmd == null || !epmd.isAlive()) {
            epmd = new ProcessBuilder("epmd", "-port", Integer.toString(epmdPort))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("epmd.log").toFile()).start();
        }
        ProcessBuilder pb = new ProcessBuilder(SERVER).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("HOME", dir.resolve("home").toString());
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
        if (!free(distPort)) {
            // another process took it while we were stopped (CI runs other servers on free ports too); the
            // distribution port is found through our epmd by node name, so a new one changes nothing for clients
            distPort = freePort();
        }
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
        env.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
        env.put("RABBITMQ_NODENAME", node);
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_PID_FILE", dir.resolve("rabbit.pid").toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
        server = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("rabbitmq-server exited with " + server.exitValue() + "; see "
                        + dir.resolve("server.log"));
            }
            try (Connection c = connect()) {
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(300);
            }
        }
        throw new IOException("RabbitMQ did not accept connections within 90 s; see " + dir.resolve("server.log"),
                last);
    }

    public Connection connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(port);
        f.setConnectionTimeout(2_000);
        f.setAutomaticRecoveryEnabled(false);
        return f.newConnection("test");
    }

    /** Messages ready for delivery (not the ones delivered and unacknowledged). */
    public long ready(String queue) throws Exception {
        try (Connection c = connect(); Channel ch = c.createChannel()) {
            return ch.queueDeclarePassive(queue).getMessageCount();
        }
    }

    /** Graceful stop (SIGTERM to the Erlang VM and its shell wrapper), by PID. */
    public void stop() throws InterruptedException {
        if (server == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        server.descendants().forEach(tree::add);
        tree.add(server.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        server = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        if (epmd != null) {
            epmd.destroy();
            epmd.waitFor(5, TimeUnit.SECONDS);
            epmd.destroyForcibly();
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True when nothing listens on the port (on any address: Erlang's distribution binds them all). */
    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
