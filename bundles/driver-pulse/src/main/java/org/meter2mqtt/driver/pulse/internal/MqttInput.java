package org.meter2mqtt.driver.pulse.internal;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * An MQTT subscription with QoS 1 and manual acknowledgements: the PUBACK of a pulse goes out only after it is
 * on disk. A persistent session (clean session off, a fixed client id) makes the broker keep pulses while the
 * gateway is away and resend the unacknowledged ones. The gateway's own broker is reached the same way, as a
 * client on its address: the in-process listener has no acknowledgement, so a crash between delivery and
 * the disk write would lose a pulse.
 */
final class MqttInput implements Input {

    private final Settings s;
    private final String url;
    private final Sink sink;
    private final Clock clock;
    private final AtomicInteger connection = new AtomicInteger();
    private volatile MqttAsyncClient client;
    private volatile boolean closing;

    MqttInput(Settings s, String url, Sink sink, Clock clock) {
        this.s = s;
        this.url = url;
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void start() throws Exception {
        MqttAsyncClient c = new MqttAsyncClient(url, s.clientId, new MemoryPersistence());
        c.setManualAcks(true);
        client = c;
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        o.setConnectionTimeout(10);
        if (s.username != null) {
            o.setUserName(s.username);
            o.setPassword(s.password == null ? new char[0] : s.password.toCharArray());
        }
        if (url.startsWith("ssl:")) {
            o.setSocketFactory(Tls.context(s.caFile).getSocketFactory());
            o.setHttpsHostnameVerificationEnabled(s.verifyHost);
        }
        c.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                connection.incrementAndGet();
            }

            @Override
            public void connectionLost(Throwable cause) {
                if (!closing) {
                    sink.lost("MQTT connection lost: " + (cause == null ? "unknown" : cause.getMessage()), cause);
                }
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                sink.delivered(new Delivery(m.getPayload(), topic, m.getId(), connection.get(), m.getQos(),
                        clock.millis()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // we never publish
            }
        });
        c.connect(o).waitForCompletion(15_000);
        if (closing) {
            // the session closed while we connected: close() may have run before the connection existed
            close();
            throw new MqttException(MqttException.REASON_CODE_CLIENT_CLOSED);
        }
        int[] qos = new int[s.topics.size()];
        Arrays.fill(qos, 1);
        c.subscribe(s.topics.toArray(new String[0]), qos).waitForCompletion(15_000);
    }

    @Override
    public void ack(List<Delivery> done) {
        MqttAsyncClient c = client;
        int current = connection.get();
        for (Delivery d : done) {
            if (c == null || !c.isConnected() || !Integer.valueOf(current).equals(d.link()) || d.qos() == 0) {
                continue; // a message id of an older connection names another message now
            }
            try {
                c.messageArrivedComplete((int) d.tag(), d.qos());
            } catch (MqttException e) {
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

    @Override
    public void close() {
        closing = true;
        MqttAsyncClient c = client;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect(1_000).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            // closing anyway
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            // nothing left to release
        }
    }
}
