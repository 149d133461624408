package org.meter2mqtt.driver.kpm33b.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** A session waiting for the internal broker is woken by the link change, or gives up at its deadline. */
class LinkGateTest {

    static final class FakeLink implements InternalLink {
        final boolean announces;
        volatile boolean connected;

        FakeLink(boolean announces, boolean connected) {
            this.announces = announces;
            this.connected = connected;
        }

        @Override
        public void start() {
        }

        @Override
        public boolean announcesConnection() {
            return announces;
        }

        @Override
        public boolean connected() {
            return connected;
        }

        @Override
        public String problem() {
            return connected ? null : "not connected";
        }

        @Override
        public boolean publish(String topic, byte[] payload, int qos) {
            return false;
        }

        @Override
        public void close() {
        }
    }

    final LinkGate gate = new LinkGate();
    final AtomicReference<InternalLink> link = new AtomicReference<>();
    final AtomicBoolean closed = new AtomicBoolean();

    CompletableFuture<InternalLink> waiter(long timeoutMillis) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return gate.await(link::get, closed::get, timeoutMillis);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aWaiterIsWokenWhenAConnectedLinkIsPutInPlace() throws Exception {
        link.set(new FakeLink(true, false));
        // an announcing link that stays unconnected is never looked at again on its own: only changed() wakes
        CompletableFuture<InternalLink> w = waiter(60_000);
        Thread.sleep(200);
        assertThat(w).isNotDone();
        FakeLink up = new FakeLink(true, true);
        link.set(up);
        gate.changed();
        assertThat(w.get(5, TimeUnit.SECONDS)).isSameAs(up);
    }

    @Test
    void aLinkThatCannotAnnounceItsConnectionIsLookedAtAgain() throws Exception {
        FakeLink mqtt = new FakeLink(false, false);
        link.set(mqtt);
        CompletableFuture<InternalLink> w = waiter(60_000);
        Thread.sleep(200);
        mqtt.connected = true; // connects on a thread of its own and tells nobody
        assertThat(w.get(5, TimeUnit.SECONDS)).isSameAs(mqtt);
    }

    @Test
    void theWaitEndsAtTheDeadlineOrWhenTheHubCloses() throws Exception {
        assertThat(gate.await(link::get, closed::get, 50)).isNull();
        link.set(new FakeLink(true, false));
        CompletableFuture<InternalLink> w = waiter(60_000);
        Thread.sleep(100);
        closed.set(true);
        gate.changed();
        assertThat(w.get(5, TimeUnit.SECONDS).connected()).isFalse();
    }
}
