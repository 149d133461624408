package org.meter2mqtt.mqtt.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * Socket factories that switch Nagle's algorithm off (TCP_NODELAY) and, for tcp://, read the socket in large chunks
 * ({@link ReadAheadInputStream}). Paho writes every MQTT packet with its own
 * flush and never sets the option, so with Nagle a small publish can wait for the broker's delayed ACK
 * (up to 40 ms on Linux) whenever an earlier segment is unacknowledged. Paho 1.2.5 calls {@code createSocket()}
 * and connects itself, for tcp:// and ssl:// alike; the other methods are there for completeness.
 */
public final class NoDelaySockets {

    private NoDelaySockets() {
    }

    /**
     * For tcp://, with queued PUBLISHes written together (Paho refuses an SSLSocketFactory there, so this is a
     * plain {@link SocketFactory}) ({@link CoalescingOutputStream}).
     *
     * @param handed PUBLISH packets the publisher has handed Paho on the connection these sockets are for
     * @param streams told of each socket's stream, so that the publisher can flush what is held back
     */
    public static SocketFactory coalescing(LongSupplier handed, Consumer<CoalescingOutputStream> streams) {
        return new Plain() {
            @Override
            public Socket createSocket() throws IOException {
                return noDelay(new ReadAheadSocket() {
                    private CoalescingOutputStream out;

                    @Override
                    public synchronized OutputStream getOutputStream() throws IOException {
                        if (out == null) {
                            out = new CoalescingOutputStream(super.getOutputStream(), handed, 64 * 1024);
                            streams.accept(out);
                        }
                        return out;
                    }
                });
            }
        };
    }

    /** For ssl://: the TLS factory of {@link Tls}, with TCP_NODELAY on every socket it makes. */
    public static SSLSocketFactory tls(SSLSocketFactory delegate) {
        return new TlsFactory(delegate);
    }

    /** For tcp:// where several threads publish (no coalescing: that needs one publishing thread's count). */
    public static SocketFactory plain() {
        return new Plain();
    }

    private static <S extends Socket> S noDelay(S s) throws IOException {
        s.setTcpNoDelay(true);
        return s;
    }

    /** A socket whose input is read in large chunks ({@link ReadAheadInputStream}). */
    private static class ReadAheadSocket extends Socket {
        private InputStream in;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new ReadAheadInputStream(super.getInputStream(), 16 * 1024);
            }
            return in;
        }
    }

    private static class Plain extends SocketFactory {
        @Override
        public Socket createSocket() throws IOException {
            return noDelay(new ReadAheadSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(new Socket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(new Socket(address, port, localAddress, localPort));
        }
    }

    private static final class TlsFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        TlsFactory(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            // Layered over a connected socket: the option belongs to the TCP socket underneath.
            noDelay(s);
            return delegate.createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
