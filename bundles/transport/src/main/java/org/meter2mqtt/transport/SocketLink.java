package org.meter2mqtt.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DriverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A TCP connection to ser2net or a WiFi P1 dongle; reads time out after the link's timeout. */
final class SocketLink implements ByteLink {

    private static final Logger LOG = LoggerFactory.getLogger(SocketLink.class);

    private final LinkSpec spec;
    private final Socket socket;

    private SocketLink(LinkSpec spec, Socket socket) {
        this.spec = spec;
        this.socket = socket;
    }

    static SocketLink open(LinkSpec spec) throws DriverException {
        String where = spec.host() + ":" + spec.port();
        Socket s = new Socket();
        try {
            s.setKeepAlive(true);
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(spec.host(), spec.port()), spec.timeoutMs());
            s.setSoTimeout(spec.timeoutMs());
        } catch (UnknownHostException e) {
            closeQuietly(s);
            throw new DriverException("unknown host '" + spec.host() + "' in " + spec.uri(), e);
        } catch (ConnectException e) {
            closeQuietly(s);
            throw new DriverException("connection refused by " + where
                    + ": is ser2net / the P1 dongle running and listening on that port?", e);
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            throw new DriverException("no answer from " + where + " within " + spec.timeoutMs() + " ms", e);
        } catch (NoRouteToHostException e) {
            closeQuietly(s);
            throw new DriverException("no route to " + where + ": is the device on the network?", e);
        } catch (IOException e) {
            closeQuietly(s);
            throw new DriverException("cannot connect to " + where + ": " + e.getMessage(), e);
        }
        LOG.debug("connected to {}", where);
        return new SocketLink(spec, s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing an unconnected socket failed: {}", e.toString());
        }
    }

    @Override
    public InputStream input() throws IOException {
        return socket.getInputStream();
    }

    @Override
    public OutputStream output() throws IOException {
        return socket.getOutputStream();
    }

    @Override
    public String describe() {
        return "socket://" + spec.host() + ":" + spec.port();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", describe(), e.toString());
        }
    }
}
