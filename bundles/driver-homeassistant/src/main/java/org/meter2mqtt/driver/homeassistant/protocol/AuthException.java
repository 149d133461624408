package org.meter2mqtt.driver.homeassistant.protocol;

/** Home Assistant refused the access token (HTTP 401, or {@code auth_invalid} on the WebSocket). */
public final class AuthException extends Exception {

    private static final long serialVersionUID = 1L;

    public AuthException(String message) {
        super(message);
    }
}
