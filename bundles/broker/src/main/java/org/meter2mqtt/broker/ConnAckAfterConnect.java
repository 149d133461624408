package org.meter2mqtt.broker;

import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.moquette.broker.NettyUtils;
import io.moquette.broker.Server;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/**
 * Holds back an accepted CONNACK until Moquette 0.17 has finished handling the CONNECT it answers.
 *
 * <p>Why: Moquette marks a session connected in a listener that its session thread adds to the CONNACK write
 * <em>after</em> starting it. When that thread is slow to get there (a loaded machine) the write has already
 * completed, and Netty runs the late listener as a separate task on the connection's event loop. Until it runs, a
 * client that has its CONNACK is not yet connected for Moquette:
 * <ul>
 * <li>a SUBSCRIBE it sends at once is refused and the connection dropped ("SUBSCRIBE received on already closed
 * connection"), so Home Assistant or a meter reconnects for nothing;</li>
 * <li>a client that drops at once leaves its session in the pool for good, half-open: a clean one with its record in
 * the store ({@link CleanSessionRecords} found it still there), a persistent one marked connected on a dead
 * connection.</li>
 * </ul>
 *
 * <p>How: this handler sits at the tail of every connection's pipeline ({@link QuietPipeline} puts it there) and
 * passes an accepted CONNACK to the client's session thread, where Moquette handles that client's CONNECT. Commands
 * on a session thread run one after the other, so ours runs once the CONNECT handling has returned, with its listener
 * attached; the write then completes on the event loop with the listener in place, before the client can read the
 * CONNACK. Other messages, and refusals, pass straight on. If the session thread's queue is full the CONNACK is
 * written at once, as before. Moquette has no hook for this: its session threads are reached by reflection, and
 * another Moquette version without them writes CONNACKs at once (one INFO line says so).
 */
@ChannelHandler.Sharable
final class ConnAckAfterConnect extends ChannelOutboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnAckAfterConnect.class);

    private final SessionThreads threads;
    /** CONNACKs passed to a session thread (the broker's count, kept across its restarts). */
    private final AtomicLong held;

    ConnAckAfterConnect(SessionThreads threads, AtomicLong held) {
        this.threads = threads;
        this.held = held;
    }

    /**
     * The handler for {@code server}, counting in {@code held}; null (one INFO line) when this Moquette does not have
     * the members used.
     */
    static ConnAckAfterConnect forServer(Server server, AtomicLong held) {
        try {
            return new ConnAckAfterConnect(SessionThreads.of(server), held);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("Embedded MQTT broker: CONNACKs are written before Moquette has finished the CONNECT ({})",
                    e.toString());
            return null;
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof MqttConnAckMessage ack
                && ack.variableHeader().connectReturnCode() == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            String clientId = NettyUtils.clientID(ctx.channel());
            // never throws on the session thread: a write to a closed channel fails its promise instead
            if (clientId != null && threads.run(clientId, "CONNACK", () -> ctx.writeAndFlush(msg, promise))) {
                held.incrementAndGet();
                return;
            }
        }
        ctx.write(msg, promise);
    }
}
