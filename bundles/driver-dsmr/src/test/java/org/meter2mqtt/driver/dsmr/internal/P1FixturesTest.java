package org.meter2mqtt.driver.dsmr.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.meter2mqtt.api.Reading;

/**
 * One table over every recorded and generated telegram: how many telegrams and errors the stream gives, how
 * many readings, and the values that matter (channel=value[@UTC time]; text values in quotes).
 */
class P1FixturesTest {

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource(delimiter = '|', value = {
        // fixture                          | version | gas | tel | err | readings | expected
        "telegram_v2_2                      | auto    | 0   | 1   | 0   | 16       | energy_import_t1=1.001;power_import=1010;limiter_threshold=999000;tariff=1;tariff_name='low';gas=1.001@2016-11-07T18:00:00Z",
        "telegram_v3                        | auto    | 0   | 1   | 0   | 16       | energy_import_t1=12345.678;power_import=1190;limiter_threshold_current=16;tariff_name='normal';equipment_id='K8EG004046395507';text_message_code='012345678';gas=1.001@2009-02-12T15:00:00Z;gas_equipment_id='2222ABCD123456789'",
        "telegram_v4_2                      | auto    | 0   | 1   | 0   | 31       | energy_import_t1=1581.123@2016-11-13T19:57:57Z;energy_import_t2=1435.706;power_import=2027;current_l2=6;power_failures=15;long_power_failures=7;p1_version='42';gas=981.443@2016-11-29T19:00:00Z",
        "telegram_v5                        | auto    | 0   | 1   | 0   | 33       | energy_import_t1=4.426@2017-01-02T18:20:02Z;voltage_l1=230.0;current_l1=0.48;power_import=244;tariff_name='normal';gas=0.107@2017-01-02T15:10:05Z",
        "telegram_v5_two_mbus               | auto    | 0   | 1   | 0   | 33       | energy_import_t1=2130.115@2020-04-26T20:33:25Z;voltage_l3=222.9;power_import=111;gas=246.138@2020-04-26T20:30:01Z;gas_equipment_id='G0039001936990619'",
        "telegram_v5_two_mbus               | 5       | 0   | 1   | 0   | 33       | gas=246.138@2020-04-26T20:30:01Z",
        "telegram_fluvius_v171              | auto    | 0   | 1   | 0   | 33       | energy_import_t1=0.034@2020-05-12T11:54:09Z;power_import_average=2351;power_import_peak_month=2589;current_l1=0.00;tariff_name='day';p1_version='50217';equipment_id='1SAG3101021605';gas=112.384@2020-05-12T11:45:58Z;gas_valve=1;water=872.234@2020-05-12T11:45:58Z",
        "telegram_fluvius_v171_alt          | be      | 0   | 1   | 0   | 33       | energy_import_t1=301.548@2023-11-02T11:15:48Z;gas=92.287@2023-11-02T11:10:02Z;water=8.579@2023-11-02T11:15:32Z;tariff_name='day'",
        "telegram_iskra_ie                  | auto    | 0   | 1   | 0   | 23       | energy_import_t1=10.181@2023-02-02T11:27:47Z;power_export_l1=227;meter_id='09610';meter_serial='00000000';current_l1=0",
        "telegram_iskra_ie                  | ie      | 0   | 1   | 0   | 23       | energy_import_t1=10.181@2023-02-02T12:27:47Z",
        "telegram_sagemcom_t210_d_r         | at      | 0   | 1   | 0   | 17       | energy_import=6545.766@2022-10-06T13:50:14Z;energy_import_t1=5017.120;power_import=286;reactive_energy_import=0.747;reactive_power_export=166",
        "telegram_unpadded_crc              | auto    | 0   | 1   | 0   | 6        | heat=240.860@2026-02-15T19:05:23Z;equipment_id='ADC3100000158491'",
        "telegram_v5_eon_hu                 | hu      | 0   | 1   | 0   | 43       | energy_import=173.640@2023-07-24T13:07:30Z;energy_import_t3=0.000;reactive_energy_q1=0.668;frequency=50.00;power_export=2601;reactive_power_q3=504;current_limit_l1=200.00;limiter_threshold=90000;device_name='SAG3082200002160';meter_id='890082200002160'",
        "telegram_esy5q3da1004_v304         | auto    | 0   | 1   | 0   | 6        | energy_import=32549.5061662;power_import_l1=557.29;power_import=1688.21;meter_serial='1336001560'",
        "telegram_esy5q3db1024_v304         | auto    | 0   | 1   | 0   | 7        | energy_export=19949.3221493;power_import=2124.86",
        "generated_v5_dst_autumn            | auto    | 0   | 2   | 0   | 66       | energy_import_t1=2130.115@2020-10-25T00:59:59Z;energy_import_t1=2130.116@2020-10-25T01:00:00Z;gas=246.138@2020-10-25T00:55:00Z;gas=246.141@2020-10-25T01:00:00Z",
        "generated_v5_corrupt_crc           | auto    | 0   | 1   | 1   | 33       | energy_import_t1=2130.115",
        "generated_v5_truncated             | auto    | 0   | 1   | 1   | 33       | energy_import_t1=2130.115",
        "generated_garbage_between          | auto    | 0   | 2   | 0   | 64       | energy_import_t1=2130.115;energy_import_t1=1581.123",
        "generated_v5_7e1_parity_bits       | auto    | 0   | 1   | 0   | 33       | energy_import_t1=2130.115;gas=246.138",
        "generated_v5_unparsable_line       | auto    | 0   | 1   | 1   | 33       | energy_import_t1=2130.115",
        "generated_v3_unparsable_line       | auto    | 0   | 1   | 1   | 16       | power_import=1190",
        "generated_v5_missing_crc           | auto    | 0   | 1   | 1   | 33       | energy_import_t1=2130.115",
        "generated_v5_gas_typed_as_water    | auto    | 0   | 1   | 0   | 33       | water=246.138",
        "generated_v5_gas_typed_as_water    | auto    | 2   | 1   | 0   | 33       | gas=246.138@2020-04-26T20:30:01Z",
    })
    void fixture(String name, String version, int gasChannel, int telegrams, int errors, int readings,
            String expected) {
        for (int chunk : new int[] {1, 13, Integer.MAX_VALUE}) {
            Fixtures.Outcome out = Fixtures.run(Fixtures.read(name), Variant.of(version), gasChannel, chunk);
            assertThat(out.telegrams).as("telegrams, chunk %d", chunk).hasSize(telegrams);
            assertThat(out.errors).as("errors, chunk %d", chunk).hasSize(errors);
            assertThat(out.readings).as("readings, chunk %d", chunk).hasSize(readings);
            assertThat(out.readings).allMatch(r -> r.hasValue() && r.status().publishable());
            for (String e : expected.split(";")) {
                assertThat(out.readings).as("%s in %s", e, summary(out.readings)).anyMatch(r -> matches(r, e));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"telegram_v5_two_mbus", "telegram_fluvius_v171", "telegram_v5_eon_hu"})
    void everyChannelIdOnceAndAnnouncedWhenNotInTheModel(String name) {
        Fixtures.Outcome out = Fixtures.run(Fixtures.read(name), Variant.AUTO, 0, Integer.MAX_VALUE);
        List<String> ids = out.readings.stream().map(Reading::channel).collect(Collectors.toList());
        assertThat(ids).doesNotHaveDuplicates();
        List<String> known = P1Channels.modelChannels().stream().map(c -> c.id()).collect(Collectors.toList());
        List<String> announced = out.announced.stream().map(c -> c.id()).collect(Collectors.toList());
        assertThat(ids).allMatch(id -> known.contains(id) || announced.contains(id));
    }

    private static boolean matches(Reading r, String spec) {
        int eq = spec.indexOf('=');
        String channel = spec.substring(0, eq);
        String rest = spec.substring(eq + 1);
        Instant at = null;
        int atSign = rest.lastIndexOf('@');
        if (atSign > 0 && !rest.startsWith("'")) {
            at = Instant.parse(rest.substring(atSign + 1));
            rest = rest.substring(0, atSign);
        }
        if (!r.channel().equals(channel) || at != null && !at.equals(r.timestamp())) {
            return false;
        }
        if (rest.startsWith("'")) {
            return rest.substring(1, rest.length() - 1).equals(r.textValue());
        }
        return r.number() != null && r.number().compareTo(new BigDecimal(rest)) == 0;
    }

    private static String summary(List<Reading> readings) {
        return readings.stream().map(Reading::toString).collect(Collectors.joining(", "));
    }
}
