package org.meter2mqtt.bench.kpm33b;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The few MQTT 3.1.1 packets the load generator and the sink need, over a plain socket with TCP_NODELAY. A
 * client library (Paho) costs several times the CPU per message, and on a 2-core machine the rig's CPU is taken
 * from the system under test; this keeps the rig's share small and its latency honest.
 */
final class Mqtt implements AutoCloseable {

    static final int PUBLISH = 3;

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    private Mqtt(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    }

    /** Connects with a clean session and no keep-alive; waits for CONNACK. */
    static Mqtt connect(String host, int port, String clientId) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setReceiveBufferSize(1 << 20);
        s.setSendBufferSize(1 << 20);
        s.connect(new InetSocketAddress(host, port), 10_000);
        Mqtt m = new Mqtt(s);
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] vh = { 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0 };
        m.out.write(0x10);
        remainingLength(m.out, vh.length + 2 + id.length);
        m.out.write(vh);
        string(m.out, id);
        m.out.flush();
        Packet p = m.read(new Packet());
        if (p.type != 2 || p.body.length < 2 || p.body[1] != 0) {
            throw new IOException("CONNACK refused by " + host + ":" + port);
        }
        return m;
    }

    void subscribe(String filter, int qos) throws IOException {
        byte[] f = filter.getBytes(StandardCharsets.UTF_8);
        out.write(0x82);
        remainingLength(out, 2 + 2 + f.length + 1);
        out.write(0);
        out.write(1);
        string(out, f);
        out.write(qos);
        out.flush();
        Packet p = read(new Packet());
        if (p.type != 9 || (p.body[p.body.length - 1] & 0x80) != 0) {
            throw new IOException("SUBSCRIBE " + filter + " refused");
        }
    }

    /** Writes (does not flush) one QoS 0 PUBLISH. */
    void publish0(byte[] topic, byte[] payload, int len) throws IOException {
        out.write(0x30);
        remainingLength(out, 2 + topic.length + len);
        string(out, topic);
        out.write(payload, 0, len);
    }

    void puback(int packetId) throws IOException {
        out.write(0x40);
        out.write(2);
        out.write(packetId >> 8);
        out.write(packetId & 0xff);
    }

    /** One packet as read: type, flags and body (variable header + payload). */
    static final class Packet {
        int type;
        int flags;
        byte[] body = new byte[1024];
        int length;
    }

    /** Reads the next packet into {@code p}, reusing its buffer. */
    Packet read(Packet p) throws IOException {
        int h = in.read();
        if (h < 0) {
            throw new EOFException("connection closed by the broker");
        }
        p.type = h >> 4;
        p.flags = h & 0x0f;
        int len = 0;
        int shift = 0;
        int b;
        do {
            b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by the broker");
            }
            len |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        if (p.body.length < len) {
            p.body = new byte[Math.max(len, p.body.length * 2)];
        }
        int off = 0;
        while (off < len) {
            int n = in.read(p.body, off, len - off);
            if (n < 0) {
                throw new EOFException("connection closed by the broker");
            }
            off += n;
        }
        p.length = len;
        return p;
    }

    private static void remainingLength(OutputStream out, int len) throws IOException {
        do {
            int b = len & 0x7f;
            len >>>= 7;
            out.write(len > 0 ? b | 0x80 : b);
        } while (len > 0);
    }

    private static void string(OutputStream out, byte[] s) throws IOException {
        out.write(s.length >> 8);
        out.write(s.length & 0xff);
        out.write(s);
    }

    @Override
    public void close() throws IOException {
        try {
            out.write(0xe0);
            out.write(0);
            out.flush();
        } finally {
            socket.close();
        }
    }
}
