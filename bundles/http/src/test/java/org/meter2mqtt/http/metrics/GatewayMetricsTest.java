package org.meter2mqtt.http.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.http.Fixtures;
import org.meter2mqtt.http.health.OutputView;

import io.prometheus.metrics.expositionformats.ExpositionFormats;

class GatewayMetricsTest {

    private final GatewayMetrics metrics = new GatewayMetrics(); // one instance: its label cache must not leak

    private String text(List<DeviceInfo> devices, String accept) throws IOException {
        var snapshots = metrics.snapshot(devices, List.of(new OutputView("mqtt", true, "ok", 42, 3, 1)),
                List.of(Fixtures.driver()),
                Duration.ofSeconds(10), Fixtures.NOW);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().findWriter(accept).write(out, snapshots);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void namesAndLabelsFollowTheDocumentedScheme() throws IOException {
        String t = text(List.of(Fixtures.device("house", DeviceState.ONLINE, 12, 2, 450.5)), "text/plain");
        assertThat(t).contains("meter2mqtt_device_state{device=\"house\",state=\"ONLINE\"} 1.0\n",
                "meter2mqtt_device_state{device=\"house\",state=\"OFFLINE\"} 0.0\n",
                "meter2mqtt_device_readings_total{device=\"house\"} 12.0\n",
                "meter2mqtt_device_errors_total{device=\"house\",kind=\"bad_data\"} 2.0\n",
                "meter2mqtt_device_errors_total{device=\"house\",kind=\"link_lost\"} 0.0\n",
                "meter2mqtt_device_errors_total{device=\"house\",kind=\"unreachable\"} 0.0\n",
                "meter2mqtt_device_last_reading_age_seconds{device=\"house\"} 5.0\n",
                "meter2mqtt_channel_value{channel=\"power\",device=\"house\",unit=\"W\"} 450.5\n",
                "meter2mqtt_channel_value{channel=\"energy_import\",device=\"house\",unit=\"kWh\"} 1234.5\n",
                "meter2mqtt_output_up{output=\"mqtt\"} 1.0\n",
                "meter2mqtt_output_published_total{output=\"mqtt\"} 42.0\n",
                "meter2mqtt_output_buffered{output=\"mqtt\"} 3.0\n",
                "meter2mqtt_output_dropped_total{output=\"mqtt\"} 1.0\n",
                "meter2mqtt_driver_info{driver=\"demo\",version=\"1.2.3\"} 1.0\n",
                "# TYPE meter2mqtt_device_readings_total counter", "jvm_memory_used_bytes{area=\"heap\"}",
                "jvm_threads_current ");
        assertThat(t).doesNotContain("meter_id"); // text channels are not numbers
        assertThat(t.lines().filter(l -> l.startsWith("meter2mqtt_device_state{")).count())
                .isEqualTo(DeviceState.values().length);
    }

    @Test
    void aRemovedDeviceHasNoSeriesLeft() throws IOException {
        String both = text(List.of(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1),
                Fixtures.device("b", DeviceState.ONLINE, 1, 0, 2)), "text/plain");
        String one = text(List.of(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1)), "text/plain");
        assertThat(both).contains("device=\"b\"");
        assertThat(one).doesNotContain("device=\"b\"").contains("device=\"a\"");
        // a device in another state, with a value changed: the cached label sets still carry the right series
        String again = text(List.of(Fixtures.device("a", DeviceState.OFFLINE, 1, 0, 7)), "text/plain");
        assertThat(again).contains("meter2mqtt_device_state{device=\"a\",state=\"OFFLINE\"} 1.0",
                "meter2mqtt_device_state{device=\"a\",state=\"ONLINE\"} 0.0",
                "meter2mqtt_channel_value{channel=\"power\",device=\"a\",unit=\"W\"} 7.0");
    }

    @Test
    void errorsOfAKindTheMetricsDoNotKnowStillShow() throws IOException {
        DeviceInfo d = DeviceInfo.builder("x", DeviceState.DEGRADED).driver("demo", "1")
                .errorsByKind(Map.of(DeviceInfo.ERROR_LINK_LOST, 3L, "checksum", 5L)).build();
        String t = text(List.of(d), "text/plain");
        assertThat(t).contains("meter2mqtt_device_errors_total{device=\"x\",kind=\"checksum\"} 5.0\n",
                "meter2mqtt_device_errors_total{device=\"x\",kind=\"link_lost\"} 3.0\n",
                "meter2mqtt_device_errors_total{device=\"x\",kind=\"bad_data\"} 0.0\n");
    }

    @Test
    void aChannelWhoseUnitChangesGetsANewSeries() throws IOException {
        DeviceInfo kwh = DeviceInfo.builder("heat", DeviceState.ONLINE)
                .channels(List.of(Channel.builder("energy").unit("kWh").build()))
                .latest(Map.of("energy", Reading.of("energy", 12.5, Fixtures.NOW))).build();
        DeviceInfo gj = DeviceInfo.builder("heat", DeviceState.ONLINE)
                .channels(List.of(Channel.builder("energy").unit("GJ").build()))
                .latest(Map.of("energy", Reading.of("energy", 0.045, Fixtures.NOW))).build();
        assertThat(text(List.of(kwh), "text/plain"))
                .contains("meter2mqtt_channel_value{channel=\"energy\",device=\"heat\",unit=\"kWh\"} 12.5\n");
        assertThat(text(List.of(gj), "text/plain"))
                .contains("meter2mqtt_channel_value{channel=\"energy\",device=\"heat\",unit=\"GJ\"} 0.045\n")
                .doesNotContain("kWh");
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() throws IOException {
        String om = text(List.of(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1)),
                "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(om).endsWith("# EOF\n").contains("meter2mqtt_device_readings_total{device=\"a\"} 1.0");
        String plain = text(List.of(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1)), "text/plain;version=0.0.4");
        assertThat(plain).doesNotContain("# EOF");
    }
}
