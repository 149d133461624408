package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between the publisher and a real broker, so a test can hold the bytes of a live connection (the
 * broker neither gets the publishes nor sends PUBACKs: messages stay in flight), cut the connection, refuse new
 * ones, and let them through again. The broker and its other clients (the witness) are not disturbed.
 */
final class Relay implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean frozen;
    private volatile boolean holdingAcks;
    private volatile boolean refusing;
    private volatile boolean closed;

    Relay(int targetPort) throws IOException {
        target = targetPort;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    /** Holds all bytes in both directions (read from the sockets, not forwarded) until {@link #open} or cut. */
    void freeze() {
        frozen = true;
    }

    /**
     * Holds what the broker sends (PUBACKs) while the publisher's bytes still go through: the broker passes the
     * publishes on to subscribers, the publisher sees them in flight.
     */
    void holdAcks() {
        holdingAcks = true;
    }

    /** Closes the current connections, dropping held bytes, and refuses new ones until {@link #open}. */
    void cut() throws IOException {
        refusing = true;
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    /** Forwards again (held bytes included) and accepts new connections. */
    void open() {
        refusing = false;
        frozen = false;
        holdingAcks = false;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    client.close();
                    continue;
                }
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(broker);
                pump(client, broker, false);
                pump(broker, client, true);
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("relay accept failed", e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromBroker) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    while ((frozen || fromBroker && holdingAcks) && !from.isClosed()) {
                        Thread.sleep(2);
                    }
                    if (from.isClosed()) {
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // cut() or the peer closed: the end of this connection, which is what the test wants
                closeBoth(from, to);
            } catch (IOException e) {
                closeBoth(from, to);
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeBoth(from, to);
        }, "relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
            b.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        cut();
    }
}
