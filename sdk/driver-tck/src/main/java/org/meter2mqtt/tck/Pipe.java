package org.meter2mqtt.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;

/**
 * One direction of an in-memory line. Reads block at most the link's timeout and then throw
 * {@link SocketTimeoutException}, like a serial port or socket; a severed pipe throws {@link IOException}.
 */
final class Pipe {

    private final Object lock = new Object();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int pos;
    private boolean severed;
    private volatile long timeoutMs;

    Pipe(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    void timeout(long ms) {
        timeoutMs = ms;
    }

    void sever() {
        synchronized (lock) {
            severed = true;
            lock.notifyAll();
        }
    }

    boolean severed() {
        synchronized (lock) {
            return severed;
        }
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        byte[] copy = new byte[len];
        System.arraycopy(b, off, copy, 0, len);
        synchronized (lock) {
            if (severed) {
                throw new IOException("link lost (cut by the compliance kit)");
            }
            chunks.add(copy);
            lock.notifyAll();
        }
    }

    int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (lock) {
            while (chunks.isEmpty()) {
                if (severed) {
                    throw new IOException("link lost (cut by the compliance kit)");
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new SocketTimeoutException("no byte within " + timeoutMs + " ms");
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
            int n = 0;
            while (n < len && !chunks.isEmpty()) {
                byte[] head = chunks.peek();
                int take = Math.min(len - n, head.length - pos);
                System.arraycopy(head, pos, b, off + n, take);
                n += take;
                pos += take;
                if (pos == head.length) {
                    chunks.poll();
                    pos = 0;
                }
            }
            return n;
        }
    }

    int available() {
        synchronized (lock) {
            int n = -pos;
            for (byte[] c : chunks) {
                n += c.length;
            }
            return Math.max(n, 0);
        }
    }

    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = Pipe.this.read(one, 0, 1);
                return n <= 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return Pipe.this.read(b, off, len);
            }

            @Override
            public int available() {
                return Pipe.this.available();
            }

            @Override
            public long skip(long n) throws IOException {
                int k = (int) Math.min(n, Pipe.this.available());
                return k <= 0 ? 0 : Pipe.this.read(new byte[k], 0, k);
            }
        };
    }

    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                Pipe.this.write(new byte[] { (byte) b }, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Pipe.this.write(b, off, len);
            }
        };
    }
}
