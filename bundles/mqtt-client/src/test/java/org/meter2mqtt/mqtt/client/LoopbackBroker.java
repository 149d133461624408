package org.meter2mqtt.mqtt.client;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;

/** The project's real embedded broker on a free loopback port, for a test class to share and close. */
public final class LoopbackBroker implements AutoCloseable {

    private final EmbeddedBroker broker;
    private final String url;

    private LoopbackBroker(EmbeddedBroker broker, String url) {
        this.broker = broker;
        this.url = url;
    }

    /** Starts a broker without login whose store lives in {@code dir}. */
    public static LoopbackBroker start(Path dir) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", port, null, null, dir));
        broker.start();
        return new LoopbackBroker(broker, "tcp://127.0.0.1:" + port);
    }

    /** {@code tcp://127.0.0.1:<port>} */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        broker.close();
    }
}
