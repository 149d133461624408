package org.meter2mqtt.mqtt.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.eclipse.paho.client.mqttv3.internal.wire.MqttPublish;
import org.junit.jupiter.api.Test;

/** The payload is the caller's array (no copy), and Paho's PUBLISH packet is built from it with qos and retain. */
class UncopiedMessageTest {

    @Test
    void keepsTheCallersArrayAndPahoEncodesIt() throws Exception {
        byte[] p = "230.1".getBytes(StandardCharsets.US_ASCII);
        UncopiedMessage m = new UncopiedMessage(p, 1, true);
        assertThat(m.getPayload()).isSameAs(p);
        assertThat(m.getQos()).isEqualTo(1);
        assertThat(m.isRetained()).isTrue();
        assertThat(m).hasToString("230.1");

        MqttPublish wire = new MqttPublish("meters/x/y/voltage", m);
        assertThat(wire.getPayload()).containsExactly(p);
        // fixed header: PUBLISH (3) with QoS 1 and retain, as the plain MqttMessage gives
        MqttPublish plain = new MqttPublish("meters/x/y/voltage",
                new org.eclipse.paho.client.mqttv3.MqttMessage(p.clone()) {
                    {
                        setQos(1);
                        setRetained(true);
                    }
                });
        assertThat(wire.getHeader()).containsExactly(plain.getHeader());

        m.clearPayload();
        assertThat(m.getPayload()).isEmpty();
        assertThatThrownBy(() -> new UncopiedMessage(null, 0, false)).isInstanceOf(NullPointerException.class);
    }
}
