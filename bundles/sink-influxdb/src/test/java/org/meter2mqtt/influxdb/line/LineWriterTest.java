package org.meter2mqtt.influxdb.line;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineWriterTest {

    private static final Instant T = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);

    private static String line(String measurement, String tagValue, String fieldKey, String text) {
        StringBuilder sb = new StringBuilder();
        LineWriter w = new LineWriter(sb).measurement(measurement).tag("device", tagValue);
        if (text == null) {
            w.field(fieldKey, new BigDecimal("1.5"));
        } else {
            w.field(fieldKey, text);
        }
        w.end(T);
        return sb.toString();
    }

    /** Names go into the measurement, a tag value and a field key; the columns show what each must become. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            plain            | plain             | plain
            with space       | with\\ space      | with\\ space
            a,b              | a\\,b             | a\\,b
            k=v              | k=v               | k\\=v
            '"quoted"'       | '"quoted"'        | '"quoted"'
            back\\slash      | back\\slash       | back\\slash
            'C:\\'           | 'C:\\\\ '         | 'C:\\\\ '
            a\\ b            | a\\\\ b           | a\\\\ b
            ' , = '          | '\\ \\,\\ =\\ '   | '\\ \\,\\ \\=\\ '
            Küche ☀ 電力     | Küche\\ ☀\\ 電力  | Küche\\ ☀\\ 電力
            """)
    void escapesNamesAsTheSpecificationSays(String raw, String asMeasurement, String asTagOrKey) {
        String l = line(raw, raw, raw, null);
        assertThat(l).isEqualTo(asMeasurement + ",device=" + asTagOrKey + " " + asTagOrKey + "=1.5 1700000000123456789\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            plain text            | '"plain text"'
            'say "hi"'            | '"say \\"hi\\""'
            'C:\\dir\\'           | '"C:\\\\dir\\\\"'
            'a,b=c d'             | '"a,b=c d"'
            'ü ☀ 電力'            | '"ü ☀ 電力"'
            """)
    void escapesStringFieldValues(String raw, String written) {
        assertThat(line("m", "d", "f", raw)).isEqualTo("m,device=d f=" + written + " 1700000000123456789\n");
    }

    @Test
    void newlinesNeverEndALineEarly() {
        String l = line("m\nx", "a\r\nb", "k\n", "two\nlines");
        assertThat(l).isEqualTo("m\\ x,device=a\\ \\ b k\\ =\"two lines\" 1700000000123456789\n");
        assertThat(l.indexOf('\n')).isEqualTo(l.length() - 1);
    }

    @Test
    void numbersAreFloatsAsTheMeterPrintedThemIntegersOnlyWhenAsked() {
        StringBuilder sb = new StringBuilder();
        new LineWriter(sb).measurement("m").field("a", new BigDecimal("001234.500")).field("b", new BigDecimal("1E+3"))
                .field("c", new BigDecimal("-0.001")).integerField("d", 42).end(Instant.ofEpochSecond(0));
        assertThat(sb).hasToString("m a=1234.500,b=1000,c=-0.001,d=42i 0\n");
    }

    @Test
    void emptyTagValuesAreLeftOutAndSeveralPointsFollowEachOther() {
        StringBuilder sb = new StringBuilder();
        LineWriter w = new LineWriter(sb);
        w.measurement("m").tag("a", "").tag("b", null).tag("c", "x").field("f", BigDecimal.ONE).end(T);
        w.measurement("m").field("f", BigDecimal.TEN).end(Instant.ofEpochSecond(1));
        assertThat(sb).hasToString("m,c=x f=1 1700000000123456789\nm f=10 1000000000\n");
    }

    @Test
    void pointsWithoutFieldsOrBadMeasurementsAreRefused() {
        StringBuilder sb = new StringBuilder("keep\n");
        LineWriter w = new LineWriter(sb);
        w.measurement("m").tag("a", "b");
        assertThatThrownBy(() -> w.end(T)).isInstanceOf(IllegalStateException.class);
        w.abandon();
        assertThat(sb).hasToString("keep\n");
        assertThatThrownBy(() -> w.measurement("#comment")).hasMessageContaining("comment");
        assertThatThrownBy(() -> w.measurement("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> new LineWriter(sb).field("f", "x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void timestampsAreNanosecondsAndNegativeBeforeTheEpoch() {
        assertThat(LineWriter.nanos(T)).isEqualTo(1_700_000_000_123_456_789L);
        assertThat(LineWriter.nanos(Instant.parse("1969-12-31T23:59:59.5Z"))).isEqualTo(-500_000_000L);
    }
}
