package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** With the fragment's class next to Paho (here: on the test class path), every Paho client gets the cheap logger. */
class PahoLoggingTest {

    @Test
    void theWarningsLoggerIsSelectedOnceTheClientLayerIsLoaded() throws Exception {
        Class.forName(PahoConnection.class.getName()); // its static initialiser selects the logger
        assertThat(PahoLogging.installed()).isTrue();
    }
}
