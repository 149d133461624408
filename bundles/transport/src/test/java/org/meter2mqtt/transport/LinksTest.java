package org.meter2mqtt.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DriverException;

/** Real links: socat pseudo-terminals opened through jSerialComm, and real TCP sockets. */
class LinksTest {

    private static final Map<String, String> FAST = Map.of("baud", "115200", "timeout", "300");

    private final Links links = new Links();

    @TempDir
    Path dir;

    @Test
    void serialRoundTripThroughPseudoTerminal() throws Exception {
        try (Socat pty = Socat.ptyPair(dir.resolve("meter"), dir.resolve("gateway"));
                ByteLink meter = links.open("serial:" + pty.a + "?baud=115200", FAST);
                ByteLink gateway = links.open(pty.b.toString(), FAST)) {
            meter.output().write("/ISK5\\2M550T-1012\r\n".getBytes(StandardCharsets.US_ASCII));
            meter.output().flush();
            assertThat(readLine(gateway.input())).isEqualTo("/ISK5\\2M550T-1012");
            assertThat(gateway.describe()).isEqualTo(pty.b + " 115200 8N1");

            gateway.output().write("ack\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(meter.input())).isEqualTo("ack");
        }
    }

    @Test
    void silentSerialLineTimesOut() throws Exception {
        try (Socat pty = Socat.ptyPair(dir.resolve("a"), dir.resolve("b"));
                ByteLink gateway = links.open(pty.b.toString(), FAST)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> gateway.input().read(new byte[16])).isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("no data from serial device " + pty.b);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(250_000_000L);
        }
    }

    @Test
    void missingDeviceSaysSo() {
        assertThatThrownBy(() -> links.open(dir.resolve("ttyUSB9").toString(), FAST))
                .isInstanceOf(DriverException.class).isNotInstanceOf(ConfigException.class)
                .hasMessageContaining("does not exist: is the adapter plugged in?");
    }

    @Test
    void danglingSymlinkSaysUnplugged() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("by-id-adapter"), dir.resolve("gone"));
        assertThatThrownBy(() -> links.open(link.toString(), FAST)).isInstanceOf(DriverException.class)
                .hasMessageContaining("is a link to a device that is gone");
    }

    @Test
    void busyPortSaysSo() throws Exception {
        try (Socat pty = Socat.ptyPair(dir.resolve("a"), dir.resolve("b"));
                ByteLink first = links.open(pty.b.toString(), FAST)) {
            assertThat(first.describe()).startsWith(pty.b.toString());
            assertThatThrownBy(() -> links.open(pty.b.toString(), FAST)).isInstanceOf(DriverException.class)
                    .hasMessageContaining("is busy");
        }
    }

    @Test
    void unpluggedDeviceIsLostAndOpensAgainWhenBack() throws Exception {
        Path meterEnd = dir.resolve("meter");
        Path gatewayEnd = dir.resolve("ttyUSB0");
        ByteLink gateway;
        try (Socat pty = Socat.ptyPair(meterEnd, gatewayEnd); ByteLink meter = links.open(meterEnd.toString(), FAST)) {
            gateway = links.open(gatewayEnd.toString(), FAST);
            meter.output().write("one\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(gateway.input())).isEqualTo("one");
        }
        // socat is gone: the next read fails, and a reopen says why. socat usually removes its links on the way
        // out, but now and then leaves the gateway's as a dangling link (as a stale udev link would be); both mean
        // an unplugged adapter and both must say so.
        assertThat(Files.exists(gatewayEnd)).isFalse();
        ByteLink lost = gateway;
        assertThatThrownBy(() -> {
            int n;
            do {
                n = lost.input().read(new byte[16]);
            } while (n > 0);
            if (n < 0) {
                throw new IOException("end of stream");
            }
        }).isInstanceOf(IOException.class).isNotInstanceOf(SocketTimeoutException.class);
        gateway.close();
        assertThatThrownBy(() -> links.open(gatewayEnd.toString(), FAST)).isInstanceOf(DriverException.class)
                .hasMessageMatching(".*(does not exist: is the adapter plugged in\\?"
                        + "|is a link to a device that is gone: is the adapter unplugged\\?).*");

        try (Socat pty = Socat.ptyPair(meterEnd, gatewayEnd);
                ByteLink meter = links.open(meterEnd.toString(), FAST);
                ByteLink again = links.open(gatewayEnd.toString(), FAST)) {
            meter.output().write("two\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(again.input())).isEqualTo("two");
        }
    }

    @Test
    void socketRoundTripTimeoutAndEndOfStream() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            try (ByteLink link = links.open("socket://127.0.0.1:" + server.getLocalPort(), FAST);
                    Socket dongle = server.accept()) {
                assertThat(link.describe()).isEqualTo("socket://127.0.0.1:" + server.getLocalPort());
                dongle.getOutputStream().write("/KFM5KAIFA-METER\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readLine(link.input())).isEqualTo("/KFM5KAIFA-METER");
                assertThatThrownBy(() -> link.input().read()).isInstanceOf(SocketTimeoutException.class);
                dongle.close();
                assertThat(link.input().read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void refusedConnectionSaysSo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> links.open("socket://127.0.0.1:" + port, FAST)).isInstanceOf(DriverException.class)
                .hasMessageContaining("connection refused by 127.0.0.1:" + port);
    }

    @Test
    void unknownHostSaysSo() {
        assertThatThrownBy(() -> links.open("socket://no-such-host.invalid:23", FAST))
                .isInstanceOf(DriverException.class).hasMessageContaining("unknown host 'no-such-host.invalid'");
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] one = new byte[1];
        while (true) {
            int n = in.read(one, 0, 1);
            if (n < 0 || one[0] == '\n') {
                break;
            }
            if (one[0] != '\r') {
                line.write(one[0]);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

}
