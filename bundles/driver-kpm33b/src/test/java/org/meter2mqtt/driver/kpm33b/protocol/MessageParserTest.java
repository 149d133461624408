package org.meter2mqtt.driver.kpm33b.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing the real message shapes. */
class MessageParserTest {

    private static MeterMessage parse(String topic, String fixture) {
        return MessageParser.parse(topic, Fixtures.bytes(fixture));
    }

    @Test
    void realTimeDataKeepsEveryTagInOrderWithTheMetersDecimals() {
        MeterMessage m = parse("MQTT_RT_DATA", "MQTT_RT_DATA.json");
        assertThat(m.error()).isNull();
        assertThat(m.id()).isEqualTo("33B1225950027");
        assertThat(m.time()).isEqualTo("20260112163900");
        assertThat(m.last()).isTrue();
        assertThat(m.values()).hasSize(40);
        assertThat(m.values().keySet()).startsWith("ia", "ib", "ic", "ua").endsWith("ibdm", "icdm");
        assertThat(m.value(Field.ZYGGL)).isEqualTo(new BigDecimal("6.6905"));
        assertThat(m.value(Field.ZWGGL)).isEqualTo(new BigDecimal("-0.4930"));
        // 0.000 stays 0.000: the value is published exactly as the meter printed it
        assertThat(m.value(Field.UXJA).toPlainString()).isEqualTo("0.000");
        assertThat(m.value(Field.F).toPlainString()).isEqualTo("49.959");
        assertThat(m.allZero()).isFalse();
        // every tag of the real message is known
        m.values().keySet().forEach(tag -> assertThat(Field.byTag(tag)).as(tag).isNotNull());
    }

    @Test
    void energyData() {
        MeterMessage m = parse("MQTT_ENY_NOW", "MQTT_ENY_NOW.json");
        assertThat(m.values()).hasSize(15);
        assertThat(m.value(Field.ZYGSZ)).isEqualTo(new BigDecimal("163.486"));
        assertThat(m.value(Field.FWGSZ)).isEqualTo(new BigDecimal("11.085"));
        assertThat(m.value(Field.ZYDVSZ).toPlainString()).isEqualTo("0.000");
        m.values().keySet().forEach(tag -> assertThat(Field.byTag(tag)).as(tag).isNotNull());
    }

    /** A missing tag is absent, not zero. */
    @ParameterizedTest
    @CsvSource({ "MQTT_RT_DATA_missing_data.json, zyggl, 39", "MQTT_ENY_NOW_missing_data.json, zygsz, 14" })
    void missingTagIsAbsent(String fixture, String tag, int count) {
        MeterMessage m = parse("T", fixture);
        assertThat(m.error()).isNull();
        assertThat(m.values()).doesNotContainKey(tag).hasSize(count);
        assertThat(m.value(Field.byTag(tag))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "[1,2]", "{\"id\":\"33B1225950027\",\"ia\":9.7", "{\"ia\":1.0,\"time\":\"x\"}",
        "{\"id\":\"33B1225950027\",\"ua\":\"two hundred\"}", "not json at all" })
    void badPayloadsAreErrorsNotExceptions(String payload) {
        MeterMessage m = MessageParser.parse("MQTT_RT_DATA", payload.getBytes(StandardCharsets.UTF_8));
        assertThat(m.error()).isNotBlank();
        assertThat(m.values()).isEmpty();
    }

    /**
     * One parser per thread takes payload after payload: whatever a bad one leaves behind (a cut, an error, a
     * second value) must not reach the next, and a good one reads the same wherever it comes in the sequence.
     */
    @Test
    void payloadsInTurnOnOneThreadEachReadAsIfAlone() {
        byte[] rt = Fixtures.bytes("MQTT_RT_DATA.json");
        byte[] eny = Fixtures.bytes("MQTT_ENY_NOW.json");
        Map<String, BigDecimal> rtValues = MessageParser.parse("T", rt).values();
        Map<String, BigDecimal> enyValues = MessageParser.parse("T", eny).values();
        String good = "{\"id\":\"33B1225950027\",\"ua\":230.1}";
        String[] bad = { "", "{\"id\":\"33B1225950027\",\"ia\":9.7", "{\"id\":", "not json at all", "[1,2]",
            "{\"id\":\"33B1225950027\",\"ua\":\"two hundred\",\"ia\":1}", "{\"id\":\"x\",\"extra\":{\"a\":[1,",
            "{\"id\":\"x\"", "{", "}", "\"text\"", "{\"id\":\"x\",\"ia\":1.}" };
        // after the object: ignored as before, whether blank, junk or a second value
        String[] trailing = { "", "\n", " \r\n\t ", "x", "{\"ia\":1}", "}", "{\"ia\":" };
        for (int round = 0; round < 3; round++) {
            for (String b : bad) {
                assertThat(MessageParser.parse("T", b.getBytes(StandardCharsets.UTF_8)).error()).as(b).isNotBlank();
                assertThat(MessageParser.parse("T", rt).values()).as("after " + b).isEqualTo(rtValues);
                for (String rest : trailing) {
                    MeterMessage m = MessageParser.parse("T", (good + rest).getBytes(StandardCharsets.UTF_8));
                    assertThat(m.error()).as(good + rest).isNull();
                    assertThat(m.values()).as(good + rest).containsExactly(Map.entry("ua", new BigDecimal("230.1")));
                }
                // a payload inside a larger array, as the broker hands it over (the bytes around it are not read)
                byte[] framed = new byte[eny.length + 20];
                java.util.Arrays.fill(framed, (byte) '{');
                System.arraycopy(eny, 0, framed, 7, eny.length);
                assertThat(MessageParser.parse("T", framed, 7, eny.length).values()).isEqualTo(enyValues);
            }
        }
    }

    /**
     * The gateway's path parses into arrays its thread reuses: each message reads as {@link MessageParser#parse}
     * reads it, and a copy taken with {@code kept()} is untouched by the messages after it.
     */
    @Test
    void aReusingParseReadsAsParseDoesAndAKeptCopyOutlivesTheNextMessage() {
        byte[] rt = Fixtures.bytes("MQTT_RT_DATA.json");
        byte[] eny = Fixtures.bytes("MQTT_ENY_NOW.json");
        Map<String, BigDecimal> rtValues = MessageParser.parse("T", rt).values();
        Map<String, BigDecimal> enyValues = MessageParser.parse("T", eny).values();
        assertThat(MessageParser.parse("T", rt).borrowed()).isFalse();

        MeterMessage first = MessageParser.parseReusing("T", rt, 0, rt.length);
        assertThat(first.borrowed()).isTrue();
        MeterMessage kept = first.kept();
        assertThat(kept.borrowed()).isFalse();
        assertThat(kept.kept()).isSameAs(kept);
        MeterMessage second = MessageParser.parseReusing("T", eny, 0, eny.length);
        assertThat(second.values()).isEqualTo(enyValues);
        assertThat(kept.values()).isEqualTo(rtValues);
        assertThat(kept.id()).isEqualTo(MessageParser.parse("T", rt).id());

        // a number kept as a BigDecimal (exponent) does not leak into the next message's compact one
        String big = "{\"id\":\"33B1225950027\",\"ua\":2.301e2,\"ia\":1}";
        String small = "{\"id\":\"33B1225950027\",\"ua\":229.9}";
        MeterMessage withExponent = MessageParser.parseReusing("T", big.getBytes(StandardCharsets.UTF_8), 0,
                big.length()).kept();
        MeterMessage after = MessageParser.parseReusing("T", small.getBytes(StandardCharsets.UTF_8), 0,
                small.length());
        assertThat(after.values()).containsExactly(Map.entry("ua", new BigDecimal("229.9")));
        assertThat(withExponent.values()).containsExactly(Map.entry("ua", new BigDecimal("2.301e2")),
                Map.entry("ia", BigDecimal.ONE));

        // a message with far more tags than a meter sends grows the arrays; the next message reads as usual
        StringBuilder many = new StringBuilder("{\"id\":\"33B1225950027\"");
        for (int i = 0; i < 600; i++) {
            many.append(",\"t").append(i).append("\":").append(i);
        }
        byte[] manyBytes = many.append('}').toString().getBytes(StandardCharsets.UTF_8);
        assertThat(MessageParser.parseReusing("T", manyBytes, 0, manyBytes.length).size()).isEqualTo(600);
        assertThat(MessageParser.parseReusing("T", rt, 0, rt.length).values()).isEqualTo(rtValues);
    }

    /** Threads parse at the same time, each with its own parser. */
    @Test
    void threadsParsingAtOnceEachReadTheirOwnPayloads() throws Exception {
        byte[] rt = Fixtures.bytes("MQTT_RT_DATA.json");
        byte[] eny = Fixtures.bytes("MQTT_ENY_NOW.json");
        Map<String, BigDecimal> rtValues = MessageParser.parse("T", rt).values();
        Map<String, BigDecimal> enyValues = MessageParser.parse("T", eny).values();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean odd = t % 2 == 1;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 5000; i++) {
                        boolean a = (i % 2 == 0) == odd;
                        MeterMessage m = MessageParser.parse("T", a ? rt : eny);
                        if (m.error() == null && m.values().equals(a ? rtValues : enyValues)) {
                            ok++;
                        }
                        if (i % 97 == 0) {
                            MessageParser.parse("T", "{\"id\":".getBytes(StandardCharsets.UTF_8));
                        }
                    }
                    return ok;
                }));
            }
            for (java.util.concurrent.Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(5000);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void quotedNumbersAndUnknownTagsAndNestedValues() {
        MeterMessage m = MessageParser.parse("MQTT_RT_DATA", ("{\"id\":\"33B1225950027\",\"ua\":\"230.1\","
                + "\"newtag\":1.5,\"extra\":{\"a\":[1,2]},\"time\":\"20260112163900\",\"isend\":\"0\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(m.error()).isNull();
        assertThat(m.value(Field.UA)).isEqualTo(new BigDecimal("230.1"));
        assertThat(m.values()).containsKey("newtag").doesNotContainKey("extra");
        assertThat(m.last()).isFalse();
    }

    @Test
    void aRepeatedTagKeepsItsPlaceAndTakesTheLastValueAsAMapWould() {
        MeterMessage m = MessageParser.parse("MQTT_RT_DATA", ("{\"id\":\"33B1225950027\",\"ua\":230.1,"
                + "\"newtag\":1,\"ub\":231.0,\"ua\":\"229.9\",\"newtag\":2,\"time\":\"20260112163900\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(m.error()).isNull();
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.values().keySet()).containsExactly("ua", "newtag", "ub");
        assertThat(m.values().get("ua")).isEqualTo(new BigDecimal("229.9"));
        assertThat(m.values().get("newtag")).isEqualTo(new BigDecimal("2"));
        // the indexed view is the map's, with the known fields resolved and the unknown tag without one
        for (int i = 0; i < m.size(); i++) {
            assertThat(m.number(i)).isEqualTo(m.values().get(m.tag(i)));
            assertThat(m.field(i)).isEqualTo(Field.byTag(m.tag(i)));
        }
        assertThat(m.field(1)).isNull();
        assertThat(m.value(Field.UB)).isEqualTo(new BigDecimal("231.0"));
        assertThat(m.value(Field.UC)).isNull();
    }

    @Test
    void splitPacketsMergeInOrderWithTheLaterValueWinning() {
        MeterMessage first = MessageParser.parse("MQTT_RT_DATA", ("{\"id\":\"33B1225950027\",\"ua\":230.1,"
                + "\"ia\":1.5,\"x1\":7,\"time\":\"20260112163900\",\"isend\":\"0\"}")
                .getBytes(StandardCharsets.UTF_8));
        MeterMessage second = MessageParser.parse("MQTT_RT_DATA", ("{\"id\":\"33B1225950027\",\"ib\":2.5,"
                + "\"ua\":230.2,\"x1\":8,\"time\":\"20260112163900\",\"isend\":\"1\"}")
                .getBytes(StandardCharsets.UTF_8));
        MeterMessage m = first.merged(second);
        assertThat(m.values()).containsExactly(java.util.Map.entry("ua", new BigDecimal("230.2")),
                java.util.Map.entry("ia", new BigDecimal("1.5")), java.util.Map.entry("x1", new BigDecimal("8")),
                java.util.Map.entry("ib", new BigDecimal("2.5")));
        assertThat(m.last()).isTrue();
        assertThat(first.values()).hasSize(3).containsEntry("ua", new BigDecimal("230.1"));
    }

    @Test
    void configCommandAndReply() {
        String oprid = ConfigCommand.newOprid();
        assertThat(oprid).matches("[0-9a-f]{32}").isNotEqualTo(ConfigCommand.newOprid());
        assertThat(new String(ConfigCommand.payload(oprid, ConfigCommand.Interval.SECONDS, "60"),
                StandardCharsets.UTF_8)).isEqualTo("{\"oprid\":\"" + oprid
                        + "\",\"Cmd\":\"0000\",\"value\":\"60\",\"types\":\"1\"}");
        assertThat(ConfigCommand.topic("MQTT_COMMOD_SET_", "33B1225950027")).isEqualTo("MQTT_COMMOD_SET_25950027");
        ConfigCommand.Reply ok = ConfigCommand.parseReply(("{\"id\":\"33B1225950027\",\"oprid\":\"" + oprid
                + "\",\"code\":\"01\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(ok.success()).isTrue();
        assertThat(ok.oprid()).isEqualTo(oprid);
        ConfigCommand.Reply bad = ConfigCommand.parseReply("{\"oprid\":\"x\",\"code\":\"02\",\"msg\":\"no\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(bad.success()).isFalse();
        assertThat(bad.msg()).isEqualTo("no");
        assertThat(ConfigCommand.parseReply("{\"code\":\"01\"}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ConfigCommand.parseReply("{".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void proxyLayoutAsKpm33bProxyWritesIt() {
        MeterMessage rt = parse("MQTT_RT_DATA", "MQTT_RT_DATA.json");
        assertThat(new String(ProxyPayloads.seconds(rt, java.util.Set.of()), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"33B1225950027\",\"time\":\"20260112163900\",\"active_power\":6.6905}");
        assertThat(new String(ProxyPayloads.seconds(rt, java.util.EnumSet.of(Field.Group.CURRENT,
                Field.Group.POWER_FACTOR)), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"33B1225950027\","
                        + "\"time\":\"20260112163900\",\"active_power\":6.6905,\"current_l1\":9.735,"
                        + "\"current_l2\":9.658,\"current_l3\":9.655,\"power_factor_l1\":0.996,"
                        + "\"power_factor_l2\":0.996,\"power_factor_l3\":0.996,\"power_factor\":0.996}");
        MeterMessage missing = parse("MQTT_RT_DATA", "MQTT_RT_DATA_missing_data.json");
        assertThat(new String(ProxyPayloads.seconds(missing, java.util.Set.of()), StandardCharsets.UTF_8))
                .endsWith("\"active_power\":null}");
        MeterMessage eny = parse("MQTT_ENY_NOW", "MQTT_ENY_NOW.json");
        assertThat(new String(ProxyPayloads.minutes(eny), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"33B1225950027\",\"time\":\"20260117211500\",\"active_energy\":163.486}");
        assertThat(ProxyPayloads.secondsTopic("kpm33b", "33B1225950027")).isEqualTo("kpm33b/33B1225950027/seconds");
    }
}
