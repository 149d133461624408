package org.meter2mqtt.api;

/**
 * The device configuration cannot work (e.g. a decryption key of the wrong length). The core puts the
 * device in CONFIG_ERROR with this message and does not retry until the configuration changes.
 */
public class ConfigException extends DriverException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
