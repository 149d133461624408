package org.meter2mqtt.driver.kpm33b.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.broker.BrokerSettings;
import org.meter2mqtt.broker.EmbeddedBroker;

/** The hub's link to the embedded broker across broker replacements and the late first settings. */
class Kpm33bHubTest {

    static EmbeddedBroker first;
    static EmbeddedBroker second;

    @BeforeAll
    static void start() throws Exception {
        first = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        first.start();
        second = new EmbeddedBroker(BrokerSettings.of("127.0.0.1", 0, null, null, null));
        second.start();
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
    }

    /** DS with GREEDY binds the replacement before it unbinds the old broker: the old one going keeps the new. */
    @Test
    void anOldBrokerGoingAwayLeavesTheReplacementInUse() {
        try (Kpm33bHub hub = new Kpm33bHub(HubSettings.of(Map.of("url", "embedded")), () -> null, Clock.systemUTC())) {
            hub.start();
            hub.localBroker(first);
            assertThat(hub.linkConnected()).isTrue();
            hub.localBroker(second);
            hub.localBrokerGone(first);
            assertThat(hub.linkConnected()).isTrue();
            hub.localBrokerGone(second);
            assertThat(hub.linkConnected()).isFalse();
        }
    }

    /** Inside the gateway the settings arrive after the driver exists: nothing connects before them. */
    @Test
    void aHubWithoutSettingsConnectsOnlyWithItsFirstSettings() {
        try (Kpm33bHub hub = new Kpm33bHub(HubSettings.of(Map.of()), () -> null, Clock.systemUTC())) {
            hub.localBroker(first);
            assertThat(hub.linkConnected()).isFalse();
            hub.configure(HubSettings.of(Map.of("url", "embedded", "client.id", "gw")));
            assertThat(hub.linkConnected()).isTrue();
        }
    }
}
