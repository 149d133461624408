package org.meter2mqtt.mqtt.client;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** A test class against the project's embedded broker, started once before its tests and stopped after them. */
public abstract class OnLoopbackBroker {

    @TempDir
    protected static Path tmp;

    protected static String url;
    private static LoopbackBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = LoopbackBroker.start(tmp.resolve("broker"));
        url = broker.url();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }
}
