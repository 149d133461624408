package org.meter2mqtt.mqtt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.meter2mqtt.mqtt.client.ConnectionSettings;
import org.meter2mqtt.mqtt.client.MqttConnection;

/**
 * A fake broker side for the publisher: opens {@link MqttConnection}s that record every publish, acknowledge only
 * when told to (or at once with {@link #autoAck}), can be dropped, and refuse connects on demand. No sockets, no
 * Paho: the publisher's own rules (retained first, order, at least once, window, status) are tested on their own.
 *
 * <p>Thread-safe: the publisher thread sends, the test thread acknowledges and drops.
 */
final class FakeConnections implements MqttConnection.Factory {

    /** One message as the publisher handed it over, on the {@code connection}-th connection (from 1). */
    record Sent(int connection, String topic, String payload, int qos, boolean retain) {
    }

    private final List<Sent> sent = new ArrayList<>();
    /** Unacknowledged QoS 1 deliveries of the current connection, oldest first. */
    private final ArrayDeque<Ack> unacked = new ArrayDeque<>();
    private final List<Sent> acked = new ArrayList<>();
    private final List<String> subscriptions = new ArrayList<>();
    private Fake current;
    private int connects;
    private int attempts;
    private String refuse;
    private boolean autoAck;
    private int maxInflight;
    private MqttConnection.Will will;
    private ConnectionSettings lastSettings;

    @Override
    public synchronized MqttConnection open(String purpose, ConnectionSettings settings,
            MqttConnection.Listener listener) {
        lastSettings = settings;
        return new Fake(listener);
    }

    /** Connects fail with this reason from now on; null lets them succeed. */
    synchronized FakeConnections refuse(String reason) {
        refuse = reason;
        return this;
    }

    /** Acknowledge every message as it is sent (or, false, only on {@link #ack}). Acknowledges what waits now. */
    synchronized FakeConnections autoAck(boolean on) {
        autoAck = on;
        if (on) {
            ack(Integer.MAX_VALUE);
        }
        return this;
    }

    /** Acknowledges the oldest {@code n} unacknowledged messages, in order; returns how many it acknowledged. */
    synchronized int ack(int n) {
        int done = 0;
        MqttConnection.Listener l = current == null ? null : current.listener;
        while (done < n && !unacked.isEmpty()) {
            Ack a = unacked.poll();
            a.done = true;
            acked.add(a.sent);
            done++;
        }
        if (done > 0 && l != null) {
            l.delivered();
        }
        return done;
    }

    /** The broker goes away: the connection is lost, what was not acknowledged never will be. */
    void drop(String why) {
        MqttConnection.Listener l;
        synchronized (this) {
            if (current == null) {
                return;
            }
            l = current.listener;
            current.up = false;
            current = null;
            unacked.clear();
        }
        l.lost(why);
    }

    /** A message from the broker on a topic the publisher subscribed to. */
    void deliver(String topic, String payload) {
        MqttConnection.Listener l;
        synchronized (this) {
            l = current == null ? null : current.listener;
        }
        if (l != null) {
            l.message(topic, payload.getBytes(StandardCharsets.UTF_8));
        }
    }

    synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    synchronized List<Sent> sent(Predicate<Sent> which) {
        return sent.stream().filter(which).toList();
    }

    synchronized List<Sent> acked() {
        return List.copyOf(acked);
    }

    synchronized int inflight() {
        return unacked.size();
    }

    /** The most messages that were unacknowledged at once. */
    synchronized int maxInflight() {
        return maxInflight;
    }

    /** Successful connects so far. */
    synchronized int connects() {
        return connects;
    }

    synchronized int attempts() {
        return attempts;
    }

    synchronized boolean connected() {
        return current != null;
    }

    synchronized MqttConnection.Will will() {
        return will;
    }

    synchronized ConnectionSettings settings() {
        return lastSettings;
    }

    synchronized List<String> subscriptions() {
        return List.copyOf(subscriptions);
    }

    private static final class Ack implements MqttConnection.Delivery {
        final Sent sent;
        volatile boolean done;
        volatile MqttConnection.Failure failure;

        Ack(Sent sent) {
            this.sent = sent;
        }

        @Override
        public boolean done() {
            return done;
        }

        @Override
        public MqttConnection.Failure failure() {
            return failure;
        }
    }

    private static final MqttConnection.Delivery DONE = new MqttConnection.Delivery() {
        @Override
        public boolean done() {
            return true;
        }

        @Override
        public MqttConnection.Failure failure() {
            return null;
        }
    };

    private final class Fake implements MqttConnection {
        final Listener listener;
        boolean up;
        boolean closed;

        Fake(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void start() {
            throw new UnsupportedOperationException("the output connects with connect(Will)");
        }

        @Override
        public boolean connected() {
            synchronized (FakeConnections.this) {
                return up;
            }
        }

        @Override
        public String problem() {
            return connected() ? null : "not connected";
        }

        @Override
        public boolean publish(String topic, byte[] payload, int qos, boolean retain) {
            throw new UnsupportedOperationException("the output sends with send()");
        }

        @Override
        public int inflight() {
            synchronized (FakeConnections.this) {
                return up ? unacked.size() : 0;
            }
        }

        @Override
        public Delivery connect(Will w) throws Failure {
            synchronized (FakeConnections.this) {
                attempts++;
                if (closed) {
                    throw new Failure("closed", false);
                }
                if (refuse != null) {
                    Failure f = new Failure(refuse, false);
                    return new Delivery() {
                        @Override
                        public boolean done() {
                            return false;
                        }

                        @Override
                        public Failure failure() {
                            return f;
                        }
                    };
                }
                if (current != null) {
                    current.up = false;
                    unacked.clear();
                }
                connects++;
                will = w;
                up = true;
                current = this;
            }
            listener.connected(false);
            return DONE;
        }

        @Override
        public Delivery send(String topic, byte[] payload, int qos, boolean retain) throws Failure {
            boolean echo;
            synchronized (FakeConnections.this) {
                echo = up && subscriptions.contains(topic);
            }
            if (echo) {
                // a subscriber of its own topic gets it back, as from a broker (the replay marks' probe)
                listener.message(topic, payload);
            }
            synchronized (FakeConnections.this) {
                if (!up) {
                    throw new Failure("not connected", false);
                }
                Sent s = new Sent(connects, topic, new String(payload, StandardCharsets.UTF_8), qos, retain);
                sent.add(s);
                if (qos == 0 || autoAck) {
                    acked.add(s);
                    return DONE;
                }
                Ack a = new Ack(s);
                unacked.add(a);
                maxInflight = Math.max(maxInflight, unacked.size());
                return a;
            }
        }

        @Override
        public void subscribe(String filter, int qos) throws Failure {
            synchronized (FakeConnections.this) {
                if (!up) {
                    throw new Failure("not connected", false);
                }
                subscriptions.add(filter);
            }
        }

        @Override
        public void ack(int id, int qos) {
            // the output never asks for manual acknowledgements
            throw new UnsupportedOperationException("ack");
        }

        @Override
        public void unsubscribe(String filter) throws Failure {
            synchronized (FakeConnections.this) {
                if (!up) {
                    throw new Failure("not connected", false);
                }
                subscriptions.remove(filter);
            }
        }

        @Override
        public void abort() {
            close();
        }

        @Override
        public void close() {
            synchronized (FakeConnections.this) {
                closed = true;
                if (current == this) {
                    current = null;
                    unacked.clear();
                }
                up = false;
            }
        }
    }
}
