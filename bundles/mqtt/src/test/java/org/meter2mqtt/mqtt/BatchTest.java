package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The disk record of a batch: exact round trips, and records of the first format still read after an upgrade. */
class BatchTest {

    private static final String NASTY = "a\u0000b é \u20ac \ud83d\ude00 \"q\"";

    @Test
    void everyKindOfValueSurvivesTheRoundTripExactly() throws IOException {
        List<Batch.Value> values = new ArrayList<>();
        for (String n : new String[] { "0", "-0.000", "1234.500", "1E-7", "1.5E+10", "-9223372036854775808",
                "922337203685477580.7", "99999999999999999999999.123456789", "1E+40000", "123E-32768" }) {
            values.add(new Batch.Value("n" + values.size(), new BigDecimal(n), null));
        }
        values.add(new Batch.Value("text", null, NASTY));
        values.add(new Batch.Value("kanal_\u00e4\u20ac", new BigDecimal("2.5"), null));
        Batch b = new Batch("dr\u00efver", "device " + NASTY, Instant.parse("2024-03-01T10:15:30.123456789Z"), values);

        Batch back = Batch.decode(b.encode());

        assertThat(back.driver()).isEqualTo(b.driver());
        assertThat(back.device()).isEqualTo(b.device());
        assertThat(back.timestamp()).isEqualTo(b.timestamp());
        assertThat(back.values()).hasSameSizeAs(values);
        for (int i = 0; i < values.size(); i++) {
            Batch.Value want = values.get(i);
            Batch.Value got = back.values().get(i);
            assertThat(got.channel()).isEqualTo(want.channel());
            assertThat(got.text()).isEqualTo(want.text());
            // equals, not compareTo: the scale (trailing zeros the meter sent) is kept too
            assertThat(got.number()).isEqualTo(want.number());
            assertThat(got.formatted()).isEqualTo(want.formatted());
        }
    }

    @Test
    void aBatchOverThePublishersArraysReadsOnlyItsSizeAndLeavesOutWhatIsDropped() throws IOException {
        // arrays longer than the batch, as the publisher fills them when it skips a failed reading
        String[] channels = { "energy", "status", "power", "skipped" };
        BigDecimal[] numbers = { new BigDecimal("12.500"), null, new BigDecimal("-3"), BigDecimal.TEN };
        String[] texts = { null, "ok", null, null };
        Batch b = Batch.of("d", "e", Instant.EPOCH, channels, numbers, texts, 3);

        assertThat(b.size()).isEqualTo(3);
        assertThat(b.formatted(0)).isEqualTo("12.500").isSameAs(b.formatted(0));
        assertThat(b.text(0)).isNull();
        assertThat(b.number(1)).isNull();
        assertThat(b.text(1)).isEqualTo("ok");
        assertThat(b.formatted(1)).isEqualTo("ok");
        assertThat(b.values()).extracting(Batch.Value::channel).containsExactly("energy", "status", "power");
        assertThat(Batch.decode(b.encode()).values()).extracting(Batch.Value::formatted)
                .containsExactly("12.500", "ok", "-3");

        Batch kept = b.without(new boolean[] { true, false, false });
        assertThat(kept.values()).extracting(Batch.Value::channel).containsExactly("status", "power");
        assertThat(kept.text(0)).isEqualTo("ok");
        assertThat(kept.number(1)).isEqualByComparingTo("-3");
        assertThat(b.without(new boolean[3])).isSameAs(b);
        assertThat(b.without(new boolean[] { true, true, true })).isNull();

        Batch numbersOnly = Batch.of("d", "e", Instant.EPOCH, channels, numbers, null, 1);
        assertThat(numbersOnly.text(0)).isNull();
        assertThat(numbersOnly.without(new boolean[] { false }).formatted(0)).isEqualTo("12.500");
    }

    @Test
    void oneEncoderReusedForBatchesOfEverySizeGivesTheSameRecordsAsEncode() throws IOException {
        Batch.Encoder encoder = new Batch.Encoder();
        List<Batch> batches = new ArrayList<>();
        batches.add(new Batch("d", "small", Instant.EPOCH, List.of(new Batch.Value("c", BigDecimal.ONE, null))));
        List<Batch.Value> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(new Batch.Value("channel_" + i, new BigDecimal(i + ".25"), null));
        }
        many.add(new Batch.Value("text", null, NASTY.repeat(20)));
        batches.add(new Batch("d", "large, grows the array", Instant.EPOCH, many));
        batches.add(new Batch("d", "small again", Instant.EPOCH, List.of(new Batch.Value("c", null, "x"))));
        // past the size an encoder keeps: used once, then it starts small again
        batches.add(new Batch("d", "huge", Instant.EPOCH, List.of(new Batch.Value("t", null, "y".repeat(60_000)),
                new Batch.Value("u", null, "z".repeat(60_000)))));
        batches.add(new Batch("d", "after the huge one", Instant.EPOCH, many));
        for (Batch b : batches) {
            int length = b.encode(encoder);
            byte[] record = java.util.Arrays.copyOf(encoder.array(), length);
            assertThat(record).isEqualTo(b.encode());
            assertThat(Batch.decode(record).device()).isEqualTo(b.device());
        }
        assertThat(encoder.array().length).isLessThan(64 * 1024);
    }

    @Test
    void stringsAreWrittenAsDataOutputWritesThem() throws IOException {
        Batch b = new Batch(NASTY, "d", Instant.EPOCH, List.of());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expected)) {
            out.writeUTF(NASTY);
        }
        byte[] record = b.encode();
        byte[] want = expected.toByteArray();
        byte[] got = new byte[want.length];
        System.arraycopy(record, 1, got, 0, want.length);
        assertThat(got).isEqualTo(want);
    }

    @Test
    void aRecordOfTheFirstFormatIsStillRead() throws IOException {
        // as the first releases wrote it: format 1, every number as its plain text behind a "numeric" flag
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("dsmr");
            out.writeUTF("e1");
            out.writeLong(1_709_288_130L);
            out.writeInt(5);
            out.writeShort(2);
            out.writeUTF("energy_import");
            out.writeBoolean(true);
            out.writeUTF("1234.500");
            out.writeUTF("equipment_id");
            out.writeBoolean(false);
            out.writeUTF("E0043");
        }
        Batch b = Batch.decode(bytes.toByteArray());
        assertThat(b.device()).isEqualTo("e1");
        assertThat(b.timestamp()).isEqualTo(Instant.ofEpochSecond(1_709_288_130L, 5));
        assertThat(b.values().get(0).number()).isEqualTo(new BigDecimal("1234.500"));
        assertThat(b.values().get(1).text()).isEqualTo("E0043");
    }

    @Test
    void aDamagedRecordIsRefusedWithAReason() {
        byte[] record = new Batch("d", "e", Instant.EPOCH, List.of(new Batch.Value("c", BigDecimal.ONE, null))).encode();
        record[record.length - 11] = 9; // the value kind
        assertThatThrownBy(() -> Batch.decode(record)).isInstanceOf(IOException.class).hasMessageContaining("kind 9");
        byte[] unknown = record.clone();
        unknown[0] = 7;
        assertThatThrownBy(() -> Batch.decode(unknown)).hasMessageContaining("format 7");
    }

    @Test
    void namesReadWithOneTableAreTheSameStrings() throws IOException {
        Batch.Names names = new Batch.Names();
        List<Batch> back = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // more devices than the table has slots: a full bucket keeps its names, never mixes names up
            List<Batch.Value> values = List.of(new Batch.Value("active_power", BigDecimal.valueOf(i), null),
                    new Batch.Value("k\u00e4lte", BigDecimal.ONE, null), new Batch.Value("note", null, "n" + i));
            back.add(Batch.decode(new Batch("kpm33b", "m" + i, Instant.EPOCH, values).encode(), names));
        }
        for (int i = 0; i < back.size(); i++) {
            Batch b = back.get(i);
            assertThat(b.device()).isEqualTo("m" + i);
            assertThat(b.values().get(0).number()).isEqualTo(BigDecimal.valueOf(i));
            assertThat(b.values().get(1).channel()).isEqualTo("k\u00e4lte");
            assertThat(b.values().get(2).text()).isEqualTo("n" + i);
        }
        // the same instance: lookups by name find it by identity, hash already computed
        assertThat(back.get(2999).driver()).isSameAs(back.get(0).driver());
        assertThat(back.get(2999).values().get(0).channel()).isSameAs(back.get(0).values().get(0).channel());
        Batch again = Batch.decode(new Batch("kpm33b", "m0", Instant.EPOCH, List.of()).encode(), names);
        assertThat(again.device()).isSameAs(back.get(0).device());
        assertThat(again.driver()).isSameAs(back.get(0).driver());
    }

    @Test
    void aTruncatedRecordIsRefusedWithAReason() {
        byte[] record = new Batch("d", "e", Instant.EPOCH, List.of(new Batch.Value("c", BigDecimal.ONE, null))).encode();
        for (int cut = 1; cut < record.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(record, cut);
            assertThatThrownBy(() -> Batch.decode(part)).isInstanceOf(IOException.class)
                    .hasMessageContaining("ends early");
        }
    }
}
