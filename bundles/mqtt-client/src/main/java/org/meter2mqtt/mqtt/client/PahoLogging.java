package org.meter2mqtt.mqtt.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Selects the gateway's Paho logger (bundle {@code org.meter2mqtt.paho.logging}, a fragment of Paho) when it is
 * attached: Paho builds a logger for every message it publishes, and its default one costs about 7 % of the
 * gateway's CPU at 2000 messages/s (issue 17). Without the fragment (unit tests, an installation without it) Paho
 * keeps its default: naming a class Paho cannot load would leave it without any logger.
 */
final class PahoLogging {

    static final String WARNINGS_LOGGER = "org.meter2mqtt.paho.logging.WarningsLogger";
    private static final Logger LOG = LoggerFactory.getLogger(PahoLogging.class);
    private static volatile boolean done;

    private PahoLogging() {
    }

    /** Idempotent; called before the first Paho client is made. */
    static void install() {
        if (done) {
            return;
        }
        done = true;
        try {
            // Paho loads the class by name in its own class loader, where a fragment's classes live
            Class.forName(WARNINGS_LOGGER, false,
                    org.eclipse.paho.client.mqttv3.logging.LoggerFactory.class.getClassLoader());
            org.eclipse.paho.client.mqttv3.logging.LoggerFactory.setLogger(WARNINGS_LOGGER);
            LOG.debug("Paho logs warnings and errors only ({})", WARNINGS_LOGGER);
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.debug("Paho keeps its own logger: {} is not attached to Paho", WARNINGS_LOGGER);
        }
    }

    /** Whether Paho makes its loggers from the gateway's class now (for tests). */
    static boolean installed() {
        return org.eclipse.paho.client.mqttv3.logging.LoggerFactory.getLogger(
                org.eclipse.paho.client.mqttv3.logging.LoggerFactory.MQTT_CLIENT_MSG_CAT, "probe").getClass()
                .getName().equals(WARNINGS_LOGGER);
    }
}
