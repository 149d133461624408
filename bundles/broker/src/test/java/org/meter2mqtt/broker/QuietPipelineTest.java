package org.meter2mqtt.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.moquette.broker.metrics.MQTTMessageLogger;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;

/** The pipeline change on a real Netty pipeline laid out as Moquette 0.17 lays out each client's. */
class QuietPipelineTest {

    @Test
    void theLoggerIsSwappedBeforeAnythingIsReadAndTheHookLeaves() throws Exception {
        AtomicLong quieted = new AtomicLong();
        QuietPipeline quiet = new QuietPipeline(quieted);
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast("bugsnagCatcher", quiet);
        ch.pipeline().addLast(QuietPipeline.MESSAGE_LOGGER, new MQTTMessageLogger());
        ch.pipeline().addLast("handler", new ChannelInboundHandlerAdapter());
        ch.register();

        assertThat(ch.pipeline().names()).doesNotContain("bugsnagCatcher").contains(QuietPipeline.MESSAGE_LOGGER,
                "handler");
        assertThat(ch.pipeline().get(QuietPipeline.MESSAGE_LOGGER)).isNotInstanceOf(MQTTMessageLogger.class);
        assertThat(quieted.get()).isEqualTo(1);
        ch.writeInbound("a packet");
        assertThat((Object) ch.readInbound()).isEqualTo("a packet");
        ch.finishAndReleaseAll();
    }

    @Test
    void aFailedWriteStillClosesTheConnectionAsMoquettesLoggerDid() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast("failing", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                promise.setFailure(new IOException("broken pipe"));
            }
        });
        ch.pipeline().addLast("bugsnagCatcher", new QuietPipeline(new AtomicLong()));
        ch.pipeline().addLast(QuietPipeline.MESSAGE_LOGGER, new MQTTMessageLogger());
        ch.register();
        assertThat(ch.isOpen()).isTrue();

        ch.writeOneOutbound("a reply"); // the failure comes at once, and with it the close

        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aPipelineWithoutTheLoggerIsLeftAsItIs() throws Exception {
        AtomicLong quieted = new AtomicLong();
        QuietPipeline quiet = new QuietPipeline(quieted);
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast("bugsnagCatcher", quiet);
        ch.pipeline().addLast("handler", new ChannelInboundHandlerAdapter());
        ch.register();
        assertThat(ch.pipeline().names()).doesNotContain("bugsnagCatcher", QuietPipeline.MESSAGE_LOGGER)
                .contains("handler");
        assertThat(quieted.get()).isZero();
        ch.finishAndReleaseAll();
    }
}
