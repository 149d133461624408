package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.mqtt.client.Tls;
import org.meter2mqtt.mqtt.status.MqttOutputStatus;

/** TLS against mosquitto with a CA and server certificate generated here with openssl. */
class TlsTest {

    @TempDir
    static Path pki;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
                "-keyout", "ca.key", "-out", "ca.pem");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other CA",
                "-keyout", "other-ca.key", "-out", "other-ca.pem");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
                "-out", "server.csr");
        Files.writeString(pki.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.pem");
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true)
                .redirectOutput(pki.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(pki.resolve("openssl.log"))).isZero();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private TestBroker.Mosquitto tlsBroker() throws Exception {
        TestBroker.Mosquitto b = new TestBroker.Mosquitto(tmp.resolve("mosquitto"),
                "cafile " + pki.resolve("ca.pem") + "\ncertfile " + pki.resolve("server.pem") + "\nkeyfile "
                        + pki.resolve("server.key") + "\n");
        b.start();
        open.add(b);
        return b;
    }

    private MqttPublisher publisher(MqttSettings s) {
        MqttPublisher p = new MqttPublisher(tmp.resolve("pub"), "0.1.0", Clock.systemUTC());
        p.start(s);
        open.add(0, p);
        return p;
    }

    private static MqttSettings tls(String host, int port, String ca, boolean verifyHost) {
        return PublisherTest.settings("ssl://" + host + ":" + port).tls(ca, null, null, verifyHost).build();
    }

    @Test
    void connectsWithTheRightCaAndPublishes() throws Exception {
        TestBroker.Mosquitto b = tlsBroker();
        MqttSettings s = tls("localhost", b.port, pki.resolve("ca.pem").toString(), true);
        Subscriber sub = new Subscriber("ssl://localhost:" + b.port, "tls-witness", true, Tls.socketFactory(s.caFile(), s.certFile(), s.keyFile()),
                "meters/#");
        open.add(0, sub);
        MqttPublisher p = publisher(s);
        DeviceInfo e1 = Devices.meter("e1", Devices.POWER);
        p.deviceChanged(e1);
        p.readings(e1, Devices.readings(PublisherTest.T0, "power", "42"));
        assertThat(sub.await("meters/demo/e1/power").payload()).isEqualTo("42");
        assertThat(p.state()).isEqualTo(MqttOutputStatus.State.CONNECTED);
    }

    @Test
    void aWrongCaFailsWithAClearReasonAndBuffers() throws Exception {
        TestBroker.Mosquitto b = tlsBroker();
        MqttPublisher p = publisher(tls("localhost", b.port, pki.resolve("other-ca.pem").toString(), true));
        DeviceInfo e1 = Devices.meter("e1", Devices.POWER);
        p.deviceChanged(e1);
        p.readings(e1, Devices.readings(PublisherTest.T0, "power", "42"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::detail,
                d -> d.contains("not signed by the CA in tls.ca.file"));
        assertThat(p.detail()).startsWith("TLS handshake failed");
        assertThat(p.state()).isEqualTo(MqttOutputStatus.State.CONNECTING);
        assertThat(p.buffered()).isEqualTo(1);
    }

    @Test
    void hostnameVerificationIsOnByDefault() throws Exception {
        TestBroker.Mosquitto b = tlsBroker();
        // The certificate names localhost only, so 127.0.0.1 must be refused...
        MqttPublisher p = publisher(tls("127.0.0.1", b.port, pki.resolve("ca.pem").toString(), true));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(p::detail,
                d -> d.contains("does not name this host"));
        p.close();
        // ...unless verification is switched off on purpose.
        MqttPublisher lax = publisher(tls("127.0.0.1", b.port, pki.resolve("ca.pem").toString(), false));
        PublisherTest.awaitConnected(lax);
    }
}
