package org.meter2mqtt.simulators.kmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The simulator against the published KMP frames (docs/protocols.md), independent of the driver's codec. */
class KmpResponderTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(b);
    }

    @Test
    void crcCheckValue() {
        assertThat(KmpResponder.crc("123456789".getBytes(StandardCharsets.US_ASCII), 9)).isEqualTo(0x31C3);
    }

    @Test
    void answersThePublishedVolumeRequestWithThePublishedRecord() {
        KmpResponder meter = new KmpResponder("402", new KmpResponder.Options());
        byte[] answer = meter.respond(hex("80 3F 10 01 00 44 4D C0 0D"));
        // 40 3F 10, then the published record 00 44 28 04 43 00 0C AF AB (831.403 m³), CRC, 0D.
        assertThat(hex(answer)).startsWith("40 3F 10 00 44 28 04 43 00 0C AF AB ").endsWith(" 0D");
        assertThat(KmpResponder.crc(unstuffedBody(answer), unstuffedBody(answer).length)).isZero();
        assertThat(meter.served().get(0x0044)).containsExactly(new BigDecimal("831.403"));
    }

    @ParameterizedTest
    @CsvSource({"402,false", "403,false", "603,true", "601,true", "801,true"})
    void modelsWithoutT3LeaveItOutOfTheAnswer(String model, boolean hasT3) {
        KmpResponder meter = new KmpResponder(model, new KmpResponder.Options());
        // GetRegister 0x0056 (T1) and 0x0058 (T3); CRC added here with the simulator's own CRC.
        byte[] body = hex("3F 10 02 00 56 00 58");
        int crc = KmpResponder.crc(body, body.length);
        byte[] req = new byte[body.length + 4];
        req[0] = (byte) 0x80;
        System.arraycopy(body, 0, req, 1, body.length);
        req[body.length + 1] = (byte) (crc >> 8);
        req[body.length + 2] = (byte) crc;
        req[body.length + 3] = 0x0D;
        assertThat(hasStuffable(req)).as("test request must not need stuffing").isFalse();
        meter.respond(req);
        assertThat(meter.served()).containsKey(0x0056);
        assertThat(meter.served().containsKey(0x0058)).isEqualTo(hasT3);
    }

    @Test
    void stuffsReservedBytesAndEchoesWhenAsked() throws Exception {
        KmpResponder.Options o = new KmpResponder.Options();
        o.echo = true;
        KmpResponder meter = new KmpResponder("403", o);
        byte[] body = hex("3F 10 01 03 EC");
        int crc = KmpResponder.crc(body, body.length);
        byte[] req = hex("80 3F 10 01 03 EC " + String.format("%02X %02X", crc >> 8, crc & 0xFF) + " 0D");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        meter.serve(new ByteArrayInputStream(req), out);
        String reply = hex(out.toByteArray());
        assertThat(reply).startsWith(hex(req) + " 40 3F 10 03 EC 2E 04 00 00 00 1B BF 1B F9");
        assertThat(meter.served().get(0x03EC)).containsExactly(new BigDecimal(0x4006));
    }

    @Test
    void ignoresRequestsWithABadCrc() {
        KmpResponder meter = new KmpResponder("402", new KmpResponder.Options());
        assertThat(meter.respond(hex("80 3F 10 01 00 44 4D C1 0D"))).isNull();
        assertThat(meter.served()).isEmpty();
    }

    @Test
    void injectedFaultsHappenAtAboutTheirRate() {
        KmpResponder.Options o = new KmpResponder.Options();
        o.crcErrorRate = 0.1;
        o.noAnswerRate = 0.1;
        o.seed = 42;
        KmpResponder meter = new KmpResponder("402", o);
        int bad = 0;
        for (int i = 0; i < 1000; i++) {
            byte[] a = meter.respond(hex("80 3F 10 01 00 44 4D C0 0D"));
            if (a == null || KmpResponder.crc(unstuffedBody(a), unstuffedBody(a).length) != 0) {
                bad++;
            }
        }
        assertThat(meter.unanswered()).isBetween(60L, 140L);
        assertThat(meter.corruptedAnswers()).isBetween(50L, 130L);
        assertThat(bad).isEqualTo((int) (meter.unanswered() + meter.corruptedAnswers()));
    }

    private static boolean hasStuffable(byte[] frame) {
        for (int i = 1; i < frame.length - 1; i++) {
            int v = frame[i] & 0xFF;
            if (v == 0x80 || v == 0x40 || v == 0x0D || v == 0x06 || v == 0x1B) {
                return true;
            }
        }
        return false;
    }

    /** Body and CRC of an answer (after the echo, between 0x40 and 0x0D), unstuffed. */
    private static byte[] unstuffedBody(byte[] answer) {
        int start = 0;
        while ((answer[start] & 0xFF) != 0x40) {
            start++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = start + 1; i < answer.length - 1; i++) {
            int v = answer[i] & 0xFF;
            out.write(v == 0x1B ? (answer[++i] & 0xFF) ^ 0xFF : v);
        }
        return out.toByteArray();
    }
}
