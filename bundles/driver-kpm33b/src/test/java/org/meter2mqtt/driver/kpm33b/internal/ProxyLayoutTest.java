package org.meter2mqtt.driver.kpm33b.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.driver.kpm33b.protocol.Field;
import org.meter2mqtt.driver.kpm33b.protocol.MessageParser;
import org.meter2mqtt.driver.kpm33b.protocol.MeterClock;
import org.meter2mqtt.driver.kpm33b.protocol.MeterMessage;
import org.meter2mqtt.driver.kpm33b.protocol.ProxyPayloads;
import org.meter2mqtt.mqtt.Batch;
import org.meter2mqtt.mqtt.layout.BoundLayout;
import org.meter2mqtt.mqtt.layout.Layouts;

/**
 * The MQTT output's kpm33b-proxy layout, fed with the readings this driver makes of real meter messages and with
 * the attributes it maps from {@code proxy.*}, publishes byte for byte what the driver published itself before
 * ({@link ProxyPayloads}, the kpm33b_proxy mapping), for every combination of {@code proxy.phases}.
 */
class ProxyLayoutTest {

    private static final String DIR = "/org/meter2mqtt/driver/kpm33b/protocol/";

    static Stream<String> phases() {
        List<String> out = new ArrayList<>();
        String[] groups = { "current", "power", "voltage", "power_factor" };
        for (int mask = 0; mask < 16; mask++) {
            List<String> g = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                if ((mask & 1 << i) != 0) {
                    g.add(groups[i]);
                }
            }
            out.add(String.join(",", g));
        }
        return out.stream();
    }

    private static List<MeterMessage> messages() throws IOException {
        List<MeterMessage> out = new ArrayList<>();
        for (String f : List.of("MQTT_RT_DATA.json", "MQTT_RT_DATA_missing_data.json")) {
            out.add(MessageParser.parse("MQTT_RT_DATA", read(f)));
        }
        for (String f : List.of("MQTT_ENY_NOW.json", "MQTT_ENY_NOW_missing_data.json")) {
            out.add(MessageParser.parse("MQTT_ENY_NOW", read(f)));
        }
        for (String f : List.of("MQTT_ENY_NOW_capture.log", "MQTT_ENY_NOW_capture2.log")) {
            for (String line : new String(read(f), StandardCharsets.UTF_8).split("\n")) {
                int brace = line.indexOf('{');
                if (brace >= 0) {
                    String topic = brace > 0 ? line.substring(0, brace).strip() : "MQTT_ENY_NOW";
                    out.add(MessageParser.parse(topic, line.substring(brace).getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
        out.removeIf(m -> m.error() != null || m.id() == null);
        return out;
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = ProxyLayoutTest.class.getResourceAsStream(DIR + name)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @MethodSource("phases")
    void sameBytesAsTheDriverPublished(String phases) throws Exception {
        HubSettings s = HubSettings.of(Map.of("proxy.url", "tcp://127.0.0.1:1883", "proxy.phases", phases,
                "meter.timezone", "Asia/Shanghai"));
        Map<String, String> attributes = new HashMap<>(ProxyLayout.attributes(s, "tcp://127.0.0.1:1883"));
        MeterClock clock = new MeterClock(ZoneId.of("Asia/Shanghai"), Duration.ofDays(99999));
        List<MeterMessage> all = messages();
        assertThat(all).hasSizeGreaterThan(4);
        for (MeterMessage m : all) {
            // the readings a session with every group makes of it (Kpm33bSession.onMessage)
            List<Batch.Value> values = new ArrayList<>();
            for (Map.Entry<String, BigDecimal> e : m.values().entrySet()) {
                Field f = Field.byTag(e.getKey());
                if (f != null) {
                    values.add(new Batch.Value(f.channel(), e.getValue(), null));
                }
            }
            if (values.isEmpty()) {
                continue;
            }
            Batch b = new Batch("kpm33b", "office", clock.instant(m.time()), values);
            List<String> problems = new ArrayList<>();
            List<BoundLayout> bound = Layouts.bind("office", Map.of("meter.id", m.id()), attributes, problems);
            assertThat(problems).isEmpty();
            List<BoundLayout.Message> out = bound.get(0).render(b, Map.of());
            boolean seconds = m.topic().equals("MQTT_RT_DATA");
            String topic = seconds ? ProxyPayloads.secondsTopic("kpm33b", m.id())
                    : ProxyPayloads.minutesTopic("kpm33b", m.id());
            byte[] expected = seconds ? ProxyPayloads.seconds(m, s.proxyPhases) : ProxyPayloads.minutes(m);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).topic).isEqualTo(topic);
            assertThat(new String(out.get(0).payload, StandardCharsets.UTF_8))
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(out.get(0).qos).isEqualTo(1);
            assertThat(out.get(0).retain).isFalse();
        }
    }

    @Test
    void sameBrokerOrRefused() throws Exception {
        assertThat(ProxyLayout.sameBroker("tcp://localhost:1883", "tcp://127.0.0.1")).isTrue();
        assertThat(ProxyLayout.sameBroker("ssl://Broker.lan", "ssl://broker.lan:8883")).isTrue();
        assertThat(ProxyLayout.sameBroker("tcp://broker.lan:1883", "ssl://broker.lan:1883")).isFalse();
        assertThat(ProxyLayout.sameBroker("tcp://broker.lan:1884", "tcp://broker.lan:1883")).isFalse();
        HubSettings s = HubSettings.of(Map.of("proxy.url", "tcp://central:1883", "proxy.topic", "site"));
        assertThatThrownBy(() -> ProxyLayout.attributes(s, "tcp://other:1883")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.layout.kpm33b-proxy.topic = site");
        // no output (yet): the layout is suggested, the output checks nothing it does not own
        assertThat(ProxyLayout.attributes(s, null)).containsEntry("mqtt.layouts", "kpm33b-proxy")
                .containsEntry("mqtt.layout.kpm33b-proxy.topic", "site");
        assertThat(ProxyLayout.attributes(HubSettings.of(Map.of()), "tcp://x:1")).containsEntry("mqtt.layouts", null);
    }
}
