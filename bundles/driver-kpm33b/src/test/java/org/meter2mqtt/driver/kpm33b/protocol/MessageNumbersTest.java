package org.meter2mqtt.driver.kpm33b.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Every number comes out exactly as the meter printed it: {@code BigDecimal.equals}, so the scale counts
 * ({@code 0.000} is not {@code 0}), whatever form the parser keeps it in.
 */
class MessageNumbersTest {

    private static final String ID = "\"id\":\"33B1225950027\"";

    private static MeterMessage parse(String json) {
        return MessageParser.parse("MQTT_RT_DATA", json.getBytes(StandardCharsets.UTF_8));
    }

    /** A message with the number under a known tag (ua) and an unknown one (x). */
    private static MeterMessage withNumber(String text) {
        return parse("{" + ID + ",\"ua\":" + text + ",\"x\":" + text + ",\"time\":\"20260112163900\"}");
    }

    static Stream<String> numbers() {
        return Stream.of(
                // what the meter sends
                "9.735", "229.097", "-0.4930", "6.6905", "0.000", "49.959", "163.486", "230.1", "-0.5",
                // zeros and signs
                "0", "-0", "0.0", "-0.000", "0.0001", "-0.0001", "1", "-1", "10", "100.0", "-7",
                // 18 significant digits fit a long; 19 do not, whatever the value
                "999999999999999999", "-999999999999999999", "922337203685477580", "-922337203685477580",
                "0.123456789012345678", "-12345678.9012345678", "9999999999999999999", "-9999999999999999999",
                "0.1234567890123456789", "1234567890.123456789", "12345678901234567890",
                // around Long.MIN_VALUE / MAX_VALUE
                "9223372036854775807", "-9223372036854775808", "-9223372036854775809", "9223372036854775808",
                "-922337203685477580.8", "-92233720368547758.08",
                // leading zeros after the point are not significant digits, but they are scale
                "0.00000000000000000000123", "-0.000000000000000000000000000000000000000000000000001",
                "0." + "0".repeat(126) + "1", "0." + "0".repeat(127) + "1", "-0." + "0".repeat(200) + "5",
                // exponents
                "1e3", "1E3", "1.0E+3", "1.5E-2", "-2.5e-3", "0e0", "0E-7", "-0.0e5", "12345e-20",
                "1e-200", "1e200", "123456789012345678901234567890e-10");
    }

    @ParameterizedTest
    @MethodSource("numbers")
    void aNumberIsExactlyWhatWasPrinted(String text) {
        BigDecimal expected = new BigDecimal(text);
        MeterMessage m = withNumber(text);
        assertThat(m.error()).isNull();
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.number(0)).isEqualTo(expected);
        assertThat(m.number(0).scale()).isEqualTo(expected.scale());
        assertThat(m.number(0).toString()).isEqualTo(expected.toString());
        assertThat(m.number(1)).isEqualTo(expected);
        assertThat(m.value(Field.UA)).isEqualTo(expected);
        assertThat(m.values()).containsExactly(Map.entry("ua", expected), Map.entry("x", expected));
        assertThat(m.allZero()).isEqualTo(expected.signum() == 0);
        // plain notation of up to 18 significant digits is kept compact; the rest as Jackson's BigDecimal
        boolean fits = text.indexOf('e') < 0 && text.indexOf('E') < 0 && expected.scale() <= MeterMessage.MAX_SCALE
                && expected.unscaledValue().abs().compareTo(BigInteger.TEN.pow(18)) < 0;
        assertThat(m.compact(0)).isEqualTo(fits);
        assertThat(m.compact(1)).isEqualTo(fits);
    }

    @Test
    void theCompactFormsBoundaries() {
        assertThat(withNumber("999999999999999999").compact(0)).isTrue();
        assertThat(withNumber("-0.00000999999999999999999").compact(0)).isTrue();
        assertThat(withNumber("1000000000000000000").compact(0)).isFalse();
        assertThat(withNumber("-9.999999999999999999").compact(0)).isFalse();
        assertThat(withNumber("0." + "0".repeat(126) + "1").compact(0)).isTrue();
        assertThat(withNumber("0." + "0".repeat(127) + "1").compact(0)).isFalse();
        assertThat(withNumber("1e0").compact(0)).isFalse();
    }

    /** The hand-read part: only plain decimal notation, only the token's own characters. */
    @Test
    void onlyPlainDecimalNotationIsReadByHand() {
        for (String odd : List.of("", "-", ".", "-.", "1.2.3", "--1", "+1", "1-", "1e5", "1E-5", "NaN", "-Infinity",
                "0x1F", "1_000", " 1", "1 ", "\u0661")) {
            MeterMessage.Values v = new MeterMessage.Values(4);
            char[] around = ("9" + odd + "9").toCharArray();
            assertThat(MessageParser.putPlain(v, "x", null, around, 1, odd.length())).as(odd).isFalse();
            assertThat(v.message("T", "id", null, null).size()).isZero();
        }
        assertThat(MessageParser.putPlain(new MeterMessage.Values(4), "x", null, null, 0, 0)).isFalse();
        // where Jackson's number sits in its buffer: only offset..offset+length count
        MeterMessage.Values v = new MeterMessage.Values(4);
        char[] buffer = "99-12.3400e9".toCharArray();
        assertThat(MessageParser.putPlain(v, "ua", Field.UA, buffer, 2, 8)).isTrue();
        // forms Jackson rejects by default, read as BigDecimal(String) reads them
        assertThat(MessageParser.putPlain(v, "x", null, "1.".toCharArray(), 0, 2)).isTrue();
        assertThat(MessageParser.putPlain(v, "y", null, ".5".toCharArray(), 0, 2)).isTrue();
        assertThat(MessageParser.putPlain(v, "z", null, "007".toCharArray(), 0, 3)).isTrue();
        MeterMessage m = v.message("T", "id", null, null);
        assertThat(m.values()).containsExactly(Map.entry("ua", new BigDecimal("-12.3400")),
                Map.entry("x", new BigDecimal("1.")), Map.entry("y", new BigDecimal(".5")),
                Map.entry("z", new BigDecimal("007")));
        assertThat(m.field(0)).isEqualTo(Field.UA);
    }

    /** Some firmware quotes numbers: a known tag's string is read as before, surrounding blanks trimmed. */
    @ParameterizedTest
    @MethodSource("numbers")
    void aQuotedNumberOfAKnownTagIsExactlyWhatWasPrinted(String text) {
        BigDecimal expected = new BigDecimal(text);
        MeterMessage m = parse("{" + ID + ",\"ua\":\" " + text + " \",\"ub\":\"" + text + "\"}");
        assertThat(m.error()).isNull();
        assertThat(m.value(Field.UA)).isEqualTo(expected);
        assertThat(m.value(Field.UB)).isEqualTo(expected);
        assertThat(m.allZero()).isEqualTo(expected.signum() == 0);
    }

    /** Every tag of every real message, compared with the token text as a BigDecimal (and Jackson's). */
    @ParameterizedTest
    @ValueSource(strings = { "MQTT_RT_DATA.json", "MQTT_RT_DATA_missing_data.json", "MQTT_ENY_NOW.json",
        "MQTT_ENY_NOW_missing_data.json", "MQTT_ENY_NOW_capture.log", "MQTT_ENY_NOW_capture2.log" })
    void everyTagOfTheFixturesIsWhatTheTokenTextSays(String fixture) throws IOException {
        List<String[]> messages = new ArrayList<>();
        if (fixture.endsWith(".log")) {
            messages.addAll(Fixtures.capture(fixture, "MQTT_ENY_NOW"));
        } else {
            messages.add(new String[] { "T", new String(Fixtures.bytes(fixture), StandardCharsets.UTF_8) });
        }
        int tags = 0;
        for (String[] message : messages) {
            byte[] payload = message[1].getBytes(StandardCharsets.UTF_8);
            Map<String, BigDecimal> expected = tokens(payload);
            MeterMessage m = MessageParser.parse(message[0], payload);
            assertThat(m.error()).as(message[1]).isNull();
            assertThat(m.values()).as(message[1]).containsExactlyEntriesOf(expected);
            assertThat(m.size()).isEqualTo(expected.size());
            int i = 0;
            for (Map.Entry<String, BigDecimal> e : expected.entrySet()) {
                assertThat(m.tag(i)).isEqualTo(e.getKey());
                assertThat(m.number(i)).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(m.number(i).toString()).as(e.getKey()).isEqualTo(e.getValue().toString());
                assertThat(m.compact(i)).as("the meter's numbers take the fast path").isTrue();
                i++;
            }
            assertThat(m.allZero()).isEqualTo(expected.values().stream().allMatch(n -> n.signum() == 0));
            tags += expected.size();
        }
        assertThat(tags).isGreaterThanOrEqualTo(14);
    }

    /** The numeric tags of a flat payload, each as {@code new BigDecimal} of its token text. */
    private static Map<String, BigDecimal> tokens(byte[] payload) throws IOException {
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(payload)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    BigDecimal fromText = new BigDecimal(p.getText());
                    assertThat(p.getDecimalValue()).isEqualTo(fromText);
                    out.put(name, fromText);
                }
            }
        }
        return out;
    }

    @Test
    void aRepeatedTagTakesTheLastValueWhicheverFormEachHas() {
        MeterMessage m = parse("{" + ID + ",\"ua\":1e3,\"ub\":230.1,\"x\":1.5E-2,\"ua\":0.000,\"ub\":-1E+2,"
                + "\"x\":12345678901234567890}");
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.values()).containsExactly(Map.entry("ua", new BigDecimal("0.000")),
                Map.entry("ub", new BigDecimal("-1E+2")), Map.entry("x", new BigDecimal("12345678901234567890")));
        // the replaced exponent number must not linger behind the zero that replaced it
        MeterMessage zeros = parse("{" + ID + ",\"ua\":1e3,\"x\":7E1,\"ua\":0.000,\"x\":\"0\",\"x\":-0}");
        assertThat(zeros.values()).containsExactly(Map.entry("ua", new BigDecimal("0.000")),
                Map.entry("x", BigDecimal.ZERO));
        assertThat(zeros.allZero()).isTrue();
        MeterMessage notZeros = parse("{" + ID + ",\"ua\":0.0,\"ub\":0,\"ua\":1e-9}");
        assertThat(notZeros.allZero()).isFalse();
        assertThat(notZeros.number(0)).isEqualTo(new BigDecimal("1E-9"));
    }

    @Test
    void allZeroLooksAtEveryNumberInEitherForm() {
        assertThat(parse("{" + ID + ",\"ua\":0.000,\"ub\":0,\"uc\":-0.0,\"x\":0E-7,\"y\":-0e5}").allZero()).isTrue();
        assertThat(parse("{" + ID + ",\"ua\":0.000,\"ub\":0,\"x\":0E-7,\"y\":1e-30}").allZero()).isFalse();
        assertThat(parse("{" + ID + ",\"ua\":0.000,\"x\":0E-7,\"ub\":-0.001}").allZero()).isFalse();
        assertThat(parse("{" + ID + ",\"ua\":0.000,\"ub\":12345678901234567890}").allZero()).isFalse();
        assertThat(parse("{" + ID + ",\"ua\":0.000,\"ub\":\"0.0\",\"uc\":\"-0.1\"}").allZero()).isFalse();
        // nothing is not all zeros
        assertThat(parse("{" + ID + ",\"time\":\"20260112163900\"}").allZero()).isFalse();
        assertThat(Fixtures.capture("MQTT_ENY_NOW_capture.log", "MQTT_ENY_NOW").stream()
                .map(l -> MessageParser.parse(l[0], l[1].getBytes(StandardCharsets.UTF_8)))
                .filter(MeterMessage::allZero).map(MeterMessage::id)).contains("33B1225950029");
    }

    @Test
    void splitPacketsMergeNumbersOfEitherFormExactly() {
        MeterMessage first = parse("{" + ID + ",\"ua\":1e3,\"ib\":0.000,\"x\":5,\"big\":12345678901234567890,"
                + "\"isend\":\"0\"}");
        MeterMessage second = parse("{" + ID + ",\"ua\":230.20,\"ic\":1.5E-2,\"big\":-0.5,\"isend\":\"1\"}");
        MeterMessage m = first.merged(second);
        assertThat(m.values()).containsExactly(Map.entry("ua", new BigDecimal("230.20")),
                Map.entry("ib", new BigDecimal("0.000")), Map.entry("x", new BigDecimal("5")),
                Map.entry("big", new BigDecimal("-0.5")), Map.entry("ic", new BigDecimal("1.5E-2")));
        assertThat(m.field(0)).isEqualTo(Field.UA);
        assertThat(m.field(2)).isNull();
        assertThat(m.field(4)).isEqualTo(Field.IC);
        assertThat(m.value(Field.IC)).isEqualTo(new BigDecimal("0.015"));
        assertThat(m.allZero()).isFalse();
        // the packets themselves are unchanged
        assertThat(first.values()).containsExactly(Map.entry("ua", new BigDecimal("1E+3")),
                Map.entry("ib", new BigDecimal("0.000")), Map.entry("x", new BigDecimal("5")),
                Map.entry("big", new BigDecimal("12345678901234567890")));
        assertThat(second.values()).containsExactly(Map.entry("ua", new BigDecimal("230.20")),
                Map.entry("ic", new BigDecimal("0.015")), Map.entry("big", new BigDecimal("-0.5")));
        // an exponent number arriving only in the later packet
        MeterMessage compactOnly = parse("{" + ID + ",\"ua\":0.000,\"isend\":\"0\"}");
        MeterMessage later = parse("{" + ID + ",\"ub\":0E-3,\"isend\":\"1\"}");
        MeterMessage zeros = compactOnly.merged(later);
        assertThat(zeros.values()).containsExactly(Map.entry("ua", new BigDecimal("0.000")),
                Map.entry("ub", new BigDecimal("0E-3")));
        assertThat(zeros.allZero()).isTrue();
        assertThat(compactOnly.merged(parse("{" + ID + ",\"ua\":1e-3}")).allZero()).isFalse();
    }

    @Test
    void manyTagsOfBothFormsKeepTheirOrderAndValues() {
        StringBuilder json = new StringBuilder("{" + ID);
        Map<String, BigDecimal> expected = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            String text = i % 7 == 3 ? i + "E-" + (i % 5) : i % 2 == 0 ? "-" + i + "." + i : i + ".000";
            json.append(",\"t").append(i).append("\":").append(text);
            expected.put("t" + i, new BigDecimal(text));
        }
        for (Field f : Field.values()) {
            String text = f.ordinal() % 4 == 0 ? "1e" + f.ordinal() : f.ordinal() + ".5";
            json.append(",\"").append(f.tag()).append("\":").append(text);
            expected.put(f.tag(), new BigDecimal(text));
        }
        MeterMessage m = parse(json.append('}').toString());
        assertThat(m.values()).containsExactlyEntriesOf(expected);
        for (Field f : Field.values()) {
            assertThat(m.value(f)).isEqualTo(expected.get(f.tag()));
        }
        for (int i = 0; i < m.size(); i++) {
            assertThat(m.field(i)).isEqualTo(Field.byTag(m.tag(i)));
            assertThat(m.number(i)).isEqualTo(expected.get(m.tag(i)));
        }
    }
}
