package org.meter2mqtt.driver.dsmr.p1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class P1ParserTest {

    private static final class Collect implements P1Parser.Listener {
        final List<Telegram> telegrams = new ArrayList<>();
        final List<String> errors = new ArrayList<>();

        @Override
        public void telegram(Telegram telegram) {
            telegrams.add(telegram);
        }

        @Override
        public void invalid(String reason) {
            errors.add(reason);
        }
    }

    @Test
    void crcIsCrc16Arc() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(Crc16.of(check, 0, check.length)).isEqualTo(0xBB3D);
    }

    @Test
    void telegramWithoutEndIsDroppedAtTheLengthLimitAndTheNextOneIsRead() {
        Collect c = new Collect();
        P1Parser p = new P1Parser(c, P1Parser.CrcPolicy.AUTO, 256);
        byte[] runaway = ("/XXX5 runaway\r\n\r\n" + "1-0:1.8.1(000001.000*kWh)\r\n".repeat(20))
                .getBytes(StandardCharsets.US_ASCII);
        p.parse(runaway, 0, runaway.length);
        byte[] good = "/XXX5 ok\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!\r\n".getBytes(StandardCharsets.US_ASCII);
        p.parse(good, 0, good.length);
        assertThat(c.errors).singleElement().asString().contains("no telegram end");
        assertThat(c.telegrams).singleElement().extracting(Telegram::header).isEqualTo("XXX5 ok");
    }

    @Test
    void badChecksumFieldIsRejected() {
        Collect c = new Collect();
        P1Parser p = new P1Parser(c, P1Parser.CrcPolicy.AUTO);
        byte[] b = "/X\r\n\r\n1-0:1.8.1(1*kWh)\r\n!12G4\r\n".getBytes(StandardCharsets.US_ASCII);
        p.parse(b, 0, b.length);
        assertThat(c.telegrams).isEmpty();
        assertThat(c.errors).singleElement().asString().contains("bad checksum field");
    }

    @ParameterizedTest
    @CsvSource({
        "201025025959S, Europe/Amsterdam, 2020-10-25T00:59:59Z",
        "201025020000W, Europe/Amsterdam, 2020-10-25T01:00:00Z",
        "200329015959W, Europe/Amsterdam, 2020-03-29T00:59:59Z",
        "200329030000S, Europe/Amsterdam, 2020-03-29T01:00:00Z",
        "161107190000,  Europe/Amsterdam, 2016-11-07T18:00:00Z",
        "160707190000,  Europe/Amsterdam, 2016-07-07T17:00:00Z",
        "230702120000S, Europe/Dublin,    2023-07-02T11:00:00Z",
        "230102120000W, Europe/Dublin,    2023-01-02T12:00:00Z",
    })
    void timestampsToUtc(String text, String zone, String utc) {
        assertThat(new P1Time(ZoneId.of(zone)).parse(text)).isEqualTo(Instant.parse(utc));
    }

    @ParameterizedTest
    @CsvSource({"632525252525W", "2010250259S", "201025025959X", "20102502595AS", "''"})
    void badTimestampsAreNull(String text) {
        assertThat(new P1Time(ZoneId.of("Europe/Amsterdam")).parse(text)).isNull();
    }

    @Test
    void hexTextIsDecodedOnlyWhenItIsPrintableHex() {
        assertThat(HexText.decode("4B384547303034303436333935353037")).isEqualTo("K8EG004046395507");
        assertThat(HexText.decode("09610")).isEqualTo("09610");
        assertThat(HexText.decode("00000000")).isEqualTo("00000000");
        assertThat(HexText.decode("")).isEmpty();
    }

    // ---- Smarty: frames built here with the JDK cipher, as the meter builds them ----

    private static final byte[] KEY = SmartyDecrypter.parseKey("000102030405060708090A0B0C0D0E0F");

    static byte[] smartyFrame(byte[] key, byte[] plaintext, int frameCounter) throws GeneralSecurityException {
        byte[] title = "SAG12345".getBytes(StandardCharsets.US_ASCII);
        byte[] iv = new byte[12];
        System.arraycopy(title, 0, iv, 0, 8);
        iv[8] = (byte) (frameCounter >>> 24);
        iv[9] = (byte) (frameCounter >>> 16);
        iv[10] = (byte) (frameCounter >>> 8);
        iv[11] = (byte) frameCounter;
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(96, iv));
        c.updateAAD(new byte[] {0x30});
        c.updateAAD(SmartyDecrypter.AUTHENTICATION_KEY);
        byte[] sealed = c.doFinal(plaintext); // ciphertext + 12-byte tag
        int body = 1 + 4 + sealed.length;
        byte[] frame = new byte[2 + 8 + 3 + body];
        frame[0] = (byte) 0xDB;
        frame[1] = 8;
        System.arraycopy(title, 0, frame, 2, 8);
        frame[10] = (byte) 0x82;
        frame[11] = (byte) (body >>> 8);
        frame[12] = (byte) body;
        frame[13] = 0x30;
        System.arraycopy(iv, 8, frame, 14, 4);
        System.arraycopy(sealed, 0, frame, 18, sealed.length);
        return frame;
    }

    private static byte[] v5() throws IOException {
        return Files.readAllBytes(resource("telegram_v5.telegram"));
    }

    @Test
    void smartyFramesAreDecryptedBetweenGarbageAndInAnyChunking() throws Exception {
        byte[] frame = smartyFrame(KEY, v5(), 1);
        byte[] garbage = new byte[37];
        new SecureRandom().nextBytes(garbage);
        for (int i = 0; i < garbage.length; i++) {
            if ((garbage[i] & 0xFF) == 0xDB) {
                garbage[i] = 0;
            }
        }
        byte[] stream = concat(garbage, frame, garbage, smartyFrame(KEY, v5(), 2));
        for (int chunk : new int[] {1, 5, stream.length}) {
            Collect c = new Collect();
            SmartyDecrypter d = new SmartyDecrypter(KEY.clone(), c);
            for (int off = 0; off < stream.length; off += chunk) {
                d.parse(stream, off, Math.min(chunk, stream.length - off));
            }
            assertThat(c.errors).as("chunk %d", chunk).isEmpty();
            assertThat(c.telegrams).hasSize(2).allMatch(Telegram::crcChecked);
            assertThat(c.telegrams.get(0).find(Obis.parse("1-0:1.8.1")).value(0)).isEqualTo("000004.426*kWh");
        }
    }

    @Test
    void smartyFrameWithWrongKeyOrFlippedBitIsRejected() throws Exception {
        Collect c = new Collect();
        byte[] other = SmartyDecrypter.parseKey("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
        byte[] wrongKey = smartyFrame(other, v5(), 7);
        byte[] flipped = smartyFrame(KEY, v5(), 8);
        flipped[100] ^= 0x01;
        byte[] good = smartyFrame(KEY, v5(), 9);
        SmartyDecrypter d = new SmartyDecrypter(KEY.clone(), c);
        byte[] all = concat(wrongKey, flipped, good);
        d.parse(all, 0, all.length);
        assertThat(c.errors).hasSize(2).allMatch(e -> e.contains("failed authentication"));
        assertThat(c.telegrams).hasSize(1);
    }

    @Test
    void smartyKeyMustBe32HexDigits() {
        assertThat(SmartyDecrypter.parseKey("00112233")).isNull();
        assertThat(SmartyDecrypter.parseKey("0011223344556677889900112233445Z")).isNull();
        assertThat(SmartyDecrypter.parseKey(" 00112233445566778899aabbccddeeff ")).hasSize(16);
    }

    /** House rule: protocol code is plain Java. */
    @Test
    void protocolPackageImportsNothingFromOsgiOrTheDriverApi() throws IOException {
        Path dir = Paths.get("src/main/java/org/meter2mqtt/driver/dsmr/p1");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toList());
            assertThat(sources).isNotEmpty();
            for (Path f : sources) {
                String src = Files.readString(f);
                assertThat(src).as(f.toString()).doesNotContain("import org.osgi").doesNotContain("org.apache.karaf")
                        .doesNotContain("org.eclipse.paho").doesNotContain("import org.meter2mqtt.api");
            }
        }
    }

    static Path resource(String name) {
        return Paths.get("src/test/resources/org/meter2mqtt/driver/dsmr/p1", name);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
