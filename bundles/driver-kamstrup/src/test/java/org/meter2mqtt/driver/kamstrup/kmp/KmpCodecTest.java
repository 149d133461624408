package org.meter2mqtt.driver.kamstrup.kmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The codec against the published KMP frames (docs/protocols.md), and round trips. */
class KmpCodecTest {

    @Test
    void crcCheckValue() {
        assertThat(Crc16Xmodem.compute("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x31C3);
    }

    /** Published requests, built from their register ids: bytes, CRC and all. */
    @ParameterizedTest
    @CsvSource({
        "0x0044, 80 3F 10 01 00 44 4D C0 0D",
        "0x03EA, 80 3F 10 01 03 EA 4C B7 0D"})
    void publishedRequests(String register, String frame) {
        byte[] built = GetRegister.request(KmpFrames.ADDRESS_HEAT_METER, List.of(Integer.decode(register)));
        assertThat(Hex.format(built)).isEqualTo(frame);
    }

    /** Published answers: register, unit, exact value, CRC; and rebuilding the frame gives the same bytes. */
    @ParameterizedTest
    @CsvSource({
        "40 3F 10 00 1B 7F 16 04 11 01 2A F0 24 63 03 0D, 0x0080, 0x16, 1959120400000000000000000, 0x6303",
        "40 3F 10 03 E9 33 04 00 04 83 DA 69 CC A0 0D,    0x03E9, 0x33, 75749993,                  0xCCA0",
        "40 3F 10 03 EA 2F 04 00 00 03 0E 33 B2 32 0D,    0x03EA, 0x2F, 200243,                    0xB232"})
    void publishedAnswers(String frame, String register, String unit, String value, String crc) {
        List<KmpFrame> frames = new ArrayList<>();
        byte[] bytes = Hex.parse(frame);
        new KmpFrameReader(frames::add).parse(bytes, bytes.length);
        assertThat(frames).hasSize(1);
        KmpFrame f = frames.get(0);
        assertThat(f.status()).isEqualTo(KmpFrame.Status.OK);
        assertThat(Crc16Xmodem.compute(f.body())).isEqualTo(Integer.decode(crc));

        GetRegister.Response r = GetRegister.decode(f.body());
        assertThat(r.problem()).isNull();
        RegisterValue v = r.values().get(Integer.decode(register));
        assertThat(v.unitCode()).isEqualTo(Integer.decode(unit));
        assertThat(v.value()).isEqualByComparingTo(new BigDecimal(value));
        assertThat(Hex.format(KmpFrames.frame(KmpFrames.START_RESPONSE, f.body()))).isEqualTo(frame);
    }

    @Test
    void publishedVolumeRecord() {
        GetRegister.Response r = GetRegister.decode(Hex.parse("3F 10 00 44 28 04 43 00 0C AF AB"));
        RegisterValue v = r.values().get(0x0044);
        assertThat(v.unit()).isEqualTo(KmpUnit.M3);
        assertThat(v.value()).isEqualTo(new BigDecimal("831.403"));
    }

    /** Published numbers (L, SIEX, mantissa) and their exact values. */
    @ParameterizedTest
    @CsvSource({
        "04 C2 00 00 30 39, -123.45",
        "04 03 05 39 7F B1, 87654321000",
        "04 43 00 0C AF AB, 831.403",
        "01 00 00,          0",
        "02 C1 00 7B,       -12.3",
        "04 80 00 00 00 01, -1"})
    void publishedAndEdgeNumbers(String bytes, String expected) {
        byte[] b = Hex.parse(bytes);
        BigDecimal v = KmpNumber.decode(b[1] & 0xFF, b, 2, b[0] & 0xFF);
        assertThat(v).isEqualTo(new BigDecimal(expected));
        assertThat(v.toPlainString()).isEqualTo(expected);
    }

    @Test
    void encodesThePublishedPositiveExponentExample() {
        BigDecimal v = new BigDecimal(BigInteger.valueOf(87654321), -3);
        assertThat(Hex.format(KmpNumber.encode(v))).isEqualTo("04 03 05 39 7F B1");
        assertThat(Hex.format(KmpNumber.encode(new BigDecimal("-123.45")))).isEqualTo("02 C2 30 39");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "-1", "831.403", "-123.45", "0.001", "-0.000001", "4294967295",
        "-99999999.99", "65.43", "-5.25", "12345678901234567890", "1E+20"})
    void numberRoundTrip(String value) {
        BigDecimal v = new BigDecimal(value);
        byte[] enc = KmpNumber.encode(v);
        assertThat(KmpNumber.decode(enc[1] & 0xFF, enc, 2, enc[0] & 0xFF)).isEqualByComparingTo(v);
    }

    /** Each reserved byte goes out as 1B and its complement, and comes back. */
    @ParameterizedTest
    @CsvSource({"80, 1B 7F", "40, 1B BF", "0D, 1B F2", "06, 1B F9", "1B, 1B E4", "41, 41", "00, 00", "FF, FF"})
    void stuffing(String raw, String stuffed) {
        assertThat(Hex.format(KmpFrames.stuff(Hex.parse(raw)))).isEqualTo(stuffed);
        assertThat(Hex.format(KmpFrames.unstuff(Hex.parse(stuffed)))).isEqualTo(raw);
    }

    @Test
    void everyByteValueSurvivesStuffing() {
        byte[] all = new byte[256];
        IntStream.range(0, 256).forEach(i -> all[i] = (byte) i);
        byte[] stuffed = KmpFrames.stuff(all);
        assertThat(stuffed).hasSize(256 + 5);
        for (byte b : stuffed) {
            int v = b & 0xFF;
            assertThat(v != 0x80 && v != 0x40 && v != 0x0D && v != 0x06).isTrue();
        }
        assertThat(KmpFrames.unstuff(stuffed)).isEqualTo(all);
        assertThat(KmpFrames.unstuff(Hex.parse("3F 1B"))).isNull();
    }

    /** A full answer with stuffed mantissa bytes and negative values: encode, frame, read back. */
    @Test
    void answerRoundTripWithStuffedBytesAndNegatives() {
        List<RegisterValue> sent = List.of(new RegisterValue(0x03EC, 0x2E, new BigDecimal(0x4006)),
                new RegisterValue(0x0058, 0x25, new BigDecimal("-5.25")),
                new RegisterValue(0x007C, 0x29, new BigDecimal(0x0780)),
                new RegisterValue(0x0091, 0x16, new BigDecimal("1.3")),
                new RegisterValue(0x006E, 0x2B, new BigDecimal(0x1B1B)));
        byte[] frame = KmpFrames.frame(KmpFrames.START_RESPONSE, answerBody(sent));
        assertThat(Hex.format(frame)).contains("1B BF 1B F9").contains("1B 7F").contains("1B E4 1B E4");

        List<KmpFrame> frames = new ArrayList<>();
        KmpFrameReader reader = new KmpFrameReader(frames::add);
        for (byte b : frame) {
            reader.parse(new byte[] {b}, 1); // one byte at a time, as a slow serial line delivers them
        }
        assertThat(frames).extracting(KmpFrame::status).containsExactly(KmpFrame.Status.OK);
        assertThat(GetRegister.decode(frames.get(0).body()).values().values()).containsExactlyElementsOf(sent);
    }

    @Test
    void readerSkipsEchoAndNoiseAndFlagsCorruptFrames() {
        byte[] request = GetRegister.request(0x3F, List.of(0x0044));
        byte[] answer = Hex.parse("40 3F 10 03 E9 33 04 00 04 83 DA 69 CC A0 0D");
        byte[] corrupt = answer.clone();
        corrupt[8] ^= 0x10;
        byte[] stream = concat(Hex.parse("00 FF 06"), request, answer, Hex.parse("12 40 3F"), corrupt);
        List<KmpFrame> frames = new ArrayList<>();
        KmpFrameReader reader = new KmpFrameReader(frames::add);
        reader.parse(stream, stream.length);
        assertThat(frames).extracting(KmpFrame::start, KmpFrame::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0x80, KmpFrame.Status.OK),
                org.assertj.core.groups.Tuple.tuple(0x40, KmpFrame.Status.OK),
                org.assertj.core.groups.Tuple.tuple(0x40, KmpFrame.Status.CRC_ERROR));
        assertThat(reader.skippedBytes()).isEqualTo(3 + 1 + 2); // noise, the stray 12, and the cut-off 40 3F
    }

    @Test
    void readerRejectsShortAndOverlongFrames() {
        List<KmpFrame> frames = new ArrayList<>();
        KmpFrameReader reader = new KmpFrameReader(frames::add);
        byte[] shortFrame = Hex.parse("40 3F 10 0D");
        reader.parse(shortFrame, shortFrame.length);
        byte[] longFrame = new byte[KmpFrameReader.MAX_FRAME + 10];
        longFrame[0] = 0x40;
        reader.parse(longFrame, longFrame.length);
        assertThat(frames).extracting(KmpFrame::status)
                .containsExactly(KmpFrame.Status.MALFORMED, KmpFrame.Status.MALFORMED);
    }

    @Test
    void requestsSplitIntoGroupsOfEight() {
        List<Integer> ids = new ArrayList<>();
        for (KmpRegister r : KmpRegister.values()) {
            ids.add(r.id());
        }
        List<List<Integer>> groups = GetRegister.split(ids);
        assertThat(groups).extracting(List::size).containsExactly(8, 8, 8, 8);
        assertThat(groups.stream().flatMap(List::stream)).containsExactlyElementsOf(ids);
        assertThat(GetRegister.split(ids.subList(0, 17))).extracting(List::size).containsExactly(8, 8, 1);
        assertThatThrownBy(() -> GetRegister.request(0x3F, ids.subList(0, 9)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
        "3F 10 00 44 28 04 43 00 0C AF, announces", // mantissa one byte short
        "3F 10 00 44 28,               truncated",
        "3F 11 00 44,                   not a GetRegister",
        "3F 10 00 44 28 00 43,          announces 0"})
    void malformedAnswersAreProblemsNotExceptions(String body, String problem) {
        GetRegister.Response r = GetRegister.decode(Hex.parse(body));
        assertThat(r.ok()).isFalse();
        assertThat(r.values()).isEmpty();
        assertThat(r.problem()).containsIgnoringCase(problem.trim().split(" ")[0]);
    }

    @Test
    void answerWithoutUnknownRegistersMatchesById() {
        // asked for 0x0058 (T3, unknown to a 402) and 0x0044; the meter answers 0x0044 only
        GetRegister.Response r = GetRegister.decode(Hex.parse("3F 10 00 44 28 04 43 00 0C AF AB"));
        assertThat(r.values()).containsOnlyKeys(0x0044);
        assertThat(GetRegister.decode(Hex.parse("3F 10")).values()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "120,       LITRE_PER_HOUR, M3_PER_HOUR, 0.120",
        "523,       LITRE_PER_HOUR, M3_PER_HOUR, 0.523",
        "1.234,     GJ,             KWH,         342.7778",
        "1234.567,  GJ,             GJ,          1234.567",
        "12345,     KWH,            MWH,         12.345",
        "12000,     KWH,            MWH,         12.000",
        "1.234,     GJ,             MJ,          1234",
        "123.4,     GJ_TIMES_10,    GJ,          1234",
        "831403,    LITRE,          M3,          831.403",
        "83.1,      M3_TIMES_10,    M3,          831",
        "12.3,      KW_21,          KW,          12.3",
        "25.31,     KELVIN,         CELSIUS,     25.31",
        "90,        MINUTES,        HOURS,       1.5"})
    void unitConversions(String value, KmpUnit from, KmpUnit to, String expected) {
        assertThat(from.convert(new BigDecimal(value), to)).hasValue(new BigDecimal(expected));
    }

    @Test
    void noConversionAcrossDimensions() {
        assertThat(KmpUnit.GJ.convert(BigDecimal.ONE, KmpUnit.KW)).isEmpty();
        assertThat(KmpUnit.fromCode(0x41)).isEmpty();
        assertThat(KmpUnit.fromCode(0x15)).hasValue(KmpUnit.KW_21);
    }

    static byte[] answerBody(List<RegisterValue> values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x3F);
        out.write(0x10);
        for (RegisterValue v : values) {
            out.write(v.id() >> 8);
            out.write(v.id());
            out.write(v.unitCode());
            out.writeBytes(KmpNumber.encode(v.value()));
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
