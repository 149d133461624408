package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MqttSettingsTest {

    @Test
    void defaults() {
        MqttSettings s = MqttSettings.builder().gatewayId("gw").build();
        assertThat(s.problems()).isEmpty();
        assertThat(s.topicPrefix()).isEqualTo("meters");
        assertThat(s.qos()).isEqualTo(1);
        assertThat(s.channelQos()).isZero();
        assertThat(s.discoveryPrefix()).isEqualTo("homeassistant");
        assertThat(s.clientId()).isEqualTo("meter2mqtt-gw");
        assertThat(s.hostnameVerification()).isTrue();
        assertThat(s.gatherAbove()).isEqualTo(4000);
        assertThat(s.maxInflight()).isEqualTo(4000);
        assertThat(s.toString()).contains("inflight.max=4000");
    }

    @Test
    void theWindowOutOfRangeIsExplainedAndAChangeReconnects() {
        assertThat(MqttSettings.builder().gatewayId("gw").maxInflight(0).build().problems())
                .containsExactly("inflight.max must be 1-30000 messages, got 0");
        MqttSettings tooLarge = MqttSettings.builder().gatewayId("gw").maxInflight(40000).build();
        assertThat(tooLarge.problems()).containsExactly("inflight.max must be 1-30000 messages, got 40000");
        // while it is a problem the output still buffers with a window it can use
        assertThat(tooLarge.maxInflight()).isEqualTo(30000);
        assertThat(MqttSettings.builder().gatewayId("gw").maxInflight(-5).build().maxInflight()).isEqualTo(1);
        MqttSettings small = MqttSettings.builder().gatewayId("gw").maxInflight(100).build();
        assertThat(small.problems()).isEmpty();
        assertThat(small.maxInflight()).isEqualTo(100);
        // Paho's own in-flight limit is a connect option
        assertThat(small.connectionDiffers(MqttSettings.builder().gatewayId("gw").build())).isTrue();
    }

    @Test
    void aNegativeGatherThresholdIsExplainedAndZeroTurnsGatheringOff() {
        assertThat(MqttSettings.builder().gatewayId("gw").gatherAbove(-1).build().problems())
                .containsExactly("gather.above must be >= 0 readings/s (0 = never gather), got -1");
        MqttSettings off = MqttSettings.builder().gatewayId("gw").gatherAbove(0).build();
        assertThat(off.problems()).isEmpty();
        assertThat(off.toString()).contains("gather.above=0");
        // a tuning value, not part of the connection: changing it must not reconnect
        assertThat(off.connectionDiffers(MqttSettings.builder().gatewayId("gw").build())).isFalse();
    }

    @Test
    void badUrlsAreExplained() {
        assertThat(MqttSettings.builder().url("http://broker:1883").build().problems())
                .containsExactly("url 'http://broker:1883' must start with tcp:// or ssl://");
        assertThat(MqttSettings.builder().url("tcp://bro ker:1883").build().problems().get(0))
                .startsWith("url 'tcp://bro ker:1883' is malformed");
        assertThat(MqttSettings.builder().url("").build().problems().get(0)).startsWith("url is not set");
    }

    @Test
    void aBrokerOnLoopbackIsLocal() {
        for (String url : new String[] { "tcp://localhost:11883", "tcp://127.0.0.1:1883", "ssl://[::1]:8883" }) {
            assertThat(MqttSettings.builder().url(url).build().localBroker()).as(url).isTrue();
        }
        for (String url : new String[] { "tcp://broker.lan:1883", "tcp://10.0.0.2:1883", "tcp://bro ker:1" }) {
            assertThat(MqttSettings.builder().url(url).build().localBroker()).as(url).isFalse();
        }
    }

    @Test
    void aQosOutOfRangeIsExplained() {
        assertThat(MqttSettings.builder().gatewayId("gw").qos(3).channelQos(-1).build().problems())
                .containsExactly("qos must be 0, 1 or 2, got 3", "channel.qos must be 0, 1 or 2, got -1");
    }

    @Test
    void missingKeyFileIsExplained() {
        MqttSettings s = MqttSettings.builder().url("ssl://broker:8883")
                .tls(null, "/nonexistent/client.crt", "/nonexistent/client.key", true).build();
        assertThat(s.problems()).contains("file /nonexistent/client.key does not exist or is not readable");
        assertThat(MqttSettings.builder().url("ssl://b:8883").tls(null, "/x.crt", null, true).build().problems())
                .contains("tls.cert.file and tls.key.file must be set together");
    }

    @Test
    void secretsNeverAppearInToString() {
        MqttSettings s = MqttSettings.builder().credentials("user", "hunter2")
                .tls(null, null, "/secret/path/key.pem", true).build();
        assertThat(s.toString()).contains("username=user").contains("password=********")
                .doesNotContain("hunter2").doesNotContain("/secret/path/key.pem");
    }
}
