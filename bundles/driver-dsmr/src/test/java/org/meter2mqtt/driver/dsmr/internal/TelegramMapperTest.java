package org.meter2mqtt.driver.dsmr.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.ReadingStatus;

class TelegramMapperTest {

    @Test
    void repeatedGasCaptureIsStaleAndANewOneIsOk() {
        byte[] v5 = Fixtures.read("telegram_v5_two_mbus");
        byte[] twice = new byte[v5.length * 2];
        System.arraycopy(v5, 0, twice, 0, v5.length);
        System.arraycopy(v5, 0, twice, v5.length, v5.length);
        Fixtures.Outcome out = Fixtures.run(twice, Variant.AUTO, 0, Integer.MAX_VALUE);
        assertThat(out.readings.stream().filter(r -> r.channel().equals("gas")).map(Reading::status))
                .containsExactly(ReadingStatus.OK, ReadingStatus.STALE);
        assertThat(out.readings.stream().filter(r -> r.channel().equals("energy_import_t1")).map(Reading::status))
                .containsExactly(ReadingStatus.OK, ReadingStatus.OK);
        // the M-Bus channel is announced once, not with every telegram
        assertThat(out.announced.stream().filter(c -> c.id().equals("gas"))).hasSize(1);
    }

    @Test
    void mbusChannelsCarryHomeAssistantMetadata() {
        Fixtures.Outcome out = Fixtures.run(Fixtures.read("telegram_fluvius_v171"), Variant.AUTO, 0, 4096);
        assertThat(out.announced).filteredOn(c -> c.id().equals("gas")).singleElement().satisfies(c -> {
            assertThat(c.unit()).isEqualTo("m³");
            assertThat(c.deviceClass()).isEqualTo("gas");
            assertThat(c.stateClass().haName()).isEqualTo("total_increasing");
        });
        assertThat(out.announced).filteredOn(c -> c.id().equals("water")).singleElement()
                .satisfies(c -> assertThat(c.deviceClass()).isEqualTo("water"));
        assertThat(out.attributes).contains("p1.variant=be", "mbus.1=gas (device type 3)",
                "mbus.2=water (device type 7)");
        assertThat(P1Channels.modelChannels()).filteredOn(c -> c.id().equals("power_import")).singleElement()
                .satisfies(c -> {
                    assertThat(c.unit()).isEqualTo("W");
                    assertThat(c.deviceClass()).isEqualTo("power");
                });
    }

    @Test
    void heatMeterInGigajoules() {
        Fixtures.Outcome out = Fixtures.run(Fixtures.read("telegram_unpadded_crc"), Variant.AUTO, 0, 64);
        assertThat(out.announced).filteredOn(c -> c.id().equals("heat")).singleElement().satisfies(c -> {
            assertThat(c.unit()).isEqualTo("GJ");
            assertThat(c.deviceClass()).isEqualTo("energy");
        });
    }
}
