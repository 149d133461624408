package org.meter2mqtt.driver.kpm33b.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the gateway keeps of real captures: duplicates, all-zero messages and a clock in 2005 are dropped. */
class IntakeTest {

    private static final ZoneId ZONE = ZoneId.of("Europe/Vienna");

    private static Intake intake() {
        return new Intake(Set.of("33B120000000"), new MeterClock(ZONE, Duration.ofDays(1)));
    }

    private static Map<Intake.Verdict, Integer> run(String fixture, Instant now, List<MeterMessage> accepted) {
        Intake in = intake();
        Map<Intake.Verdict, Integer> counts = new TreeMap<>();
        for (String[] line : Fixtures.capture(fixture, "MQTT_ENY_NOW")) {
            Intake.Result r = in.offer(MessageParser.parse(line[0], line[1].getBytes(StandardCharsets.UTF_8)), now);
            counts.merge(r.verdict(), 1, Integer::sum);
            if (r.verdict() == Intake.Verdict.ACCEPTED) {
                accepted.add(r.message());
            }
        }
        return counts;
    }

    @Test
    void firstCapture() {
        List<MeterMessage> accepted = new ArrayList<>();
        Map<Intake.Verdict, Integer> counts = run("MQTT_ENY_NOW_capture.log",
                Instant.parse("2026-01-17T20:16:00Z"), accepted);
        // 28 (real), 29 (zeros), 27 (real); then repeats of 28 and 29 with the same time; then 29 and 30 with a
        // clock in 2005, each once more
        assertThat(accepted).extracting(MeterMessage::id).containsExactly("33B1225950028", "33B1225950027");
        assertThat(counts).containsEntry(Intake.Verdict.ACCEPTED, 2).containsEntry(Intake.Verdict.ZEROS, 2)
                .containsEntry(Intake.Verdict.DUPLICATE, 5).containsEntry(Intake.Verdict.BAD_CLOCK, 1);
    }

    @Test
    void secondCaptureKeepsOneMessagePerMeterAndTime() {
        List<MeterMessage> accepted = new ArrayList<>();
        Map<Intake.Verdict, Integer> counts = run("MQTT_ENY_NOW_capture2.log",
                Instant.parse("2026-01-12T16:05:00Z"), accepted);
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(total).isGreaterThan(300);
        Set<String> keys = new java.util.HashSet<>();
        for (MeterMessage m : accepted) {
            assertThat(keys.add(m.id() + "@" + m.time())).as("accepted twice: " + m).isTrue();
            assertThat(m.allZero()).isFalse();
            assertThat(m.time()).doesNotStartWith("2005");
        }
        assertThat(counts.get(Intake.Verdict.ACCEPTED)).isGreaterThan(0);
        assertThat(counts.get(Intake.Verdict.DUPLICATE)).isGreaterThan(0);
        assertThat(counts.get(Intake.Verdict.ZEROS)).isGreaterThan(0);
        assertThat(counts.get(Intake.Verdict.BAD_CLOCK)).isGreaterThan(0);
    }

    @Test
    void splitPacketsCountOnlyWhenIsendIsOne() {
        Intake in = intake();
        Instant now = Instant.parse("2026-01-12T15:39:00Z");
        Intake.Result first = in.offer(msg("{\"id\":\"33B1225950027\",\"ia\":1.000,\"time\":\"20260112163900\","
                + "\"isend\":\"0\"}"), now);
        assertThat(first.verdict()).isEqualTo(Intake.Verdict.INCOMPLETE);
        Intake.Result second = in.offer(msg("{\"id\":\"33B1225950027\",\"zyggl\":2.5000,\"time\":\"20260112163900\","
                + "\"isend\":\"1\"}"), now);
        assertThat(second.verdict()).isEqualTo(Intake.Verdict.ACCEPTED);
        assertThat(second.message().values()).containsOnlyKeys("ia", "zyggl");
        assertThat(second.time()).isEqualTo(Instant.parse("2026-01-12T15:39:00Z"));
        // an unfinished reading replaced by a newer one is dropped, not merged into it
        in.offer(msg("{\"id\":\"33B1225950027\",\"ia\":1.000,\"time\":\"20260112164000\",\"isend\":\"0\"}"), now);
        Intake.Result third = in.offer(msg("{\"id\":\"33B1225950027\",\"ib\":1.000,\"time\":\"20260112164100\","
                + "\"isend\":\"1\"}"), now);
        assertThat(third.message().values()).containsOnlyKeys("ib");
        assertThat(in.discardedPackets()).isEqualTo(1);
    }

    /** The first packet of a split reading is kept while other meters' messages reuse the parser's arrays. */
    @Test
    void aSplitPacketWaitsIntactWhileOtherMessagesAreParsedIntoTheSameArrays() {
        Intake in = intake();
        Instant now = Instant.parse("2026-01-12T15:39:00Z");
        assertThat(in.offer(reusing("{\"id\":\"33B1225950027\",\"ia\":1.250,\"ua\":230.1,"
                + "\"time\":\"20260112163900\",\"isend\":\"0\"}"), now).verdict())
                .isEqualTo(Intake.Verdict.INCOMPLETE);
        Intake.Result other = in.offer(reusing("{\"id\":\"33B1225950028\",\"ib\":7.000,\"ub\":1.0,"
                + "\"time\":\"20260112163900\",\"isend\":\"1\"}"), now);
        assertThat(other.verdict()).isEqualTo(Intake.Verdict.ACCEPTED);
        Intake.Result done = in.offer(reusing("{\"id\":\"33B1225950027\",\"zyggl\":2.5000,"
                + "\"time\":\"20260112163900\",\"isend\":\"1\"}"), now);
        assertThat(done.verdict()).isEqualTo(Intake.Verdict.ACCEPTED);
        assertThat(done.message().values()).containsExactly(Map.entry("ia", new BigDecimal("1.250")),
                Map.entry("ua", new BigDecimal("230.1")), Map.entry("zyggl", new BigDecimal("2.5000")));
    }

    private static MeterMessage reusing(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return MessageParser.parseReusing("MQTT_RT_DATA", b, 0, b.length);
    }

    @ParameterizedTest
    @CsvSource({ "33B120000000, 1.0, 20260112163900, EXCLUDED", "33B1225950027, 1.0, 20050113170000, BAD_CLOCK",
        "33B1225950027, 1.0, 20261312163900, BAD_CLOCK", "33B1225950027, 0.000, 20260112163900, ZEROS",
        "33B1225950027, 1.0, 20260112163900, ACCEPTED" })
    void verdicts(String id, String value, String time, Intake.Verdict expected) {
        Intake.Result r = intake().offer(msg("{\"id\":\"" + id + "\",\"zyggl\":" + value + ",\"time\":\"" + time
                + "\",\"isend\":\"1\"}"), Instant.parse("2026-01-12T15:40:00Z"));
        assertThat(r.verdict()).isEqualTo(expected);
        if (expected == Intake.Verdict.BAD_CLOCK) {
            assertThat(r.reason()).contains(time);
        }
    }

    @Test
    void sameTimeOnTheOtherTopicIsNotADuplicate() {
        Intake in = intake();
        Instant now = Instant.parse("2026-01-12T15:40:00Z");
        String body = "{\"id\":\"33B1225950027\",\"zyggl\":1.0,\"time\":\"20260112163900\",\"isend\":\"1\"}";
        assertThat(in.offer(MessageParser.parse("MQTT_RT_DATA", body.getBytes(StandardCharsets.UTF_8)), now)
                .verdict()).isEqualTo(Intake.Verdict.ACCEPTED);
        assertThat(in.offer(MessageParser.parse("MQTT_ENY_NOW", body.getBytes(StandardCharsets.UTF_8)), now)
                .verdict()).isEqualTo(Intake.Verdict.ACCEPTED);
        assertThat(in.offer(MessageParser.parse("MQTT_RT_DATA", body.getBytes(StandardCharsets.UTF_8)), now)
                .verdict()).isEqualTo(Intake.Verdict.DUPLICATE);
    }

    private static MeterMessage msg(String json) {
        return MessageParser.parse("MQTT_RT_DATA", json.getBytes(StandardCharsets.UTF_8));
    }
}
