package org.meter2mqtt.mqtt.client;

import java.time.Duration;
import java.util.Objects;

import javax.net.SocketFactory;

/**
 * What a {@link PahoConnection} needs to connect. {@link #toString()} masks the password.
 *
 * @param url tcp:// or ssl://
 * @param sockets the socket factory, or null for {@link NoDelaySockets#plain()} (tcp://)
 * @param maxInflight Paho's in-flight limit for QoS 1 and 2
 * @param retryInitial first wait after a failed first connect; doubles up to {@code retryMax}
 * @param hostnameVerification whether ssl:// checks that the broker's certificate names the host
 * @param coalesce tcp:// with {@code sockets} null: PUBLISHes queued in Paho are written together
 *        ({@link CoalescingOutputStream}); only for an owner that sends from one thread with
 *        {@link MqttConnection#send}, which keeps the count the stream needs
 * @param manualAcks a persistent session (clean session off: the broker keeps QoS 1 messages while the client is
 *        away) whose received messages are acknowledged only by {@link MqttConnection#ack}, for an owner that must
 *        store a message before the broker may forget it (the pulse driver)
 */
public record ConnectionSettings(String url, String clientId, String username, String password,
        int keepAliveSeconds, int maxInflight, SocketFactory sockets, Duration retryInitial, Duration retryMax,
        boolean hostnameVerification, boolean coalesce, boolean manualAcks) {

    /** Clean session, automatic acknowledgements. */
    public ConnectionSettings(String url, String clientId, String username, String password, int keepAliveSeconds,
            int maxInflight, SocketFactory sockets, Duration retryInitial, Duration retryMax,
            boolean hostnameVerification, boolean coalesce) {
        this(url, clientId, username, password, keepAliveSeconds, maxInflight, sockets, retryInitial, retryMax,
                hostnameVerification, coalesce, false);
    }


    /** With hostname verification and without coalescing. */
    public ConnectionSettings(String url, String clientId, String username, String password, int keepAliveSeconds,
            int maxInflight, SocketFactory sockets, Duration retryInitial, Duration retryMax) {
        this(url, clientId, username, password, keepAliveSeconds, maxInflight, sockets, retryInitial, retryMax, true,
                false, false);
    }

    public ConnectionSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(retryInitial, "retryInitial");
        Objects.requireNonNull(retryMax, "retryMax");
    }

    /** Plain tcp:// with TCP_NODELAY, keep-alive 30 s, retries from 0.5 s up to 30 s. */
    public static ConnectionSettings of(String url, String clientId, String username, String password,
            int maxInflight) {
        return new ConnectionSettings(url, clientId, username, password, 30, maxInflight, null,
                Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    @Override
    public String toString() {
        return "url=" + url + ", client.id=" + clientId + ", username=" + (username == null ? "-" : username)
                + ", password=" + (password == null ? "-" : "***");
    }
}
