package org.meter2mqtt.driver.pulse.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.meter2mqtt.mqtt.client.ConnectionSettings;
import org.meter2mqtt.mqtt.client.MqttConnection;
import org.meter2mqtt.mqtt.client.MqttConnection.Failure;
import org.meter2mqtt.mqtt.client.PahoConnection;
import org.meter2mqtt.mqtt.client.Tls;

/**
 * An MQTT subscription with QoS 1 and manual acknowledgements, on the gateway's one MQTT client layer: the PUBACK of
 * a pulse goes out only after it is on disk. A persistent session (clean session off, a fixed client id) makes the
 * broker keep pulses while the gateway is away and resend the unacknowledged ones. The gateway's own broker is
 * reached the same way, as a client on its address: the in-process listener has no acknowledgement, so a crash
 * between delivery and the disk write would lose a pulse. One connection per session: a lost one ends the session
 * and the core opens a new one with backoff.
 */
final class MqttInput implements Input {

    private static final long CONNECT_TIMEOUT_MS = 15_000;
    /** A session's close must stay well within the core's 10 s close deadline. */
    private static final long FORGET_TIMEOUT_MS = 5_000;

    private final Settings s;
    private final String url;
    private final Sink sink;
    private final Clock clock;
    /** Which connection a delivery came on: its message id names another message on a later one. */
    private final AtomicInteger connection = new AtomicInteger();
    private volatile MqttConnection client;
    private volatile boolean closing;

    MqttInput(Settings s, String url, Sink sink, Clock clock) {
        this.s = s;
        this.url = url;
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void start() throws Exception {
        MqttConnection c = PahoConnection.FACTORY.open("pulse input " + s.clientId, settings(true),
                new MqttConnection.Listener() {
                    @Override
                    public void connected(boolean reconnect) {
                        connection.incrementAndGet();
                    }

                    @Override
                    public void lost(String why) {
                        if (!closing) {
                            sink.lost("MQTT " + why, null);
                        }
                    }

                    @Override
                    public void message(String topic, byte[] payload, int id, int qos) {
                        sink.delivered(new Delivery(payload, topic, id, connection.get(), qos, clock.millis()));
                    }
                });
        client = c;
        MqttConnection.Delivery connect = c.connect(null);
        if (!await(connect, CONNECT_TIMEOUT_MS)) {
            Thread.interrupted(); // thrown instead, as a blocking wait would
            close();
            throw new InterruptedException("interrupted while connecting to " + Settings.masked(url));
        }
        if (connect.failure() != null) {
            close();
            throw connect.failure();
        }
        if (!connect.done() || closing) {
            // not connected in time, or the session closed while we connected (close() may have run before)
            close();
            throw new Failure(closing ? "closed while connecting" : "no connection to " + Settings.masked(url)
                    + " within " + CONNECT_TIMEOUT_MS / 1000 + " s", false);
        }
        for (String topic : s.topics) {
            c.subscribe(topic, 1);
        }
    }

    @Override
    public void ack(List<Delivery> done) {
        MqttConnection c = client;
        int current = connection.get();
        for (Delivery d : done) {
            if (c == null || !c.connected() || !Integer.valueOf(current).equals(d.link()) || d.qos() == 0) {
                continue; // a message id of an older connection names another message now
            }
            try {
                c.ack((int) d.tag(), d.qos());
            } catch (Failure e) {
                return; // resent by the broker on the next connection, recognised then
            }
        }
    }

    @Override
    public void reject(Delivery d) {
        // MQTT has no negative acknowledgement: a bad message is acknowledged so it cannot come back forever
        ack(List.of(d));
    }

    @Override
    public String describe() {
        return Settings.masked(url) + " topics " + s.topics;
    }

    /**
     * Ends the persistent session: the broker would otherwise keep the subscription and queue every pulse for a
     * client that never comes back (Moquette without limit; Mosquitto up to {@code max_queued_messages}). MQTT 3.1.1
     * has no other way than a connect with clean session on the same client id, which discards the old session.
     */
    @Override
    public String forget() throws Exception {
        close();
        MqttConnection c = PahoConnection.FACTORY.open("pulse input " + s.clientId + " (removal)", settings(false),
                new MqttConnection.Listener() {
                });
        try {
            MqttConnection.Delivery connect = c.connect(null);
            // interrupted: the core gave up on this close; say so and return
            boolean interrupted = !await(connect, FORGET_TIMEOUT_MS);
            String failed = connect.failure() != null ? connect.failure().getMessage()
                    : connect.done() ? null
                    : interrupted ? "interrupted" : "no answer within " + FORGET_TIMEOUT_MS / 1000 + " s";
            if (failed != null) {
                throw new Failure(failed + "; end it by hand with a clean-session connect as " + s.clientId
                        + " (mosquitto_sub -i " + s.clientId + " -t x -E)", false);
            }
            return "the persistent session " + s.clientId + " on " + Settings.masked(url);
        } finally {
            c.close();
        }
    }

    @Override
    public void close() {
        closing = true;
        MqttConnection c = client;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Waits up to {@code timeoutMs} for {@code connect} to be done or to fail. False when interrupted, with the
     * interrupt flag kept.
     */
    private static boolean await(MqttConnection.Delivery connect, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!connect.done() && connect.failure() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** A persistent session with manual acknowledgements, or a clean one (to end the persistent one). */
    private ConnectionSettings settings(boolean persistent) throws Exception {
        return new ConnectionSettings(url, s.clientId, s.username, s.password, 30, 1000,
                url.startsWith("ssl:") ? Tls.socketFactory(blankToNull(s.caFile), null, null) : null,
                Duration.ofSeconds(1), Duration.ofSeconds(30), s.verifyHost, false, persistent);
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }
}
