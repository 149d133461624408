package org.meter2mqtt.simulators.dsmr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DsmrSimulatorTest {

    private static final Instant SUMMER = Instant.parse("2020-07-01T10:00:00Z");

    @Test
    void crcCheckValue() {
        assertThat(SimCrc.crc16("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xBB3D);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4", "5", "be"})
    void modernTelegramsCarryTheirCrc(String version) {
        String t = text(new TelegramBuilder(TelegramBuilder.Version.of(version), 2).build(3, SUMMER));
        int bang = t.indexOf('!');
        byte[] body = t.substring(0, bang + 1).getBytes(StandardCharsets.US_ASCII);
        assertThat(t.substring(bang + 1)).isEqualTo(String.format("%04X\r\n", SimCrc.crc16(body)));
        assertThat(t).contains("0-0:1.0.0(200701120000S)").contains("1-0:1.8.1(001234.597*kWh)")
                .contains("0-1:24.2.1(700101010000W)(00000000)");
    }

    @Test
    void oldTelegramsHaveTwoLineGasAndNoCrc() {
        String t = text(new TelegramBuilder(TelegramBuilder.Version.V2_2, 1).build(0, SUMMER));
        assertThat(t).endsWith("!\r\n").contains("0-1:24.3.0(200701120000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(");
    }

    @Test
    void faultsAreInjectedOnSchedule() throws Exception {
        TelegramBuilder b = new TelegramBuilder(TelegramBuilder.Version.V5, 1);
        DsmrSimulator sim = new DsmrSimulator(b, null, 2, 3, 0, false);
        assertThat(sim.telegram(0, SUMMER)).isEqualTo(b.build(0, SUMMER));
        String corrupt = text(sim.telegram(1, SUMMER));
        int bang = corrupt.indexOf('!');
        assertThat(corrupt.substring(bang + 1, bang + 5)).isNotEqualTo(
                String.format("%04X", SimCrc.crc16(corrupt.substring(0, bang + 1).getBytes(StandardCharsets.US_ASCII))));
        assertThat(sim.telegram(2, SUMMER)).hasSize(b.build(2, SUMMER).length / 2);
    }

    @Test
    void garbageNeverContainsAStartCharacter() throws Exception {
        DsmrSimulator sim = new DsmrSimulator(new TelegramBuilder(TelegramBuilder.Version.V5, 1), null, 0, 0, 1, false);
        byte[] t = sim.telegram(0, SUMMER);
        int start = 0;
        while ((t[start] & 0x7F) != '/') {
            start++;
        }
        assertThat(start).isGreaterThanOrEqualTo(16);
        assertThat(Arrays.copyOfRange(t, start, t.length)).startsWith("/ISK5".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void smartyFramesHaveTheDlmsHeader() throws Exception {
        byte[] f = new SmartyFrames("000102030405060708090A0B0C0D0E0F").wrap(new byte[100]);
        assertThat(f[0] & 0xFF).isEqualTo(0xDB);
        assertThat(f[1]).isEqualTo((byte) 8);
        assertThat(f[10] & 0xFF).isEqualTo(0x82);
        assertThat(((f[11] & 0xFF) << 8) | (f[12] & 0xFF)).isEqualTo(1 + 4 + 100 + 12);
        assertThat(f[13]).isEqualTo((byte) 0x30);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
