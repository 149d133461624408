package org.meter2mqtt.driver.pulse.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both EMDC body shapes, the time-field aliases, classification by body and by key, and bad bodies. */
class PulseParserTest {

    private static final long NOW = 1_733_300_000_000L;

    private static PulseParser.Result parse(String body, String key) {
        return PulseParser.parse(body.getBytes(StandardCharsets.UTF_8), key, NOW);
    }

    @ParameterizedTest(name = "{0} via {1}")
    @CsvSource(delimiter = '|', value = {
        // old shape: ts, dc_id, rarr, status; the routing key A.B.C says nothing
        "{\"ts\":1733299999000,\"dc_id\":2,\"rarr\":0,\"status\":0}|A.B.C|2|2|ACTIVE|1733299999000",
        "{\"ts\":1733299999000,\"dc_id\":2,\"rarr\":3,\"status\":0}|A.B.C|2|2|REACTIVE|1733299999000",
        // new shape: device_id, event_type wins over the key
        "{\"ts\":1733299999000,\"dc_id\":1,\"rarr\":0,\"status\":0,\"device_id\":\"device-007\",\"event_type\":\"energy.active\",\"value\":0.001,\"unit\":\"kWh\",\"source\":\"datacap\"}|EMDC.EVENTS.ACTIVE|device-007/1|1|ACTIVE|1733299999000",
        "{\"ts\":1733299999000,\"dc_id\":1,\"rarr\":1,\"device_id\":\"device-007\",\"event_type\":\"energy.reactive\"}|EMDC.EVENTS.REACTIVE|device-007/1|1|REACTIVE|1733299999000",
        // no rarr, no event_type: the routing key or the topic tells
        "{\"ts\":1733299999000,\"dc_id\":\"a\"}|EMDC.EVENTS.REACTIVE|a|a|REACTIVE|1733299999000",
        "{\"timestamp\":1733299999000,\"dc_id\":0}|emdc/events/energy/active|0|0|ACTIVE|1733299999000",
        "{\"time\":\"1733299999000\",\"dc_id\":0}|emdc/events/energy/reactive|0|0|REACTIVE|1733299999000",
        "{\"t\":1733299999000.0,\"dc_id\":0,\"rarr\":0}||0|0|ACTIVE|1733299999000",
    })
    void readsPulses(String body, String key, String source, String dc, Kind kind, long ts) {
        PulseParser.Result r = parse(body, key);
        assertThat(r.rejected()).isNull();
        assertThat(r.pulse()).isEqualTo(new Pulse(source, dc, kind, ts));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not json|EMDC.EVENTS.ACTIVE|not JSON",
        "[1,2]|EMDC.EVENTS.ACTIVE|not a JSON object",
        "{\"dc_id\":1,\"rarr\":0}|EMDC.EVENTS.ACTIVE|no 'ts'",
        "{\"ts\":\"soon\",\"rarr\":0}|EMDC.EVENTS.ACTIVE|not a number",
        "{\"ts\":1733299999000,\"dc_id\":1}|A.B.C|cannot tell active from reactive",
        "{\"ts\":1733299999000,\"dc_id\":1}|EMDC.EVENTS.OTHER|cannot tell active from reactive",
        "{\"ts\":1733299999000,\"event_type\":\"door.open\"}|EMDC.EVENTS.OTHER|not an energy pulse",
        "{\"ts\":1733299999000,\"rarr\":\"x\"}|A.B.C|'rarr' is not a number",
        // more than an hour ahead of the gateway's clock
        "{\"ts\":1733303600001,\"dc_id\":1,\"rarr\":0}|A.B.C|more than one hour ahead",
    })
    void rejectsWithAReason(String body, String key, String reason) {
        PulseParser.Result r = parse(body, key);
        assertThat(r.ok()).isFalse();
        assertThat(r.rejected()).contains(reason);
    }

    @org.junit.jupiter.api.Test
    void anHourAheadIsStillAccepted() {
        assertThat(parse("{\"ts\":1733303600000,\"dc_id\":1,\"rarr\":0}", null).ok()).isTrue();
    }
}
