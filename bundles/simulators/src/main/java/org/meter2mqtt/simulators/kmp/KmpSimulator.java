package org.meter2mqtt.simulators.kmp;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link KmpResponder} on a TCP port (as ser2net would expose an optical head) or on a serial device
 * path (one end of a socat pseudo-terminal pair). As a process:
 *
 * <pre>
 * java -cp ... org.meter2mqtt.simulators.kmp.KmpSimulator --model 403 --tcp 0 [--echo] [--tick]
 *      [--crc-error-rate 0.1] [--no-answer-rate 0.1] [--delay-ms 50] [--seed 1] [--log-served]
 * java -cp ... org.meter2mqtt.simulators.kmp.KmpSimulator --model 603 --serial /tmp/kmp-meter
 * </pre>
 *
 * It prints {@code READY tcp <port>} or {@code READY serial <path>} on stdout once it listens, and with
 * {@code --log-served} one {@code SERVED <register id> <value>} line per value sent.
 */
public final class KmpSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KmpSimulator.class);

    private final KmpResponder responder;
    private ServerSocket server;
    private RandomAccessFile device;
    private Thread thread;

    public KmpSimulator(KmpResponder responder) {
        this.responder = responder;
    }

    public KmpResponder responder() {
        return responder;
    }

    /** Listens on localhost ({@code port} 0 picks a free one); returns the port. */
    public int startTcp(int port) throws IOException {
        server = new ServerSocket(port, 5, InetAddress.getLoopbackAddress());
        thread = new Thread(this::acceptLoop, "kmp-sim-tcp-" + server.getLocalPort());
        thread.setDaemon(true);
        thread.start();
        return server.getLocalPort();
    }

    /** Serves a serial device path (e.g. a socat pseudo-terminal) opened as a plain file. */
    public void startSerial(String path) throws IOException {
        device = new RandomAccessFile(path, "rw");
        FileInputStream in = new FileInputStream(device.getFD());
        FileOutputStream out = new FileOutputStream(device.getFD());
        thread = new Thread(() -> {
            try {
                responder.serve(in, out);
                LOG.info("{} closed", path);
            } catch (IOException e) {
                LOG.info("Serial device {} gone: {}", path, e.getMessage());
            }
        }, "kmp-sim-serial");
        thread.setDaemon(true);
        thread.start();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serveSocket(s), "kmp-sim-conn-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("Accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serveSocket(Socket s) {
        try (Socket socket = s) {
            socket.setTcpNoDelay(true);
            responder.serve(socket.getInputStream(), socket.getOutputStream());
        } catch (SocketException e) {
            LOG.debug("Connection ended: {}", e.getMessage());
        } catch (IOException e) {
            LOG.info("Connection failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
            if (device != null) {
                device.close();
            }
        } catch (IOException e) {
            LOG.debug("Close: {}", e.getMessage());
        }
    }

    private static final String USAGE = "usage: KmpSimulator --model 402|403|601|603|801 (--tcp PORT | --serial PATH)"
            + " [--echo] [--tick] [--crc-error-rate R] [--no-answer-rate R] [--delay-ms N] [--seed N] [--log-served]";

    public static void main(String[] args) throws Exception {
        KmpResponder.Options o = new KmpResponder.Options();
        String model = "403";
        Integer tcp = null;
        String serial = null;
        boolean logServed = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i].toLowerCase(Locale.ROOT);
            switch (a) {
                case "--model": model = args[++i]; break;
                case "--tcp": tcp = Integer.parseInt(args[++i]); break;
                case "--serial": serial = args[++i]; break;
                case "--crc-error-rate": o.crcErrorRate = Double.parseDouble(args[++i]); break;
                case "--no-answer-rate": o.noAnswerRate = Double.parseDouble(args[++i]); break;
                case "--echo": o.echo = true; break;
                case "--tick": o.tick = true; break;
                case "--delay-ms": o.delayMs = Integer.parseInt(args[++i]); break;
                case "--seed": o.seed = Long.parseLong(args[++i]); break;
                case "--log-served": logServed = true; break;
                case "-h":
                case "--help":
                    System.out.println(USAGE);
                    System.exit(0);
                    break;
                default:
                    System.err.println("unknown option " + args[i]);
                    System.err.println(USAGE);
                    System.exit(2);
            }
        }
        KmpResponder responder = new KmpResponder(model, o);
        if (logServed) {
            responder.onServed((id, v) -> System.out.printf("SERVED 0x%04X %s%n", id, v.toPlainString()));
        }
        KmpSimulator sim = new KmpSimulator(responder);
        if (serial != null) {
            sim.startSerial(serial);
            System.out.println("READY serial " + serial);
        } else {
            System.out.println("READY tcp " + sim.startTcp(tcp == null ? 0 : tcp));
        }
        System.out.flush();
        sim.thread.join();
    }
}
