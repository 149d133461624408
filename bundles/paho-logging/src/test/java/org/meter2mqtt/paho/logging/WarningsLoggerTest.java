package org.meter2mqtt.paho.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.eclipse.paho.client.mqttv3.logging.Logger;
import org.eclipse.paho.client.mqttv3.logging.LoggerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WarningsLoggerTest {

    private final List<LogRecord> records = new ArrayList<>();
    private final java.util.logging.Logger jul = java.util.logging.Logger.getLogger("test.paho");
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** Paho's catalog maps message numbers to texts with inserts. */
    public static final class Catalog extends ListResourceBundle {
        @Override
        protected Object[][] getContents() {
            return new Object[][] { { "104", "client {0} lost its connection: {1}" } };
        }
    }

    @AfterEach
    void restore() {
        jul.removeHandler(handler);
        LoggerFactory.setLogger(null);
    }

    @Test
    void warningsReachJavaLoggingWithTheCatalogTextAndTraceIsDropped() {
        jul.addHandler(handler);
        WarningsLogger log = new WarningsLogger();
        log.initialise(new Catalog(), "test.paho", null);

        log.fine("ClientState", "send", "617", new Object[] { "x" });
        log.info("ClientState", "send", "104");
        log.trace(Logger.FINEST, "ClientState", "send", "104", null, null);
        assertThat(records).isEmpty();
        assertThat(log.isLoggable(Logger.FINE)).isFalse();
        assertThat(log.isLoggable(Logger.WARNING)).isTrue();

        IllegalStateException cause = new IllegalStateException("reset");
        log.warning("ClientComms", "shutdown", "104", new Object[] { "gw", "EOF" }, cause);
        log.severe("ClientComms", "run", "999");
        assertThat(records).extracting(LogRecord::getMessage)
                .containsExactly("client gw lost its connection: EOF", "999");
        assertThat(records.get(0).getThrown()).isSameAs(cause);
        assertThat(records.get(0).getSourceClassName()).isEqualTo("ClientComms");
    }

    @Test
    void pahoMakesItsLoggersFromThisClassOnceSelected() {
        LoggerFactory.setLogger(WarningsLogger.NAME);
        Logger l = LoggerFactory.getLogger(LoggerFactory.MQTT_CLIENT_MSG_CAT, "org.eclipse.paho.test");
        assertThat(l).isInstanceOf(WarningsLogger.class);
        // Paho's own catalog is found and used for the text
        assertThat(l.formatMessage("nonexistent-key", null)).isEqualTo("nonexistent-key");
    }
}
