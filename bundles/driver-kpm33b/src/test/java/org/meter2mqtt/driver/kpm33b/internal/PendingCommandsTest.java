package org.meter2mqtt.driver.kpm33b.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.driver.kpm33b.protocol.ConfigCommand;

/** Replies find the command that asked, once; commands given up on take no late reply. */
class PendingCommandsTest {

    final PendingCommands pending = new PendingCommands();
    final Object sessionA = new Object();
    final Object sessionB = new Object();
    final List<String> got = new ArrayList<>();

    static ConfigCommand.Reply reply(String oprid, String code) {
        return ConfigCommand.parseReply(("{\"id\":\"33B1225950027\",\"oprid\":\"" + oprid + "\",\"code\":\"" + code
                + "\",\"msg\":\"m\"}").getBytes(StandardCharsets.UTF_8));
    }

    void expect(String oprid, Object owner) {
        pending.expect(oprid, owner, r -> got.add(oprid + (r.success() ? " ack" : " err " + r.code())));
    }

    @Test
    void eachReplyReachesTheCommandWithItsOprid() {
        expect("a1", sessionA);
        expect("b1", sessionB);
        assertThat(pending.complete(reply("b1", "02"))).isTrue();
        assertThat(pending.complete(reply("a1", "01"))).isTrue();
        assertThat(got).containsExactly("b1 err 02", "a1 ack");
        assertThat(pending.size()).isZero();
    }

    @Test
    void aRepeatedOrUnknownReplyIsNotDelivered() {
        expect("a1", sessionA);
        assertThat(pending.complete(reply("a1", "01"))).isTrue();
        // the meter repeats its reply (QoS 1), or another gateway's command is answered on the shared topic
        assertThat(pending.complete(reply("a1", "01"))).isFalse();
        assertThat(pending.complete(reply("zz", "01"))).isFalse();
        assertThat(got).containsExactly("a1 ack");
    }

    @Test
    void aTimedOutCommandTakesNoLateReply() {
        expect("a1", sessionA);
        assertThat(pending.forget("a1")).isTrue();
        assertThat(pending.forget("a1")).isFalse();
        assertThat(pending.complete(reply("a1", "01"))).isFalse();
        assertThat(got).isEmpty();
    }

    @Test
    void aClosingSessionForgetsOnlyItsOwnCommands() {
        expect("a1", sessionA);
        expect("a2", sessionA);
        expect("b1", sessionB);
        pending.forgetAll(sessionA);
        assertThat(pending.size()).isEqualTo(1);
        assertThat(pending.complete(reply("a2", "01"))).isFalse();
        assertThat(pending.complete(reply("b1", "01"))).isTrue();
        assertThat(got).containsExactly("b1 ack");
    }
}
