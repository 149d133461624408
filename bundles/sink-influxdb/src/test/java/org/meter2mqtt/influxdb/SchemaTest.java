package org.meter2mqtt.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.meter2mqtt.influxdb.Devices.r;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.ReadingStatus;

class SchemaTest {

    private static final Instant T1 = Instant.parse("2026-01-02T03:04:05.123456Z");
    private static final Instant T2 = Instant.parse("2026-01-02T03:04:06Z");
    private static final Instant NOW = Instant.parse("2026-01-02T04:00:00Z");

    private static String write(Schema s, DeviceInfo d, List<Reading> readings) {
        StringBuilder sb = new StringBuilder();
        s.write(d, readings, () -> NOW, sb);
        return sb.toString();
    }

    @Test
    void defaultSchemaOnePointPerMeterTimeWithDeviceGatewayAndNameTags() {
        DeviceInfo d = Devices.device("house", "demo", "My house", "energy_import", "power_import", "meter_id");
        String lines = write(new Schema(Schema.DEFAULT, "", "gw 1"), d, List.of(r("energy_import", "001234.500", T1),
                r("power_import", "230", T1), Reading.text("meter_id", "E0\"7", T1), r("power_import", "231", T2),
                Reading.failed("energy_import", ReadingStatus.CRC_ERROR, T2), r("power_import", "5", null)));
        assertThat(lines).isEqualTo(
                "demo,device=house,gateway=gw\\ 1,name=My\\ house energy_import=1234.500,power_import=230,"
                        + "meter_id=\"E0\\\"7\" 1767323045123456000\n"
                        + "demo,device=house,gateway=gw\\ 1,name=My\\ house power_import=231 1767323046000000000\n"
                        + "demo,device=house,gateway=gw\\ 1,name=My\\ house power_import=5 1767326400000000000\n");
    }

    @Test
    void measurementKeyOverridesTheDriverId() {
        DeviceInfo d = Devices.device("house", "demo", "house", "power_import");
        assertThat(write(new Schema(Schema.DEFAULT, "meters", "gw"), d, List.of(r("power_import", "1", T2))))
                .isEqualTo("meters,device=house,gateway=gw,name=house power_import=1 1767323046000000000\n");
    }

    @Test
    void smartMeterServiceWritesTheUsersMeasurementsForHomeAssistantDevices() {
        String lines = write(new Schema(Schema.SMART_METER_SERVICE, "", "gw"), Devices.homeAssistant(),
                List.of(r("total_power", "2500.5", T1), r("daily_energy", "12.25", T1), r("circuit_kitchen", "500", T1),
                        r("circuit_kitchen_share", "20", T1), r("circuit_car_share", "1000", T1),
                        r("circuit_car_share_share", "40", T1), r("total_power", "2600", T2)));
        assertThat(lines).isEqualTo(
                "smart_meter,device=ha,meter_type=home_assistant total_power_w=2500.5,daily_kwh=12.25 1767323045123456000\n"
                        + "smart_meter_circuit,circuit_name=kitchen,device=ha,meter_type=home_assistant power_w=500,percentage=20"
                        + " 1767323045123456000\n"
                        + "smart_meter_circuit,circuit_name=car_share,device=ha,meter_type=home_assistant power_w=1000,"
                        + "percentage=40 1767323045123456000\n"
                        + "smart_meter,device=ha,meter_type=home_assistant total_power_w=2600 1767323046000000000\n");
    }

    @Test
    void smartMeterServiceLeavesOtherDriversOnTheDefaultSchema() {
        DeviceInfo d = Devices.device("p1", "dsmr", "p1", "power_import");
        assertThat(write(new Schema(Schema.SMART_METER_SERVICE, "", "gw"), d, List.of(r("power_import", "1", T2))))
                .startsWith("dsmr,device=p1,");
    }

    @Test
    void aCircuitShareWithoutItsPowerStillHasACircuitAndOnlyCircuitsGoToTheCircuitMeasurement() {
        String lines = write(new Schema(Schema.SMART_METER_SERVICE, "", "gw"), Devices.homeAssistant(),
                List.of(r("circuit_kitchen_share", "20", T1), Reading.text("circuit_note", "x", T1)));
        assertThat(lines).isEqualTo("smart_meter_circuit,circuit_name=kitchen,device=ha,meter_type=home_assistant "
                + "percentage=20"
                + " 1767323045123456000\n");
    }

    @Test
    void channelsMarkedIntegerAreWrittenAsIntegersOthersStayFloats() {
        DeviceInfo d = DeviceInfo.builder("p1", DeviceState.ONLINE).name("p1").driver("dsmr", "1.0.0")
                .channels(List.of(Channel.builder("power_failures").integer(true).build(),
                        Channel.builder("tariff").integer(true).build(), Channel.builder("power_import").build()))
                .build();
        assertThat(write(new Schema(Schema.DEFAULT, "", "gw"), d, List.of(r("power_failures", "00004", T2),
                r("tariff", "2.000", T2), r("power_import", "7", T2))))
                .isEqualTo("dsmr,device=p1,gateway=gw,name=p1 power_failures=4i,tariff=2i,power_import=7 "
                        + "1767323046000000000\n");
    }

    @Test
    void aFractionForAnIntegerChannelIsLeftOutAndReportedNotWrittenAsAFloat() {
        DeviceInfo d = DeviceInfo.builder("p1", DeviceState.ONLINE).name("p1").driver("dsmr", "1.0.0")
                .channels(List.of(Channel.builder("power_failures").integer(true).build(),
                        Channel.builder("power_import").build())).build();
        List<String> refused = new ArrayList<>();
        Schema s = new Schema(Schema.DEFAULT, "", "gw", refused::add, new FloatFields(null));
        assertThat(write(s, d, List.of(r("power_failures", "4.5", T2), r("power_import", "7", T2))))
                .isEqualTo("dsmr,device=p1,gateway=gw,name=p1 power_import=7 1767323046000000000\n");
        assertThat(refused).singleElement().asString().contains("p1", "power_failures", "4.5");
        // a point of nothing but refused values is no point at all
        StringBuilder out = new StringBuilder();
        assertThat(s.write(d, List.of(r("power_failures", "0.1", T2)), () -> NOW, out)).isZero();
        assertThat(out).isEmpty();
        assertThat(refused).hasSize(2);
    }

    @Test
    void smartMeterServiceTellsTwoHomeAssistantDevicesApartByTheDeviceTag() {
        Schema s = new Schema(Schema.SMART_METER_SERVICE, "", "gw");
        DeviceInfo flat = Devices.device("flat", "homeassistant", "Flat", "total_power");
        assertThat(write(s, flat, List.of(r("total_power", "1", T1))) + write(s, Devices.homeAssistant(),
                List.of(r("total_power", "2", T1)))).isEqualTo(
                        "smart_meter,device=flat,meter_type=home_assistant total_power_w=1 1767323045123456000\n"
                        + "smart_meter,device=ha,meter_type=home_assistant total_power_w=2 1767323045123456000\n");
    }

    @Test
    void unknownSchemaOrUnwritableMeasurementIsRefused() {
        assertThatThrownBy(() -> new Schema("smart", "", "gw")).hasMessageContaining("smart-meter-service");
        assertThatThrownBy(() -> new Schema(Schema.DEFAULT, "#x", "gw")).hasMessageContaining("#");
    }
}
