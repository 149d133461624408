package org.meter2mqtt.driver.kpm33b.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.SocketFactory;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Paho connection that keeps itself up: its own retry loop until the first connect (Paho's automatic
 * reconnect only works after one succeeded), then Paho's; subscriptions are renewed on every connect. Sockets
 * have TCP_NODELAY, so small messages are not held back by Nagle's algorithm.
 */
final class MqttLink implements InternalLink {

    private static final Logger LOG = LoggerFactory.getLogger(MqttLink.class);
    private static final long RETRY_MAX_MS = 30_000;

    private final String purpose;
    private final String url;
    private final String clientId;
    private final String username;
    private final String password;
    private final List<String> topics;
    private final int subscribeQos;
    private final Receiver receiver;
    private final Consumer<String> onLost;
    private final ScheduledExecutorService timer;
    private volatile MqttAsyncClient client;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastProblem = "not connected yet";
    private volatile long retryMs = 500;

    MqttLink(String purpose, String url, String clientId, String username, String password, List<String> topics,
            int subscribeQos, Receiver receiver, Consumer<String> onLost, ScheduledExecutorService timer) {
        this.purpose = purpose;
        this.url = url;
        this.clientId = clientId;
        this.username = username;
        this.password = password;
        this.topics = topics;
        this.subscribeQos = subscribeQos;
        this.receiver = receiver;
        this.onLost = onLost;
        this.timer = timer;
    }

    @Override
    public void start() {
        try {
            MqttAsyncClient c = new MqttAsyncClient(url, clientId, new MemoryPersistence());
            c.setCallback(new Callback());
            client = c;
        } catch (MqttException | IllegalArgumentException e) {
            lastProblem = "cannot use " + url + ": " + e.getMessage();
            LOG.error("KPM33B {}: {}", purpose, lastProblem);
            return;
        }
        timer.execute(this::connect);
    }

    private void connect() {
        MqttAsyncClient c = client;
        if (closed || c == null || c.isConnected()) {
            return;
        }
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay((int) RETRY_MAX_MS / 1000);
        o.setKeepAliveInterval(30);
        o.setConnectionTimeout(10);
        // the proxy output can have thousands of QoS 1 messages on the way at full load
        o.setMaxInflight(20_000);
        if (username != null) {
            o.setUserName(username);
            o.setPassword(password == null ? new char[0] : password.toCharArray());
        }
        if (url.startsWith("tcp://")) {
            o.setSocketFactory(new NoDelaySocketFactory());
        }
        try {
            c.connect(o, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    retryMs = 500;
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
            LOG.warn("KPM33B {}: cannot connect to {} ({}); retrying", purpose, url, why);
        }
        lastProblem = why;
        long delay = retryMs;
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
        timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public String problem() {
        return connected ? null : lastProblem;
    }

    /**
     * Sends without waiting.
     *
     * @return false when it could not be handed to the connection (not connected, too many in flight)
     */
    @Override
    public boolean publish(String topic, byte[] payload, int qos) {
        MqttAsyncClient c = client;
        if (c == null || !connected) {
            return false;
        }
        try {
            c.publish(topic, payload, qos, false);
            return true;
        } catch (MqttException e) {
            lastProblem = "publish to " + topic + " failed: " + e.getMessage();
            LOG.debug("KPM33B {}: {}", purpose, lastProblem);
            return false;
        }
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
            LOG.debug("KPM33B {}: disconnect from {}: {}", purpose, url, e.getMessage());
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            LOG.debug("KPM33B {}: close: {}", purpose, e.getMessage());
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            connected = true;
            lastProblem = null;
            LOG.info("KPM33B {}: connected to {}{}", purpose, serverURI, reconnect ? " again" : "");
            if (!topics.isEmpty()) {
                String[] t = topics.toArray(new String[0]);
                int[] q = new int[t.length];
                java.util.Arrays.fill(q, subscribeQos);
                try {
                    client.subscribe(t, q);
                } catch (MqttException e) {
                    LOG.error("KPM33B {}: cannot subscribe to {} on {}: {}", purpose, topics, url, e.getMessage());
                }
            }
        }

        @Override
        public void connectionLost(Throwable cause) {
            connected = false;
            lastProblem = "connection lost: " + (cause == null ? "unknown" : cause.getMessage());
            if (!closed) {
                LOG.warn("KPM33B {}: lost {} ({}); reconnecting", purpose, url, lastProblem);
                onLost.accept(lastProblem);
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                receiver.message(topic, message.getPayload());
            } catch (RuntimeException e) {
                // an exception here would make Paho drop the connection for every meter
                LOG.error("KPM33B {}: message on {} failed", purpose, topic, e);
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // nothing to do: QoS 1 commands are matched by their replies, not by the broker's PUBACK
        }
    }

    /** Plain sockets with TCP_NODELAY: the meters' small messages must not wait for Nagle's algorithm. */
    static final class NoDelaySocketFactory extends SocketFactory {
        @Override
        public Socket createSocket() throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            Socket s = createSocket();
            s.bind(new InetSocketAddress(localHost, localPort));
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            Socket s = createSocket();
            s.bind(new InetSocketAddress(localAddress, localPort));
            s.connect(new InetSocketAddress(address, port));
            return s;
        }
    }
}
