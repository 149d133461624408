package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.junit.jupiter.api.Test;

/** Paho 1.2.5 calls createSocket() and connects itself; the option must survive that, for tcp:// and ssl://. */
class NoDelaySocketsTest {

    @Test
    void plainAndTlsSocketsHaveNagleOff() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            try (Socket usual = new Socket()) {
                usual.connect(at, 2000);
                // What Paho gets without the factory: Nagle on.
                assertThat(usual.getTcpNoDelay()).isFalse();
            }
            try (Socket s = NoDelaySockets.coalescing(() -> 0, out -> { }).createSocket()) {
                s.connect(at, 2000);
                assertThat(s.getTcpNoDelay()).isTrue();
            }
            try (Socket s = NoDelaySockets.tls((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket()) {
                assertThat(s).isInstanceOf(SSLSocket.class); // SSLNetworkModule casts to it
                s.connect(at, 2000);
                assertThat(s.getTcpNoDelay()).isTrue();
            }
        }
    }
}
