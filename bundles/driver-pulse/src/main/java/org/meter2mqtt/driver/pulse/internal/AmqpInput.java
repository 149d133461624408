package org.meter2mqtt.driver.pulse.internal;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;

/**
 * A durable queue of our own on RabbitMQ, bound to the edge's topic exchange, consumed with manual
 * acknowledgements: {@code prefetch} pulses may be on the way, and one multiple-ack covers a whole batch once
 * it is on disk. No automatic recovery: a lost connection ends the session, the core opens a new one, and
 * RabbitMQ redelivers what was not acknowledged.
 */
final class AmqpInput implements Input {

    private final Settings s;
    private final boolean ownQueue;
    private final String name;
    private final Sink sink;
    private final Clock clock;
    private volatile Connection connection;
    private volatile Channel channel;
    private volatile boolean closing;

    AmqpInput(Settings s, String deviceId, Sink sink, Clock clock) {
        this.s = s;
        this.ownQueue = s.queue.equals(Settings.defaultQueue(deviceId));
        this.name = "meter2mqtt pulse " + deviceId;
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void start() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(s.url);
        if (s.url.startsWith("amqps:")) {
            // setUri trusts every certificate for amqps: replace that with a checked context
            f.useSslProtocol(Tls.context(s.caFile));
            if (s.verifyHost) {
                f.enableHostnameVerification();
            }
        }
        if (s.username != null) {
            f.setUsername(s.username);
        }
        if (s.password != null) {
            f.setPassword(s.password);
        }
        f.setAutomaticRecoveryEnabled(false);
        f.setTopologyRecoveryEnabled(false);
        f.setConnectionTimeout(10_000);
        // the client's default waits 10 minutes for an answer; a session's close must not (a queue deletion)
        f.setChannelRpcTimeout(10_000);
        f.setRequestedHeartbeat(30);
        Connection c = f.newConnection(name);
        connection = c;
        if (closing) {
            // the session closed while we connected: close() did not see this connection
            c.abort(1_000);
            throw new IOException("closed while connecting");
        }
        c.addShutdownListener(this::shutdown);
        Channel ch = c.createChannel();
        try {
            ch.exchangeDeclarePassive(s.exchange);
        } catch (IOException missing) {
            // a failed passive declare closes the channel; the exchange is ours to create
            ch = c.createChannel();
            ch.exchangeDeclare(s.exchange, "topic", true);
        }
        try {
            ch.queueDeclarePassive(s.queue);
        } catch (IOException missing) {
            // passive first: an existing queue with other arguments (a dead-letter exchange) is kept as it is
            ch = c.createChannel();
            ch.queueDeclare(s.queue, true, false, false, null);
        }
        for (String key : s.routingKeys) {
            ch.queueBind(s.queue, s.exchange, key);
        }
        ch.basicQos(s.prefetch);
        // a channel error (RabbitMQ closes the channel, not the connection) must end the session too
        ch.addShutdownListener(this::shutdown);
        Channel consuming = ch;
        channel = ch;
        ch.basicConsume(s.queue, false, name, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                sink.delivered(new Delivery(body, env.getRoutingKey(), env.getDeliveryTag(), consuming, 1,
                        clock.millis()));
            }

            @Override
            public void handleCancel(String tag) {
                if (!closing) {
                    sink.lost("RabbitMQ cancelled the consumer of queue " + s.queue + " (queue deleted?)", null);
                }
            }
        });
    }

    private void shutdown(ShutdownSignalException e) {
        if (!closing) {
            sink.lost("RabbitMQ " + (e.isHardError() ? "connection" : "channel") + " closed: " + e.getMessage(), null);
        }
    }

    @Override
    public void ack(List<Delivery> done) {
        Channel ch = channel;
        long max = -1;
        for (Delivery d : done) {
            if (d.link() == ch && d.tag() > max) {
                max = d.tag();
            }
        }
        if (max < 0 || ch == null || !ch.isOpen()) {
            return; // redelivered after reconnecting and recognised as duplicates then
        }
        try {
            ch.basicAck(max, true);
        } catch (IOException | RuntimeException e) {
            // the connection went down: RabbitMQ redelivers, the counter recognises them
        }
    }

    @Override
    public void reject(Delivery d) {
        Channel ch = channel;
        if (d.link() != ch || ch == null || !ch.isOpen()) {
            return;
        }
        try {
            ch.basicReject(d.tag(), false);
        } catch (IOException | RuntimeException e) {
            // redelivered and rejected again later
        }
    }

    @Override
    public String describe() {
        return server() + " exchange " + s.exchange + " queue " + s.queue;
    }

    private String server() {
        URI u = URI.create(s.url);
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    /**
     * Deletes the queue when its name is the driver's default ({@code meter2mqtt-<device>}): nobody else consumes
     * it, and bound to the edge's exchange it would take every pulse until RabbitMQ's disk or memory alarm stops
     * the edges' publishers. A queue named in the configuration may be shared or set up by the user (a dead-letter
     * exchange): it is kept.
     */
    @Override
    public String forget() throws IOException {
        closing = true; // the deletion cancels our consumer: that is not a lost link
        try {
            if (!ownQueue) {
                return null;
            }
            deleteQueue();
            return "queue " + s.queue + " on " + server();
        } finally {
            close();
        }
    }

    private void deleteQueue() throws IOException {
        Channel ch = channel;
        if (ch == null || !ch.isOpen()) {
            throw deleteByHand("not connected", null);
        }
        try {
            ch.queueDelete(s.queue);
        } catch (IOException | RuntimeException e) {
            throw deleteByHand(e.getMessage(), e);
        }
    }

    private IOException deleteByHand(String why, Exception cause) {
        return new IOException(why + "; delete it by hand: rabbitmqctl delete_queue " + s.queue, cause);
    }

    @Override
    public void close() {
        closing = true;
        Connection c = connection;
        if (c != null) {
            try {
                c.close(2_000);
            } catch (IOException | RuntimeException e) {
                c.abort(1_000);
            }
        }
    }
}
