package org.meter2mqtt.mqtt.client;

import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.meter2mqtt.api.util.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MqttConnection} over Paho's {@link MqttAsyncClient}: its own retry loop with {@link Backoff} until the
 * first connect succeeded, then Paho's automatic reconnect (capped at the same maximum); clean sessions, MQTT
 * 3.1.1, TCP_NODELAY sockets ({@link NoDelaySockets}) unless the settings bring their own factory.
 */
public final class PahoConnection implements MqttConnection {

    private static final Logger LOG = LoggerFactory.getLogger(PahoConnection.class);

    private final String purpose;
    private final ConnectionSettings settings;
    private final Subscriptions subscriptions;
    private final Listener listener;
    private final ScheduledExecutorService timer;
    private final Backoff backoff;
    private volatile MqttAsyncClient client;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastProblem = "not connected yet";

    /**
     * @param purpose names the connection in log lines, e.g. "KPM33B internal broker"
     * @param timer runs the retries of the first connect
     */
    public PahoConnection(String purpose, ConnectionSettings settings, Subscriptions subscriptions,
            Listener listener, ScheduledExecutorService timer) {
        this.purpose = purpose;
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.listener = listener;
        this.timer = timer;
        this.backoff = new Backoff(settings.retryInitial(), settings.retryMax(), 0.5);
    }

    @Override
    public void start() {
        try {
            MqttAsyncClient c = new MqttAsyncClient(settings.url(), settings.clientId(), new MemoryPersistence());
            c.setCallback(new Callback());
            client = c;
        } catch (MqttException | IllegalArgumentException e) {
            lastProblem = "cannot use " + settings.url() + ": " + e.getMessage();
            LOG.error("{}: {}", purpose, lastProblem);
            return;
        }
        timer.execute(this::connect);
    }

    /** The options of every attempt; package-private for tests. */
    MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay((int) Math.max(1, settings.retryMax().toSeconds()));
        o.setKeepAliveInterval(settings.keepAliveSeconds());
        o.setConnectionTimeout(10);
        o.setMaxInflight(settings.maxInflight());
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        if (settings.username() != null) {
            o.setUserName(settings.username());
            o.setPassword(settings.password() == null ? new char[0] : settings.password().toCharArray());
        }
        if (settings.sockets() != null) {
            o.setSocketFactory(settings.sockets());
        } else if (settings.url().startsWith("tcp://")) {
            o.setSocketFactory(NoDelaySockets.plain());
        }
        return o;
    }

    private void connect() {
        MqttAsyncClient c = client;
        if (closed || c == null || c.isConnected()) {
            return;
        }
        try {
            c.connect(options(), null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    backoff.reset();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    failed(e);
                }
            });
        } catch (MqttException e) {
            failed(e);
        }
    }

    private void failed(Throwable e) {
        if (closed) {
            return;
        }
        String why = e == null ? "unknown" : e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause());
        if (!why.equals(lastProblem)) {
            LOG.warn("{}: cannot connect to {} ({}); retrying", purpose, settings.url(), why);
        }
        lastProblem = why;
        timer.schedule(this::connect, backoff.fail().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public String problem() {
        return connected ? null : lastProblem;
    }

    @Override
    public boolean publish(String topic, byte[] payload, int qos, boolean retain) {
        MqttAsyncClient c = client;
        if (c == null || !connected) {
            return false;
        }
        try {
            c.publish(topic, payload, qos, retain);
            return true;
        } catch (MqttException e) {
            lastProblem = "publish to " + topic + " failed: " + e.getMessage();
            LOG.debug("{}: {}", purpose, lastProblem);
            return false;
        }
    }

    @Override
    public int inflight() {
        MqttAsyncClient c = client;
        return c == null ? 0 : c.getInFlightMessageCount();
    }

    @Override
    public void close() {
        closed = true;
        connected = false;
        MqttAsyncClient c = client;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect(1_000).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            LOG.debug("{}: disconnect from {}: {}", purpose, settings.url(), e.getMessage());
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            LOG.debug("{}: close: {}", purpose, e.getMessage());
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            connected = true;
            lastProblem = null;
            LOG.info("{}: connected to {}{}", purpose, serverURI, reconnect ? " again" : "");
            if (!subscriptions.filters().isEmpty()) {
                String[] t = subscriptions.filters().toArray(new String[0]);
                int[] q = new int[t.length];
                Arrays.fill(q, subscriptions.qos());
                try {
                    client.subscribe(t, q);
                } catch (MqttException e) {
                    LOG.error("{}: cannot subscribe to {} on {}: {}", purpose, subscriptions.filters(),
                            settings.url(), e.getMessage());
                }
            }
            listener.connected(reconnect);
        }

        @Override
        public void connectionLost(Throwable cause) {
            connected = false;
            lastProblem = "connection lost: " + (cause == null ? "unknown" : cause.getMessage());
            if (!closed) {
                LOG.warn("{}: lost {} ({}); reconnecting", purpose, settings.url(), lastProblem);
                listener.lost(lastProblem);
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                listener.message(topic, message.getPayload());
            } catch (RuntimeException e) {
                // an exception here would make Paho drop the connection
                LOG.error("{}: message on {} failed", purpose, topic, e);
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // fire and forget: callers that need acknowledgements keep their own tokens
        }
    }
}
