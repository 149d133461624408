package org.meter2mqtt.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.moquette.broker.NettyUtils;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;

/** The CONNACK hold-back on a real Netty pipeline, with the session thread played by the test. */
class ConnAckAfterConnectTest {

    private final List<String> routedFor = new ArrayList<>();
    private final List<Runnable> sessionThread = new ArrayList<>();
    private final AtomicLong held = new AtomicLong();
    private boolean queueFull;

    private EmbeddedChannel channel(String clientId) {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnAckAfterConnect((id, name, task) -> {
            if (queueFull) {
                return false;
            }
            routedFor.add(id);
            sessionThread.add(task);
            return true;
        }, held));
        if (clientId != null) {
            NettyUtils.clientID(ch, clientId);
        }
        return ch;
    }

    private static MqttConnAckMessage connAck(MqttConnectReturnCode code) {
        return MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
    }

    @Test
    void anAcceptedConnAckIsWrittenOnlyWhenTheSessionThreadGetsToIt() {
        EmbeddedChannel ch = channel("meter-1");
        ChannelFuture written = ch.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED));

        assertThat((Object) ch.readOutbound()).as("held back").isNull();
        assertThat(written.isDone()).isFalse();
        assertThat(routedFor).containsExactly("meter-1");
        assertThat(held.get()).isEqualTo(1);

        sessionThread.remove(0).run(); // Moquette's CONNECT handling has returned, its listener is attached

        MqttConnAckMessage out = ch.readOutbound();
        assertThat(out.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(written.isSuccess()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void refusalsAndOtherPacketsPassAtOnce() {
        EmbeddedChannel ch = channel("meter-1");
        ch.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD));
        ch.writeAndFlush(MqttMessage.PINGRESP);

        MqttConnAckMessage refusal = ch.readOutbound();
        assertThat(refusal.variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat((Object) ch.readOutbound()).isSameAs(MqttMessage.PINGRESP);
        assertThat(routedFor).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void aFullSessionQueueOrAConnectionWithoutClientIdGetsItsConnAckAtOnce() {
        queueFull = true;
        EmbeddedChannel full = channel("meter-1");
        full.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED));
        assertThat((Object) full.readOutbound()).isInstanceOf(MqttConnAckMessage.class);
        full.finishAndReleaseAll();

        queueFull = false;
        EmbeddedChannel anonymous = channel(null);
        anonymous.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED));
        assertThat((Object) anonymous.readOutbound()).isInstanceOf(MqttConnAckMessage.class);
        assertThat(routedFor).isEmpty();
        anonymous.finishAndReleaseAll();
    }

    @Test
    void aConnectionClosedMeanwhileFailsTheWriteWithoutThrowingOnTheSessionThread() {
        EmbeddedChannel ch = channel("meter-1");
        ChannelFuture written = ch.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED));
        ch.close();

        sessionThread.remove(0).run();

        assertThat(written.isDone()).isTrue();
        assertThat(written.isSuccess()).isFalse();
        ch.finishAndReleaseAll();
    }
}
