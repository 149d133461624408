package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.Deque;

import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {

    /** Hands out the chunks it was given one read at a time, a timeout where a chunk is null; counts the reads. */
    private static final class Chunks extends InputStream {
        final Deque<byte[]> chunks = new ArrayDeque<>();
        int reads;
        int availableCalls;

        Chunks add(byte... b) {
            chunks.add(b);
            return this;
        }

        Chunks timeout() {
            chunks.add(new byte[0]);
            return this;
        }

        @Override
        public int read() {
            throw new AssertionError("single-byte reads must not reach the socket");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            reads++;
            byte[] c = chunks.poll();
            if (c == null) {
                return -1;
            }
            if (c.length == 0) {
                throw new SocketTimeoutException("Read timed out");
            }
            int n = Math.min(len, c.length);
            System.arraycopy(c, 0, b, off, n);
            if (n < c.length) {
                byte[] rest = new byte[c.length - n];
                System.arraycopy(c, n, rest, 0, rest.length);
                chunks.push(rest);
            }
            return n;
        }

        @Override
        public int available() {
            availableCalls++;
            return chunks.isEmpty() ? 0 : chunks.peek().length;
        }
    }

    @Test
    void manyPubacksCostOneRead() throws IOException {
        Chunks socket = new Chunks();
        byte[] acks = new byte[4 * 100];
        for (int i = 0; i < 100; i++) {
            acks[4 * i] = 0x40; // PUBACK, remaining length 2, message id i
            acks[4 * i + 1] = 2;
            acks[4 * i + 3] = (byte) i;
        }
        socket.add(acks);
        DataInputStream in = new DataInputStream(new ReadAheadInputStream(socket, 16 * 1024));
        for (int i = 0; i < 100; i++) {
            // what Paho's receiver does per packet: available() (from the buffer once it holds data), type byte,
            // length byte, body
            if (i > 0) {
                assertThat(in.available()).isEqualTo(4 * (100 - i));
            }
            assertThat(in.readByte()).isEqualTo((byte) 0x40);
            assertThat(in.readByte()).isEqualTo((byte) 2);
            byte[] id = new byte[2];
            in.readFully(id);
            assertThat(id[1]).isEqualTo((byte) i);
        }
        assertThat(socket.reads).isEqualTo(1);
        assertThat(in.read()).isEqualTo(-1);
        assertThat(socket.availableCalls).isZero();
    }

    @Test
    void anEmptyBufferAnswersZeroWithoutAskingTheSocket() throws IOException {
        // a system call (FIONREAD) per packet for Paho's receiver, which only marks itself "receiving" with it
        Chunks socket = new Chunks().add((byte) 0x40, (byte) 2, (byte) 0, (byte) 1).add((byte) 0xD0, (byte) 0);
        ReadAheadInputStream in = new ReadAheadInputStream(socket, 64);
        assertThat(in.available()).isZero();
        assertThat(in.read()).isEqualTo(0x40);
        assertThat(in.available()).isEqualTo(3);
        in.readNBytes(3);
        assertThat(in.available()).isZero(); // the PINGRESP is still in the socket
        assertThat(in.read()).isEqualTo(0xD0);
        assertThat(socket.availableCalls).isZero();
    }

    @Test
    void aTimeoutLosesNothingAndTheNextReadGoesOn() throws IOException {
        Chunks socket = new Chunks().add((byte) 0x30, (byte) 5, (byte) 'a').timeout().add((byte) 'b', (byte) 'c')
                .timeout().add((byte) 'd', (byte) 'e');
        ReadAheadInputStream in = new ReadAheadInputStream(socket, 64);
        assertThat(in.read()).isEqualTo(0x30);
        assertThat(in.read()).isEqualTo(5);
        byte[] body = new byte[5];
        int got = in.read(body, 0, 5);
        assertThat(got).isEqualTo(1);
        assertThatThrownBy(() -> in.read(body, 1, 4)).isInstanceOf(SocketTimeoutException.class);
        got += in.read(body, got, 5 - got);
        assertThatThrownBy(() -> in.read(body, 3, 2)).isInstanceOf(SocketTimeoutException.class);
        got += in.read(body, got, 5 - got);
        assertThat(got).isEqualTo(5);
        assertThat(new String(body, "US-ASCII")).isEqualTo("abcde");
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aLargeBodyIsReadStraightThrough() throws IOException {
        byte[] big = new byte[1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        Chunks socket = new Chunks().add((byte) 1, (byte) 2).add(big);
        ReadAheadInputStream in = new ReadAheadInputStream(socket, 64);
        assertThat(in.read()).isEqualTo(1);
        byte[] first = new byte[500];
        assertThat(in.read(first, 0, 500)).isEqualTo(1); // the rest of the buffer first
        assertThat(first[0]).isEqualTo((byte) 2);
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] b = new byte[1000];
        int n;
        while ((n = in.read(b, 0, b.length)) > 0) {
            rest.write(b, 0, n);
        }
        assertThat(rest.toByteArray()).isEqualTo(big);
    }

    @Test
    void theSocketsOfThePlainAndCoalescingFactoriesReadAhead() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            for (javax.net.SocketFactory f : new javax.net.SocketFactory[] { NoDelaySockets.plain(),
                    NoDelaySockets.coalescing(() -> 0, out -> { }) }) {
                try (Socket s = f.createSocket()) {
                    s.connect(at, 2000);
                    try (Socket peer = server.accept()) {
                        InputStream in = s.getInputStream();
                        assertThat(in).isInstanceOf(ReadAheadInputStream.class).isSameAs(s.getInputStream());
                        OutputStream out = peer.getOutputStream();
                        out.write(new byte[] { 0x40, 2, 0, 7, 0x40, 2, 0, 8 });
                        out.flush();
                        DataInputStream d = new DataInputStream(in);
                        byte[] two = new byte[8];
                        d.readFully(two);
                        assertThat(two[3]).isEqualTo((byte) 7);
                        assertThat(two[7]).isEqualTo((byte) 8);
                    }
                }
            }
        }
    }
}
