package org.meter2mqtt.api;

/** The meter or its link is unreachable. The core puts the device OFFLINE and retries with backoff. */
public class DriverException extends Exception {

    private static final long serialVersionUID = 1L;

    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
