package org.meter2mqtt.mqtt.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SentConfigsTest {

    /** Configs shaped like the output's: one per channel, each repeating the device block. */
    private static Map<String, byte[]> deviceConfigs(String device, int channels) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < channels; i++) {
            String ch = "channel_" + i;
            String json = "{\"name\":\"" + ch + "\",\"unique_id\":\"gw_" + device + "_" + ch + "\",\"state_topic\":"
                    + "\"meters/kpm33b/" + device + "/" + ch + "\",\"availability\":[{\"topic\":\"meters/status\"},"
                    + "{\"topic\":\"meters/kpm33b/" + device + "/status\"}],\"availability_mode\":\"all\","
                    + "\"unit_of_measurement\":\"kWh\",\"device_class\":\"energy\",\"state_class\":"
                    + "\"total_increasing\",\"device\":{\"identifiers\":[\"gw_" + device + "\"],\"name\":\"" + device
                    + "\",\"manufacturer\":\"Compere\",\"model\":\"KPM33B\",\"sw_version\":\"1.4.0\","
                    + "\"via_device\":\"gw\"},\"origin\":{\"name\":\"meter2mqtt\",\"sw\":\"1.0.0\"}}";
            m.put("homeassistant/sensor/gw_" + device + "/" + ch + "/config", json.getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    @Test
    void givesBackEveryPayloadInOrder() {
        Map<String, byte[]> configs = deviceConfigs("meter-0042", 19);
        SentConfigs sent = SentConfigs.of(configs);
        Map<String, byte[]> back = sent.payloads();
        assertThat(back.keySet()).containsExactlyElementsOf(configs.keySet());
        assertThat(sent.topics()).containsExactlyElementsOf(configs.keySet());
        configs.forEach((t, p) -> assertThat(back.get(t)).as(t).isEqualTo(p));
    }

    @Test
    void payloadsOfAnySizeComeBackWhole() {
        Random random = new Random(7);
        byte[] big = new byte[200_000];
        random.nextBytes(big);
        Map<String, byte[]> configs = new LinkedHashMap<>();
        configs.put("a", big);
        configs.put("b", new byte[0]);
        configs.put("c", "x".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> back = SentConfigs.of(configs).payloads();
        assertThat(back.get("a")).isEqualTo(big);
        assertThat(back.get("b")).isEmpty();
        assertThat(back.get("c")).isEqualTo("x".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tellsASentPayloadFromAChangedOne() {
        Map<String, byte[]> configs = deviceConfigs("e1", 3);
        SentConfigs sent = SentConfigs.of(configs);
        String topic = configs.keySet().iterator().next();
        byte[] same = configs.get(topic).clone();
        byte[] changed = configs.get(topic).clone();
        changed[changed.length / 2] ^= 1;
        assertThat(sent.sent(topic, same)).isTrue();
        assertThat(sent.sent(topic, changed)).isFalse();
        assertThat(sent.sent("homeassistant/sensor/gw_e1/unknown/config", same)).isFalse();
        assertThat(SentConfigs.NONE.sent(topic, same)).isFalse();
    }

    @Test
    void withReplacesInPlaceOrAddsLast() {
        Map<String, byte[]> configs = new LinkedHashMap<>();
        configs.put("a", new byte[] { 1 });
        configs.put("info", new byte[] { 2 });
        SentConfigs sent = SentConfigs.of(configs);
        SentConfigs replaced = sent.with("a", new byte[] { 3 });
        assertThat(replaced.topics()).containsExactly("a", "info");
        assertThat(replaced.payloads().get("a")).containsExactly(3);
        assertThat(replaced.payloads().get("info")).containsExactly(2);
        assertThat(sent.payloads().get("a")).as("the original is unchanged").containsExactly(1);
        SentConfigs added = SentConfigs.NONE.with("info", new byte[] { 4 });
        assertThat(added.topics()).containsExactly("info");
        assertThat(added.isEmpty()).isFalse();
    }

    @Test
    void nothingSentIsEmpty() {
        assertThat(SentConfigs.of(Map.of())).isSameAs(SentConfigs.NONE);
        assertThat(SentConfigs.NONE.isEmpty()).isTrue();
        assertThat(SentConfigs.NONE.topics()).isEmpty();
        assertThat(SentConfigs.NONE.payloads()).isEmpty();
    }

    @Test
    void aDevicesConfigsKeepFarLessThanTheirSize() {
        for (int channels : List.of(3, 19, 40)) {
            Map<String, byte[]> configs = deviceConfigs("meter-" + channels, channels);
            int raw = configs.values().stream().mapToInt(p -> p.length).sum();
            assertThat(SentConfigs.of(configs).packedBytes()).as(channels + " configs of " + raw + " bytes")
                    .isLessThan(raw / 3);
        }
    }
}
