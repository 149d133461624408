package org.meter2mqtt.mqtt;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** A test class against one real Mosquitto, started before its tests and stopped after, in a class-wide folder. */
abstract class OnMosquitto {

    @TempDir
    static Path tmp;

    static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new TestBroker.Mosquitto(tmp.resolve("broker"));
        broker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }
}
