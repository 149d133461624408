package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Units;

/**
 * The compatibility layouts over the output's one connection, against mosquitto: the EMDC topics retained in kWh
 * and kW, kamstrup2mqtt's per-parameter topics and its retained status (online, offline when the device is not
 * available, offline at a normal stop), next to the output's own topics.
 */
class LayoutPublishTest extends OnMosquitto {

    static final Instant T0 = Instant.parse("2024-03-01T10:15:30Z");

    private static final Channel ACTIVE_ENERGY = Channel.builder("active_energy").unit(Units.KWH)
            .stateClass(Channel.StateClass.TOTAL_INCREASING).build();
    private static final Channel ACTIVE_POWER = Channel.builder("active_power").unit(Units.W).build();
    private static final Channel FLOW = Channel.builder("flow").unit("m³/h").build();
    private static final Channel ENERGY = Channel.builder("energy").unit("GJ").build();

    private static DeviceInfo device(String id, DeviceState state, Map<String, String> config, Channel... channels) {
        return DeviceInfo.builder(id, state).driver("pulse", "1.0.0").channels(List.of(channels)).config(config)
                .build();
    }

    @Test
    void layoutsNextToTheOwnTopics() throws Exception {
        MqttPublisher p = new MqttPublisher(tmp.resolve("pub"), "0.1.0", Clock.systemUTC());
        p.start(PublisherTest.settings(broker.url()).build());
        try (Subscriber live = new Subscriber(broker.url(), "live", true, "home/#", "kamstrup/#", "meters/#")) {
            DeviceInfo house = device("house", DeviceState.ONLINE, Map.of("mqtt.layouts", "emdc"), ACTIVE_ENERGY,
                    ACTIVE_POWER);
            DeviceInfo heat = device("heat", DeviceState.ONLINE, Map.of("mqtt.layouts", "kamstrup2mqtt"), ENERGY,
                    FLOW);
            p.deviceChanged(house);
            p.deviceChanged(heat);
            p.readings(house, Devices.readings(T0, "active_energy", "1234.567", "active_power", "1500"));
            p.readings(heat, Devices.readings(T0, "energy", "1506", "flow", "0.523"));
            assertThat(live.await("home/energy/active_power").payload()).isEqualTo("1.5");
            assertThat(live.await("kamstrup/flow").payload()).isEqualTo("523.0");
            assertThat(live.payloads("home/energy/active_energy")).containsExactly("1234.567");
            assertThat(live.payloads("kamstrup/energy")).containsExactly("1506.0");
            assertThat(live.payloads("meters/pulse/house/active_power")).containsExactly("1500");
            assertThat(live.await("kamstrup/status").payload()).isEqualTo("online");

            // what a subscriber that connects later finds: the EMDC values and the status retained
            try (Subscriber late = Subscriber.retained(broker.url(), "home/#", "kamstrup/#")) {
                assertThat(late.await("home/energy/active_energy").payload()).isEqualTo("1234.567");
                assertThat(late.await("kamstrup/status").payload()).isEqualTo("online");
                assertThat(late.await("kamstrup/status").retained()).isTrue();
            }

            p.deviceChanged(device("heat", DeviceState.OFFLINE, Map.of("mqtt.layouts", "kamstrup2mqtt"), ENERGY,
                    FLOW));
            live.awaitCount("kamstrup/status", 2);
            p.deviceChanged(heat);
            live.awaitCount("kamstrup/status", 3);
            assertThat(live.payloads("kamstrup/status")).containsExactly("online", "offline", "online");
        } finally {
            p.close();
        }
        // a normal stop says offline there, as kamstrup2mqtt does when it stops
        try (Subscriber late = Subscriber.retained(broker.url(), "kamstrup/status")) {
            assertThat(late.await("kamstrup/status").payload()).isEqualTo("offline");
        }
    }
}
