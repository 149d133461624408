package org.meter2mqtt.mqtt.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Units;
import org.meter2mqtt.mqtt.Batch;

/** The compatibility layouts as tables: which keys are accepted, and what each layout publishes for a batch. */
class LayoutsTest {

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.of(Map.of(), List.of()),
                Arguments.of(Map.of("mqtt.layouts", "emdc"), List.of()),
                Arguments.of(Map.of("mqtt.layouts", " kpm33b-proxy , kamstrup2mqtt ", "mqtt.layout.kpm33b-proxy.topic",
                        "site/a", "mqtt.layout.kpm33b-proxy.phases", "power,current", "mqtt.layout.emdc.qos", "1",
                        "mqtt.layout.kpm33b-proxy.zone", "Europe/Vienna"), List.of()),
                Arguments.of(Map.of("mqtt.layouts", "emdc,kpm33b_proxy"), List.of("mqtt.layouts: no layout "
                        + "'kpm33b_proxy' (layouts: emdc, kamstrup2mqtt, kpm33b-proxy)")),
                Arguments.of(Map.of("mqtt.layout", "emdc"), List.of("unknown key 'mqtt.layout' (the MQTT output knows "
                        + "mqtt.layouts, mqtt.own.topics and mqtt.layout.<name>.<setting>)")),
                Arguments.of(Map.of("mqtt.layout.influx.topic", "x"), List.of("unknown key 'mqtt.layout.influx.topic': "
                        + "no layout 'influx' (layouts: emdc, kamstrup2mqtt, kpm33b-proxy)")),
                Arguments.of(Map.of("mqtt.layout.emdc.topik", "x"), List.of("unknown key 'mqtt.layout.emdc.topik' "
                        + "(layout emdc has topic, qos, retain)")),
                Arguments.of(Map.of("mqtt.layout.emdc.qos", "3"), List.of("mqtt.layout.emdc.qos: must be 0, 1 or 2, "
                        + "got '3'")),
                Arguments.of(Map.of("mqtt.layout.emdc.retain", "yes"), List.of("mqtt.layout.emdc.retain: must be "
                        + "true or false, got 'yes'")),
                Arguments.of(Map.of("mqtt.layout.emdc.topic", "home/#"), List.of("mqtt.layout.emdc.topic: 'home/#' "
                        + "must be a topic without wildcards (+, #) and without a leading or trailing '/'")),
                Arguments.of(Map.of("mqtt.layout.kpm33b-proxy.phases", "power,angles"), List.of(
                        "mqtt.layout.kpm33b-proxy.phases: [angles] not among [current, power, power_factor, voltage]")),
                Arguments.of(Map.of("mqtt.layout.kpm33b-proxy.zone", "Mars/Olympus"), List.of(
                        "mqtt.layout.kpm33b-proxy.zone: 'Mars/Olympus' is not a time zone (e.g. Europe/Vienna)")),
                // keys not under mqtt. are the driver's business
                Arguments.of(Map.of("port", "/dev/ttyUSB0", "mqtt.layouts", "emdc"), List.of()),
                Arguments.of(Map.of("mqtt.layouts", "emdc", "mqtt.own.topics", "false"), List.of()),
                Arguments.of(Map.of("mqtt.own.topics", "TRUE"), List.of()),
                Arguments.of(Map.of("mqtt.own.topics", "no"), List.of("mqtt.own.topics: must be true or false, got "
                        + "'no'")),
                // the layouts may come from the driver (checked when bound): no problem here
                Arguments.of(Map.of("mqtt.own.topics", "false"), List.of()));
    }

    @ParameterizedTest
    @MethodSource("keys")
    void checksTheDeviceKeys(Map<String, String> config, List<String> problems) {
        assertThat(Layouts.check(config)).containsExactlyElementsOf(problems);
    }

    private static final Instant T = Instant.parse("2026-01-12T16:39:00Z");

    private static Batch batch(String... channelValues) {
        List<Batch.Value> values = new ArrayList<>();
        for (int i = 0; i < channelValues.length; i += 2) {
            String v = channelValues[i + 1];
            values.add(v.matches("-?[0-9.]+") ? new Batch.Value(channelValues[i], new BigDecimal(v), null)
                    : new Batch.Value(channelValues[i], null, v));
        }
        return new Batch("drv", "dev", T, values);
    }

    private static List<String> render(Map<String, String> config, Map<String, String> attributes, Batch b,
            Map<String, Channel> channels) {
        List<String> problems = new ArrayList<>();
        List<BoundLayout> bound = Layouts.bind("dev", config, attributes, problems);
        assertThat(problems).isEmpty();
        return bound.stream().flatMap(l -> l.render(b, channels).stream())
                .map(m -> m.topic + " " + new String(m.payload, StandardCharsets.UTF_8) + " q" + m.qos
                        + (m.retain ? " r" : ""))
                .collect(Collectors.toList());
    }

    /** The strings are what kpm33b_proxy (and this driver before) published for the fixture messages. */
    @Test
    void kpm33bProxyAsItWrote() {
        Map<String, String> cfg = Map.of("mqtt.layouts", "kpm33b-proxy", "meter.id", "33B1225950027",
                "mqtt.layout.kpm33b-proxy.zone", "UTC");
        Batch rt = batch("current_l1", "9.735", "current_l2", "9.658", "current_l3", "9.655", "voltage_l1", "230.1",
                "active_power", "6.6905", "power_factor_l1", "0.996", "power_factor_l2", "0.996", "power_factor_l3",
                "0.996", "power_factor", "0.996", "frequency", "50.00");
        assertThat(render(cfg, Map.of(), rt, Map.of())).containsExactly("kpm33b/33B1225950027/seconds {\"id\":"
                + "\"33B1225950027\",\"time\":\"20260112163900\",\"active_power\":6.6905} q1");
        Map<String, String> phases = new HashMap<>(cfg);
        phases.put("mqtt.layout.kpm33b-proxy.phases", "current,power_factor");
        assertThat(render(phases, Map.of(), rt, Map.of())).containsExactly("kpm33b/33B1225950027/seconds {\"id\":"
                + "\"33B1225950027\",\"time\":\"20260112163900\",\"active_power\":6.6905,\"current_l1\":9.735,"
                + "\"current_l2\":9.658,\"current_l3\":9.655,\"power_factor_l1\":0.996,\"power_factor_l2\":0.996,"
                + "\"power_factor_l3\":0.996,\"power_factor\":0.996} q1");
        // a message without the total power: null, as kpm33b_proxy writes it
        assertThat(render(cfg, Map.of(), batch("voltage_l1", "230.1"), Map.of())).containsExactly(
                "kpm33b/33B1225950027/seconds {\"id\":\"33B1225950027\",\"time\":\"20260112163900\","
                        + "\"active_power\":null} q1");
        assertThat(render(cfg, Map.of(), batch("energy_import", "163.486", "energy_export", "0.000"), Map.of()))
                .containsExactly("kpm33b/33B1225950027/minutes {\"id\":\"33B1225950027\",\"time\":\"20260112163900\","
                        + "\"active_energy\":163.486} q1");
        // the meter's clock is printed in the zone the driver read it in
        Map<String, String> vienna = new HashMap<>(cfg);
        vienna.put("mqtt.layout.kpm33b-proxy.zone", "Europe/Vienna");
        assertThat(render(vienna, Map.of(), batch("energy_import", "1.000"), Map.of()).get(0))
                .contains("\"time\":\"20260112173900\"");
    }

    /** The JSON buffer is reused from message to message: a long message leaves nothing behind in the next. */
    @Test
    void messagesOfEverySizeInTurnComeOutWhole() {
        Map<String, String> cfg = Map.of("mqtt.layouts", "kpm33b-proxy", "meter.id", "33B1225950027",
                "mqtt.layout.kpm33b-proxy.zone", "UTC");
        String prefix = "kpm33b/33B1225950027/seconds {\"id\":\"33B1225950027\",\"time\":\"20260112163900\","
                + "\"active_power\":";
        for (int digits : new int[] { 1, 2000, 3, 40_000, 5, 900, 1 }) {
            String power = "7".repeat(digits) + ".5";
            assertThat(render(cfg, Map.of(), batch("active_power", power), Map.of()))
                    .containsExactly(prefix + power + "} q1");
        }
    }

    /** The driver's suggestion (from proxy.*) applies; the device's own keys win over it. */
    @Test
    void theCfgWinsOverTheDriversSuggestion() {
        Map<String, String> attrs = Map.of("mqtt.layouts", "kpm33b-proxy", "mqtt.layout.kpm33b-proxy.topic", "old",
                "mqtt.layout.kpm33b-proxy.qos", "0", "mqtt.layout.kpm33b-proxy.zone", "UTC");
        Batch b = batch("energy_import", "2.5");
        assertThat(render(Map.of("meter.id", "M1"), attrs, b, Map.of())).containsExactly(
                "old/M1/minutes {\"id\":\"M1\",\"time\":\"20260112163900\",\"active_energy\":2.5} q0");
        assertThat(render(Map.of("meter.id", "M1", "mqtt.layout.kpm33b-proxy.topic", "new"), attrs, b, Map.of()))
                .containsExactly("new/M1/minutes {\"id\":\"M1\",\"time\":\"20260112163900\",\"active_energy\":2.5} q0");
        // a bad suggestion is reported and left out, never published half-right
        List<String> problems = new ArrayList<>();
        assertThat(Layouts.bind("dev", Map.of(), Map.of("mqtt.layouts", "nope"), problems)).isEmpty();
        assertThat(problems).containsExactly("mqtt.layouts: no layout 'nope' (layouts: emdc, kamstrup2mqtt, "
                + "kpm33b-proxy)");
    }

    /** The EMDC writer's topics: kWh and kW as Python prints floats, retained; other channels not published. */
    @Test
    void emdcInKilo() {
        Map<String, Channel> channels = Map.of(
                "active_energy", Channel.builder("active_energy").unit(Units.KWH).build(),
                "reactive_energy", Channel.builder("reactive_energy").unit("kvarh").build(),
                "active_power", Channel.builder("active_power").unit(Units.W).build(),
                "reactive_power", Channel.builder("reactive_power").unit("var").build());
        Batch b = batch("active_energy", "1234.000", "reactive_energy", "12.345", "active_power", "1500",
                "reactive_power", "36.0", "pulses", "7");
        assertThat(render(Map.of("mqtt.layouts", "emdc"), Map.of(), b, channels)).containsExactly(
                "home/energy/active_energy 1234.0 q0 r", "home/energy/reactive_energy 12.345 q0 r",
                "home/energy/active_power 1.5 q0 r", "home/energy/reactive_power 0.036 q0 r");
        assertThat(render(Map.of("mqtt.layouts", "emdc", "mqtt.layout.emdc.topic", "flat/1", "mqtt.layout.emdc.retain",
                "false"), Map.of(), batch("active_power", "0"), channels)).containsExactly("flat/1/active_power 0.0 q0");
    }

    /** kamstrup2mqtt: every parameter on its own topic, the meter's unit (l/h for flows), Python floats. */
    @Test
    void kamstrup2mqttPerParameter() {
        Map<String, Channel> channels = new LinkedHashMap<>();
        channels.put("energy", Channel.builder("energy").unit("GJ").build());
        channels.put("flow", Channel.builder("flow").unit("m³/h").build());
        channels.put("temp1", Channel.builder("temp1").unit("°C").build());
        Batch b = batch("energy", "1506", "flow", "0.523", "temp1", "62.41", "minflowdate_m", "2024-01-15");
        List<String> problems = new ArrayList<>();
        BoundLayout l = Layouts.bind("heat", Map.of("mqtt.layouts", "kamstrup2mqtt"), Map.of(), problems).get(0);
        assertThat(l.statusTopic()).isEqualTo("kamstrup/status");
        assertThat(render(Map.of("mqtt.layouts", "kamstrup2mqtt"), Map.of(), b, channels)).containsExactly(
                "kamstrup/energy 1506.0 q0", "kamstrup/flow 523.0 q0", "kamstrup/temp1 62.41 q0",
                "kamstrup/minflowdate_m 2024-01-15 q0");
        assertThat(Layouts.bind("x", Map.of("mqtt.layouts", "emdc"), Map.of(), problems).get(0).statusTopic())
                .isNull();
    }
}
