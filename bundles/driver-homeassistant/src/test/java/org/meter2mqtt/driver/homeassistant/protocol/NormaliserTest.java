package org.meter2mqtt.driver.homeassistant.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Units normalised to the channel's (W, kWh); no value is ever invented for a state that has none. */
class NormaliserTest {

    @ParameterizedTest(name = "{0} {1} {2} -> {3} {4}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "TOTAL_POWER  | 1840.5      | W    | 1840.5   | W",
            "TOTAL_POWER  | 1.5         | kW   | 1500     | W",
            "CIRCUIT      | 0.950       | kW   | 950      | W",
            "CIRCUIT      | 2.5         | MW   | 2500000  | W",
            "CIRCUIT      | 250         | mW   | 0.25     | W",
            "CIRCUIT      | 87          | NULL | 87       | W",
            "CIRCUIT      | -120        | W    | -120     | W",
            "DAILY_ENERGY | 7412        | Wh   | 7.412    | kWh",
            "DAILY_ENERGY | 7.412       | kWh  | 7.412    | kWh",
            "DAILY_ENERGY | 0.0074      | MWh  | 7.4      | kWh",
            "DAILY_ENERGY | 0           | kWh  | 0        | kWh",
            "OTHER        | 4.5         | °C   | 4.5      | °C",
            "OTHER        | 3           | kW   | 3000     | W",
            "OTHER        | 1200        | Wh   | 1.2      | kWh",
            "OTHER        | 1e3         | W    | 1000     | W",
    })
    void convertsToTheChannelUnit(Source.Kind kind, String state, String unit, String value, String channelUnit) {
        Normaliser.Result r = Normaliser.normalise(kind, state(state, unit));
        assertThat(r.present()).as(r.toString()).isTrue();
        assertThat(r.value()).isEqualByComparingTo(new BigDecimal(value));
        assertThat(r.value().toPlainString()).doesNotContain("E");
        assertThat(r.unit()).isEqualTo(channelUnit);
        assertThat(Normaliser.channelUnit(kind, unit)).isEqualTo(channelUnit);
    }

    @ParameterizedTest(name = "{0} {1} {2}: {3}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "TOTAL_POWER  | unavailable | W    | unavailable",
            "TOTAL_POWER  | unknown     | W    | unknown",
            "DAILY_ENERGY | unavailable | kWh  | unavailable",
            "CIRCUIT      | ''          | W    | unknown",
            "CIRCUIT      | on          | W    | not a number: 'on'",
            "CIRCUIT      | 12,5        | W    | not a number",
            "CIRCUIT      | 300         | VA   | unit 'VA' cannot be converted to W",
            "DAILY_ENERGY | 12          | MJ   | unit 'MJ' cannot be converted to kWh",
            "DAILY_ENERGY | 12          | NULL | unit (none) cannot be converted to kWh",
    })
    void givesNoValueOnlyTheReason(Source.Kind kind, String state, String unit, String reason) {
        Normaliser.Result r = Normaliser.normalise(kind, state(state, unit));
        assertThat(r.present()).isFalse();
        assertThat(r.value()).isNull();
        assertThat(r.missing()).startsWith(reason);
    }

    private static EntityState state(String state, String unit) {
        return new EntityState("sensor.x", state, Instant.parse("2026-12-04T12:00:00Z"), unit, null, null, null);
    }
}
