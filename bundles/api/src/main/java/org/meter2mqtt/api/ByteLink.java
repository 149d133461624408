package org.meter2mqtt.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An open byte stream to a meter: a serial port or a TCP connection (ser2net, WiFi P1 dongles).
 * {@code input().read} blocks at most the link's read timeout and then throws
 * {@link java.net.SocketTimeoutException}, so a dead line is noticed; end of stream or an
 * {@link IOException} means the link is lost.
 */
public interface ByteLink extends AutoCloseable {

    InputStream input() throws IOException;

    OutputStream output() throws IOException;

    /** Discards bytes already received and not read (before a request/response exchange). */
    default void drain() throws IOException {
        InputStream in = input();
        int n = in.available();
        while (n > 0) {
            n -= (int) in.skip(n);
            n = Math.max(n, in.available());
        }
    }

    /** For logs and {@code meter:show}: the port and its line settings. */
    String describe();

    @Override
    void close();
}
