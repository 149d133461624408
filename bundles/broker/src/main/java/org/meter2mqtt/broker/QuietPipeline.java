package org.meter2mqtt.broker;

import java.lang.reflect.Field;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.moquette.broker.Server;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;

/**
 * Takes Moquette 0.17's message logger out of every client connection's Netty pipeline.
 *
 * <p>Why: that handler fills the logging MDC (channel, client id, message type) for every packet read, whatever the log
 * level: three MDC entries, two string concatenations and a map clear per meter message on the Netty threads, about
 * 360 of the 1300 bytes those threads allocated per message (issue 17). What it logged (connects, subscribes, at INFO
 * and DEBUG) is below the {@code io.moquette} level the gateway ships; {@link EmbeddedBroker}'s own connection log
 * stays. The one thing it did besides logging, closing a connection whose write failed, is kept by a smaller handler
 * in its place.
 *
 * <p>How: Moquette builds each connection's pipeline from its acceptor's fields at the moment the client connects, and
 * puts the optional Bugsnag error handler there (off here, {@code bugsnag.enable=false}). This class is set in that
 * field by reflection right after the server started; once the pipeline is complete it swaps the logger and removes
 * itself. A Moquette version without that field keeps its logger (one INFO line says so).
 *
 * <p>Being the one hook into each pipeline, it also adds a handler at the pipeline's tail ({@link ConnAckAfterConnect}).
 */
@ChannelHandler.Sharable
final class QuietPipeline extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(QuietPipeline.class);

    /** The name of the handler added at the tail. */
    static final String TAIL = "meter2mqtt-tail";

    /** The name Moquette 0.17 gives its {@code MQTTMessageLogger}. */
    static final String MESSAGE_LOGGER = "messageLogger";

    private static final ChannelHandler CLOSE_ON_WRITE_FAILURE = new CloseOnWriteFailure();

    /** Connections whose logger was taken out (the broker's count, kept across its restarts). */
    private final AtomicLong quieted;
    /** Added at the tail of each pipeline; null for none. */
    private final ChannelHandler atTail;

    QuietPipeline(AtomicLong quieted) {
        this(quieted, null);
    }

    QuietPipeline(AtomicLong quieted, ChannelHandler atTail) {
        this.quieted = quieted;
        this.atTail = atTail;
    }

    /**
     * Makes {@code server}'s next connections start without the message logger, counted in {@code quieted}, and with
     * {@code atTail} (when not null) at the tail of their pipelines.
     */
    static void install(Server server, AtomicLong quieted, ChannelHandler atTail) {
        try {
            Field acceptorField = Server.class.getDeclaredField("acceptor");
            acceptorField.setAccessible(true);
            Object acceptor = acceptorField.get(server);
            if (acceptor == null) {
                throw new IllegalStateException("no acceptor after start");
            }
            Field hook = acceptor.getClass().getDeclaredField("errorsCather");
            if (hook.getType() != Optional.class) {
                throw new IllegalStateException("errorsCather is a " + hook.getType().getName());
            }
            hook.setAccessible(true);
            if (((Optional<?>) hook.get(acceptor)).isPresent()) {
                throw new IllegalStateException("the Bugsnag handler is on");
            }
            hook.set(acceptor, Optional.of(new QuietPipeline(quieted, atTail)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("Embedded MQTT broker: Moquette's message logger stays in each connection ({})", e.toString());
        }
    }

    /** Registered comes after Moquette's initializer has built the whole pipeline, and before any packet is read. */
    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        if (p.get(MESSAGE_LOGGER) != null) {
            p.replace(MESSAGE_LOGGER, MESSAGE_LOGGER, CLOSE_ON_WRITE_FAILURE);
            quieted.incrementAndGet();
        }
        if (atTail != null) {
            p.addLast(TAIL, atTail);
        }
        p.remove(this);
        ctx.fireChannelRegistered();
    }

    /** What Moquette's logger did on writes besides logging. */
    @ChannelHandler.Sharable
    private static final class CloseOnWriteFailure extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.write(msg, promise).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }
}
