package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay marks without a broker: when a mark is due, what it says, and how a read-back mark bounds a replay. */
class SentTotalsTest {

    @TempDir
    Path tmp;

    private static Batch batch(String device, String... channelValues) {
        List<Batch.Value> values = new ArrayList<>();
        for (int i = 0; i < channelValues.length; i += 2) {
            values.add(new Batch.Value(channelValues[i], new BigDecimal(channelValues[i + 1]), null));
        }
        return new Batch("pulse", device, PublisherTest.T0, values);
    }

    private static java.util.function.Predicate<String> totalsOf(String device) {
        return channel -> channel.endsWith("_energy");
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The mark of the one device of a one-batch turn, or null. */
    private static String mark(SentTotals s, Batch b) {
        Map<String, byte[]> marks = s.before(List.of(b), SentTotalsTest::totalsOf);
        assertThat(marks.keySet()).isSubsetOf(b.device());
        return text(marks.get(b.device()));
    }

    @Test
    void aMarkOnlyWhileAnotherBatchOfTheDeviceIsInFlightAndATotalRises() {
        SentTotals s = new SentTotals();
        Batch first = batch("m1", "active_energy", "1.000", "active_power", "50");
        // alone in flight: a replay would send it again, an equal value; no mark
        assertThat(mark(s, first)).isNull();
        // a second one while the first is unacknowledged: the broker must know how high it may go
        assertThat(mark(s, batch("m1", "active_energy", "1.001"))).isEqualTo("{\"active_energy\":\"1.001\"}");
        // power alone, or the same total again: the last mark still bounds it
        assertThat(mark(s, batch("m1", "active_power", "60"))).isNull();
        assertThat(mark(s, batch("m1", "active_energy", "1.001"))).isNull();
        // every total of the device in the mark, the risen one and the others
        assertThat(mark(s, batch("m1", "reactive_energy", "0.5")))
                .isEqualTo("{\"active_energy\":\"1.001\",\"reactive_energy\":\"0.5\"}");
        // a lower one (a replay) raises nothing
        assertThat(mark(s, batch("m1", "active_energy", "0.9"))).isNull();
        // another device alone in flight: none
        assertThat(mark(s, batch("m2", "active_energy", "0.1"))).isNull();
        // all of m1's six batches acknowledged: the next one is alone again
        for (int i = 0; i < 6; i++) {
            s.acked(first);
        }
        assertThat(mark(s, batch("m1", "active_energy", "2.000"))).isNull();
        // a new connection: nothing of the old one counts as in flight
        assertThat(mark(s, batch("m2", "active_energy", "0.2"))).isEqualTo("{\"active_energy\":\"0.2\"}");
        s.connected();
        assertThat(mark(s, batch("m2", "active_energy", "0.3"))).isNull();
    }

    @Test
    void oneMarkPerDeviceAheadOfATurn() {
        SentTotals s = new SentTotals();
        Map<String, byte[]> marks = s.before(List.of(batch("m1", "active_energy", "1.000"),
                batch("m2", "active_energy", "7.0"), batch("m1", "active_energy", "1.002"),
                batch("m1", "active_power", "9"), batch("m3", "active_energy", "3.0"),
                batch("m3", "active_power", "1")), SentTotalsTest::totalsOf);
        // m1: two batches with totals, the turn's highest; m2 alone; m3's second batch raises no total
        assertThat(marks.keySet()).containsExactly("m1");
        assertThat(text(marks.get("m1"))).isEqualTo("{\"active_energy\":\"1.002\"}");
    }

    @Test
    void aReadBackMarkIsTheFloorOfTheReplayAndOfLaterMarks() throws Exception {
        SentTotals s = new SentTotals();
        mark(s, batch("m1", "active_energy", "8.000"));
        assertThat(mark(s, batch("m1", "active_energy", "9.000"))).isEqualTo("{\"active_energy\":\"9.000\"}");
        // the broker's word replaces what an earlier connection announced
        s.reset();
        Map<String, BigDecimal> floor = s.readBack("m1", "{\"active_energy\":\"5.000\"}".getBytes(
                StandardCharsets.UTF_8));
        assertThat(floor).containsOnlyKeys("active_energy");
        assertThat(floor.get("active_energy")).isEqualByComparingTo("5.000");
        // the next mark never says less than the broker's
        assertThat(mark(s, batch("m1", "active_energy", "4.000"))).isNull();
        assertThat(mark(s, batch("m1", "active_energy", "5.001")))
                .isEqualTo("{\"active_energy\":\"5.001\"}");

        try (DeliveredTotals d = new DeliveredTotals(tmp.resolve("delivered-totals.log"))) {
            d.delivered(batch("m1", "active_energy", "3.000"), c -> true);
            floor.forEach((c, v) -> d.floor("m1", c, v));
            List<Batch.Value> dropped = new ArrayList<>();
            // below the floor: left out; at it: sent again (not lower); other channels untouched
            assertThat(d.admit(batch("m1", "active_energy", "4.000", "active_power", "7"), c -> c.endsWith("_energy"),
                    (c, n) -> dropped.add(new Batch.Value(c, n, null))).values()).extracting(Batch.Value::channel).containsExactly("active_power");
            assertThat(dropped).extracting(Batch.Value::number).containsExactly(new BigDecimal("4.000"));
            Batch equal = batch("m1", "active_energy", "5.000");
            assertThat(d.admit(equal, c -> true, (c, n) -> dropped.add(new Batch.Value(c, n, null)))).isSameAs(equal);
            // a floor is not an acknowledgement: never journaled, gone with the device
            assertThat(d.get("m1", "active_energy")).isEqualByComparingTo("3.000");
            d.forget("m1");
            assertThat(d.known("m1", "active_energy")).isFalse();
        }
    }

    @Test
    void whatIsNotAMarkGivesNoFloor() {
        assertThat(SentTotals.parse("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(SentTotals.parse("[1,2]".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(SentTotals.parse("{\"a\":\"x\",\"b\":\"2.5\"}".getBytes(StandardCharsets.UTF_8)))
                .containsOnlyKeys("b");
        assertThat(SentTotals.parse(new byte[0])).isEmpty();
    }
}
