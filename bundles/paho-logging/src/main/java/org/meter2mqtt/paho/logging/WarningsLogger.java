package org.meter2mqtt.paho.logging;

import java.text.MessageFormat;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.logging.Level;

import org.eclipse.paho.client.mqttv3.logging.Logger;

/**
 * Paho's logger for the gateway: WARNING and SEVERE go to {@code java.util.logging} (Karaf's log), everything below
 * is dropped before any work is done.
 *
 * <p>Why: Paho makes a new logger for every token, so for every message published, and its default
 * (JSR47Logger) looks up a {@code java.util.logging} logger each time and then evaluates some twenty trace calls
 * per message. In {@code bench/kpm33b} that was about 7 % of the gateway's CPU at 2000 messages/s (issue 17). Paho
 * creates loggers by class name in its own class loader, so this class lives in a fragment of the Paho bundle; the
 * MQTT client layer selects it with {@code LoggerFactory.setLogger} when the fragment is attached.
 */
public final class WarningsLogger implements Logger {

    /** The class name to hand to Paho's {@code LoggerFactory.setLogger}. */
    public static final String NAME = WarningsLogger.class.getName();

    private volatile ResourceBundle catalog;
    private volatile String name;
    private volatile java.util.logging.Logger log;

    @Override
    public void initialise(ResourceBundle messageCatalog, String loggerId, String resourceName) {
        // cheap on purpose: the JUL logger is looked up only when a warning is logged
        this.catalog = messageCatalog;
        this.name = loggerId;
    }

    @Override
    public void setResourceName(String resourceName) {
        // Paho passes the client id here for its trace lines; warnings carry it in their text already
    }

    @Override
    public boolean isLoggable(int level) {
        return level <= WARNING && jul().isLoggable(level == SEVERE ? Level.SEVERE : Level.WARNING);
    }

    private java.util.logging.Logger jul() {
        java.util.logging.Logger l = log;
        if (l == null) {
            l = java.util.logging.Logger.getLogger(name == null ? "org.eclipse.paho.client.mqttv3" : name);
            log = l;
        }
        return l;
    }

    @Override
    public void severe(String sourceClass, String sourceMethod, String msg) {
        log(SEVERE, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void severe(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(SEVERE, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void severe(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
        log(SEVERE, sourceClass, sourceMethod, msg, inserts, thrown);
    }

    @Override
    public void warning(String sourceClass, String sourceMethod, String msg) {
        log(WARNING, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void warning(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(WARNING, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void warning(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
        log(WARNING, sourceClass, sourceMethod, msg, inserts, thrown);
    }

    @Override
    public void info(String sourceClass, String sourceMethod, String msg) {
    }

    @Override
    public void info(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
    }

    @Override
    public void info(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
    }

    @Override
    public void config(String sourceClass, String sourceMethod, String msg) {
    }

    @Override
    public void config(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
    }

    @Override
    public void config(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
    }

    @Override
    public void fine(String sourceClass, String sourceMethod, String msg) {
    }

    @Override
    public void fine(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
    }

    @Override
    public void fine(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
    }

    @Override
    public void finer(String sourceClass, String sourceMethod, String msg) {
    }

    @Override
    public void finer(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
    }

    @Override
    public void finer(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
    }

    @Override
    public void finest(String sourceClass, String sourceMethod, String msg) {
    }

    @Override
    public void finest(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
    }

    @Override
    public void finest(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
    }

    @Override
    public void log(int level, String sourceClass, String sourceMethod, String msg, Object[] inserts,
            Throwable thrown) {
        if (level > WARNING) {
            return;
        }
        Level l = level == SEVERE ? Level.SEVERE : Level.WARNING;
        java.util.logging.Logger j = jul();
        if (j.isLoggable(l)) {
            j.logp(l, sourceClass, sourceMethod, formatMessage(msg, inserts), thrown);
        }
    }

    @Override
    public void trace(int level, String sourceClass, String sourceMethod, String msg, Object[] inserts,
            Throwable thrown) {
        // Paho's trace facility: off in the gateway
    }

    /** Paho passes message numbers of its catalog; the text with the inserts, or the number when not found. */
    @Override
    public String formatMessage(String msg, Object[] inserts) {
        String text = msg;
        ResourceBundle c = catalog;
        if (c != null && msg != null) {
            try {
                text = c.getString(msg);
            } catch (MissingResourceException e) {
                text = msg;
            }
        }
        return inserts == null || inserts.length == 0 || text == null ? text : MessageFormat.format(text, inserts);
    }

    @Override
    public void dumpTrace() {
    }
}
