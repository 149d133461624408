package org.meter2mqtt.mqtt.client;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import javax.net.ssl.SSLException;
import org.meter2mqtt.api.util.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MqttConnection} over Paho's {@link MqttAsyncClient}: its own retry loop with {@link Backoff} until the
 * first connect succeeded, then Paho's automatic reconnect (capped at the same maximum); clean sessions, MQTT
 * 3.1.1, TCP_NODELAY sockets ({@link NoDelaySockets}) unless the settings bring their own factory. Or, with
 * {@link #connect(Will)}, one attempt and no reconnect, for an owner with its own retry policy (the MQTT output).
 */
public final class PahoConnection implements MqttConnection {

    private static final Logger LOG = LoggerFactory.getLogger(PahoConnection.class);

    static {
        PahoLogging.install();
    }

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
    /** connect(Will): one attempt, Paho's automatic reconnect off. */
    private volatile Will will;
    /** Opened with {@link #connect(Will)}: the owner logs connects and losses itself. */
    private volatile boolean owned;
    /**
     * PUBLISHes handed to Paho by {@link #send} (one thread), counted after Paho took each, so the count never
     * runs ahead of what Paho will write; {@link CoalescingOutputStream} holds a flush while it is ahead.
     */
    private volatile long handed;
    /** The coalescing socket stream, set by Paho's connect thread. */
    private volatile CoalescingOutputStream out;

    /** Opens connections for {@link #connect(Will)}, without a timer (no retries of their own). */
    public static final Factory FACTORY = (purpose, settings, listener) -> new PahoConnection(purpose, settings,
            Subscriptions.NONE, listener, null);

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
            MqttAsyncClient c = new MqttAsyncClient(settings.url(), settings.clientId(), persistence());
            c.setCallback(new Callback());
            c.setManualAcks(settings.manualAcks());
            client = c;
        } catch (MqttException | IllegalArgumentException e) {
            lastProblem = "cannot use " + settings.url() + ": " + e.getMessage();
            LOG.error("{}: {}", purpose, lastProblem);
            return;
        }
        timer.execute(this::attempt);
    }

    /** Paho's in-flight store: none for a clean session (see {@link NoPersistence}), in memory for a persistent one. */
    MqttClientPersistence persistence() {
        return settings.manualAcks() ? new MemoryPersistence() : new NoPersistence();
    }

    /** The options of every attempt; package-private for tests. */
    MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(!settings.manualAcks());
        Will w = will;
        o.setAutomaticReconnect(!owned);
        o.setMaxReconnectDelay((int) Math.max(1, settings.retryMax().toSeconds()));
        if (w != null) {
            o.setWill(w.topic(), w.payload(), w.qos(), w.retain());
        }
        o.setHttpsHostnameVerificationEnabled(settings.hostnameVerification());
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
        } else if (settings.coalesce() && settings.url().startsWith("tcp://")) {
            o.setSocketFactory(NoDelaySockets.coalescing(() -> handed, s -> out = s));
        } else if (settings.url().startsWith("tcp://")) {
            o.setSocketFactory(NoDelaySockets.plain());
        }
        return o;
    }

    private void attempt() {
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
        timer.schedule(this::attempt, backoff.fail().toMillis(), TimeUnit.MILLISECONDS);
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
            c.publish(topic, new UncopiedMessage(payload, qos, retain));
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
    public Delivery connect(Will lastWill) throws Failure {
        MqttAsyncClient c;
        try {
            c = new MqttAsyncClient(settings.url(), settings.clientId(), persistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new Failure("invalid url '" + settings.url() + "': " + e.getMessage(), true);
        }
        c.setCallback(new Callback());
        c.setManualAcks(settings.manualAcks());
        client = c;
        will = lastWill;
        owned = true;
        try {
            IMqttToken t = c.connect(options());
            return new Token(t, c);
        } catch (MqttException e) {
            abort();
            throw new Failure(describe(e), false);
        } catch (IllegalArgumentException e) {
            // Paho rejects URLs it cannot parse (and socket factories that do not fit them) this way.
            abort();
            throw new Failure("invalid url '" + settings.url() + "': " + e.getMessage(), true);
        }
    }

    @Override
    public Delivery send(String topic, byte[] payload, int qos, boolean retain) throws Failure {
        MqttAsyncClient c = client;
        if (c == null) {
            throw new Failure("not connected", false);
        }
        try {
            IMqttDeliveryToken t = c.publish(topic, new UncopiedMessage(payload, qos, retain));
            handed++;
            return new Token(t, null);
        } catch (MqttException e) {
            throw new Failure(describe(e), false);
        }
    }

    @Override
    public void subscribe(String filter, int qos) throws Failure {
        MqttAsyncClient c = client;
        if (c == null) {
            throw new Failure("not connected", false);
        }
        try {
            c.subscribe(filter, qos).waitForCompletion(10_000);
        } catch (MqttException e) {
            throw new Failure(describe(e), false);
        }
    }

    @Override
    public void ack(int id, int qos) throws Failure {
        MqttAsyncClient c = client;
        if (c == null || !c.isConnected()) {
            throw new Failure("not connected", false);
        }
        try {
            c.messageArrivedComplete(id, qos);
        } catch (MqttException e) {
            throw new Failure(describe(e), false);
        }
    }

    @Override
    public void unsubscribe(String filter) throws Failure {
        MqttAsyncClient c = client;
        if (c == null) {
            throw new Failure("not connected", false);
        }
        try {
            c.unsubscribe(filter);
        } catch (MqttException e) {
            throw new Failure(describe(e), false);
        }
    }

    @Override
    public boolean flushHeld(long heldNanos) {
        CoalescingOutputStream s = out;
        try {
            if (s != null && s.flushHeld(heldNanos)) {
                LOG.debug("{}: wrote a held-back flush ({} PUBLISHes handed, {} written)", purpose, handed,
                        s.publishes());
                return true;
            }
        } catch (IOException e) {
            LOG.debug("{}: flushing the socket: {}", purpose, e.toString());
        }
        return false;
    }

    @Override
    public void abort() {
        shut(false);
    }

    /** Stops for good: a DISCONNECT that waits for what is in flight ({@code graceful}) or a forced one, then close. */
    private void shut(boolean graceful) {
        closed = true;
        connected = false;
        MqttAsyncClient c = client;
        client = null;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                if (graceful) {
                    c.disconnect(1_000).waitForCompletion(2_000);
                } else {
                    c.disconnectForcibly(0, 1000);
                }
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

    /** A readable reason, with a hint for the usual TLS and login mistakes. */
    public static String describe(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            root = t;
            if (t instanceof SSLException) {
                String msg = String.valueOf(t.getMessage());
                String hint = msg.contains("PKIX") || msg.contains("certification path")
                        ? " (the broker's certificate is not signed by the CA in tls.ca.file)"
                        : msg.contains("No subject alternative") || msg.contains("doesn't match")
                                ? " (the broker's certificate does not name this host; fix url or the certificate, "
                                        + "or set tls.hostname.verification=false)"
                                : "";
                return "TLS handshake failed: " + msg + hint;
            }
        }
        String reason = e.getMessage();
        if (e instanceof MqttException m && (m.getReasonCode() == MqttException.REASON_CODE_FAILED_AUTHENTICATION
                || m.getReasonCode() == MqttException.REASON_CODE_NOT_AUTHORIZED)) {
            return "broker refused the login (" + reason + "); check username/password";
        }
        return root == e ? reason : reason + ": " + root;
    }

    /** A Paho token as a {@link Delivery}; for a connect, done only once the client is connected. */
    private static final class Token implements Delivery {
        private final IMqttToken token;
        private final MqttAsyncClient connecting;

        Token(IMqttToken token, MqttAsyncClient connecting) {
            this.token = token;
            this.connecting = connecting;
        }

        @Override
        public boolean done() {
            // a failed attempt never counts as complete in Paho 1.2: it only carries the exception
            return token.isComplete() && token.getException() == null
                    && (connecting == null || connecting.isConnected());
        }

        @Override
        public Failure failure() {
            MqttException e = token.getException();
            if (e != null) {
                return new Failure(describe(e), false);
            }
            if (connecting != null && token.isComplete() && !connecting.isConnected()) {
                return new Failure(describe(new MqttException(MqttException.REASON_CODE_CLIENT_TIMEOUT)), false);
            }
            return null;
        }
    }

    @Override
    public void close() {
        shut(true);
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            connected = true;
            lastProblem = null;
            if (!owned) {
                LOG.info("{}: connected to {}{}", purpose, serverURI, reconnect ? " again" : "");
            }
            if (!subscriptions.filters().isEmpty()) {
                String[] t = subscriptions.filters().toArray(new String[0]);
                int[] q = new int[t.length];
                Arrays.fill(q, subscriptions.qos());
                try {
                    MqttAsyncClient c = client;
                    if (c != null) {
                        c.subscribe(t, q);
                    }
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
            lastProblem = "connection lost: " + (cause == null ? "unknown" : describe(cause));
            if (!closed) {
                if (!owned) {
                    LOG.warn("{}: lost {} ({}); reconnecting", purpose, settings.url(), lastProblem);
                }
                listener.lost(lastProblem);
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                listener.message(topic, message.getPayload(), message.getId(), message.getQos());
            } catch (RuntimeException e) {
                // an exception here would make Paho drop the connection
                LOG.error("{}: message on {} failed", purpose, topic, e);
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // callers that need acknowledgements poll their Deliveries; this only wakes them
            listener.delivered();
        }
    }
}
