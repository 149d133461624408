package org.meter2mqtt.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.meter2mqtt.influxdb.Devices.r;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The output against a real InfluxDB 1.6 (Debian {@code influxdb}, started once for the class): what is written
 * is queried back equal with its meter timestamps; an outage of 30 s with a restart of InfluxDB loses nothing;
 * a point InfluxDB refuses (400) does not hold back the others.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealInfluxDbTest {

    private InfluxDbProcess influx;
    private Path base;
    private final List<InfluxOutput> outputs = new ArrayList<>();

    @BeforeAll
    void startInflux(@TempDir Path dir) throws Exception {
        base = dir;
        Files.createDirectories(dir.resolve("influx"));
        influx = new InfluxDbProcess(dir.resolve("influx"));
    }

    @AfterAll
    void stopInflux() throws Exception {
        if (influx != null) {
            influx.close();
        }
    }

    @AfterEach
    void closeOutputs() {
        outputs.forEach(InfluxOutput::close);
        outputs.clear();
    }

    private InfluxOutput output(String db, String schema, int batchSize) throws Exception {
        influx.createDatabase(db);
        return output(db, schema, batchSize, false);
    }

    private InfluxOutput output(String db, String schema, int batchSize, boolean dbCreate) {
        InfluxOutput o = new InfluxOutput(base.resolve("buffer-" + db), Clock.systemUTC());
        outputs.add(o);
        o.configure(InfluxSettings.builder().url(influx.url()).api("v1").v1(db, "", "", "").dbCreate(dbCreate)
                .schema(schema, "").gatewayId("gw").batch(batchSize, Duration.ofMillis(50), true)
                .retry(Duration.ofMillis(200), Duration.ofSeconds(2)).build());
        return o;
    }

    private boolean databaseExists(String db) throws Exception {
        return rows("_internal", "SHOW DATABASES").stream().anyMatch(r -> r.get("name").asText().equals(db));
    }

    @Test
    void aMissingDatabaseIsCreatedWhenDbCreateAllowsIt() throws Exception {
        assertThat(databaseExists("created")).isFalse();
        InfluxOutput o = output("created", Schema.DEFAULT, 5000, true);
        DeviceInfo d = Devices.device("m3", "demo", "m3", "power_import");
        o.readings(d, List.of(r("power_import", "42.5", Instant.parse("2026-02-06T00:00:00Z"))));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 1);
        assertThat(databaseExists("created")).isTrue();
        assertThat(rows("created", "SELECT power_import FROM demo")).singleElement()
                .satisfies(r -> assertThat(r.get("power_import").asDouble()).isEqualTo(42.5));
        assertThat(o.state()).isEqualTo(InfluxOutput.State.WRITING);
    }

    @Test
    void aMissingDatabaseWithoutDbCreateIsAConfigErrorNamingItAndNothingIsLost() throws Exception {
        InfluxOutput o = output("notyet", Schema.DEFAULT, 5000, false);
        DeviceInfo d = Devices.device("m4", "demo", "m4", "power_import");
        Instant t = Instant.parse("2026-02-07T00:00:00Z");
        o.readings(d, List.of(r("power_import", "1", t)));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.state() == InfluxOutput.State.CONFIG_ERROR);
        assertThat(o.detail()).contains("database 'notyet' does not exist", "db.create");
        assertThat(o.summary()).startsWith("CONFIG_ERROR database 'notyet'");
        assertThat(databaseExists("notyet")).isFalse();
        o.readings(d, List.of(r("power_import", "2", t.plusSeconds(1))));
        // the operator creates it by hand: what waited on disk arrives (at the next slow retry, 2 s here)
        influx.createDatabase("notyet");
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 2);
        assertThat(rows("notyet", "SELECT power_import FROM demo")).hasSize(2);
        assertThat(o.state()).isEqualTo(InfluxOutput.State.WRITING);
    }

    @Test
    void integerChannelsAreStoredAsIntegers() throws Exception {
        InfluxOutput o = output("integers", Schema.DEFAULT, 5000);
        DeviceInfo d = DeviceInfo.builder("p1", DeviceState.ONLINE).name("p1").driver("dsmr", "1.0.0")
                .channels(List.of(Channel.builder("power_failures").integer(true).build(),
                        Channel.builder("power_import").build())).build();
        Instant t = Instant.parse("2026-02-08T00:00:00Z");
        o.readings(d, List.of(r("power_failures", "00004", t), r("power_import", "0.25", t)));
        o.readings(d, List.of(r("power_failures", "4.5", t.plusSeconds(1)), r("power_import", "0.5", t.plusSeconds(1))));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 2);
        assertThat(rows("integers", "SHOW FIELD KEYS FROM dsmr")).extracting(r -> r.get("fieldKey").asText() + ":"
                + r.get("fieldType").asText()).containsExactlyInAnyOrder("power_failures:integer", "power_import:float");
        assertThat(rows("integers", "SELECT power_failures FROM dsmr WHERE power_failures = 4")).hasSize(1);
        assertThat(o.refusedValues()).isEqualTo(1);
        assertThat(o.rejected()).isZero();
    }

    @Test
    void aFieldAnEarlierGatewayWroteAsFloatStaysAFloatAndNothingIsLost() throws Exception {
        InfluxOutput o = output("upgraded", Schema.DEFAULT, 5000);
        Instant t = Instant.parse("2026-02-10T00:00:00Z");
        // what an earlier gateway wrote: every number a float
        assertThat(influx.write("upgraded", "dsmr,device=p1,gateway=gw,name=p1 power_failures=3,power_import=1 "
                + org.meter2mqtt.influxdb.line.LineWriter.nanos(t) + "\n")).isEqualTo(204);
        DeviceInfo d = DeviceInfo.builder("p1", DeviceState.ONLINE).name("p1").driver("dsmr", "1.0.0")
                .channels(List.of(Channel.builder("power_failures").integer(true).build(),
                        Channel.builder("power_import").build())).build();
        o.readings(d, List.of(r("power_failures", "4", t.plusSeconds(1)), r("power_import", "2", t.plusSeconds(1))));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 1);
        o.readings(d, List.of(r("power_failures", "5", t.plusSeconds(2)), r("power_import", "3", t.plusSeconds(2))));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 2);
        assertThat(o.rejected()).isZero();
        assertThat(rows("upgraded", "SHOW FIELD KEYS FROM dsmr")).extracting(r -> r.get("fieldKey").asText() + ":"
                + r.get("fieldType").asText()).containsExactlyInAnyOrder("power_failures:float", "power_import:float");
        assertThat(rows("upgraded", "SELECT power_failures, power_import FROM dsmr"))
                .extracting(r -> r.get("power_failures").asInt() + "/" + r.get("power_import").asInt())
                .containsExactly("3/1", "4/2", "5/3");
        // learned for good: a new output on the same buffer folder writes it as a float from the start
        assertThat(new FloatFields(base.resolve("buffer-upgraded-float-fields.txt")).contains("dsmr",
                "power_failures")).isTrue();
    }

    @Test
    void theUsersQueriesOfTheOldServiceStillWorkAndTheDeviceTagTellsHomesApart() throws Exception {
        InfluxOutput o = output("upgrade", Schema.SMART_METER_SERVICE, 5000);
        // what the old service wrote before the upgrade: no device tag
        Instant old = Instant.parse("2026-02-09T00:00:00Z");
        assertThat(influx.write("upgrade", "smart_meter,meter_type=home_assistant total_power_w=1000,daily_kwh=1 "
                + org.meter2mqtt.influxdb.line.LineWriter.nanos(old) + "\nsmart_meter_circuit,circuit_name=kitchen,meter_type=home_assistant "
                + "power_w=100,percentage=10 " + org.meter2mqtt.influxdb.line.LineWriter.nanos(old) + "\n")).isEqualTo(204);
        Instant t = old.plusSeconds(300);
        o.readings(Devices.homeAssistant(), List.of(r("total_power", "2000", t), r("daily_energy", "2", t),
                r("circuit_kitchen", "400", t), r("circuit_kitchen_share", "20", t)));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 2);
        // the dashboards' queries, unchanged: old and new points in one answer
        assertThat(rows("upgrade", "SELECT total_power_w FROM smart_meter WHERE meter_type = 'home_assistant'"))
                .extracting(r -> r.get("total_power_w").asInt()).containsExactly(1000, 2000);
        assertThat(rows("upgrade", "SELECT mean(power_w) FROM smart_meter_circuit WHERE circuit_name = 'kitchen' "
                + "AND time >= '2026-02-09T00:00:00Z' AND time < '2026-02-09T00:10:00Z' GROUP BY time(10m)"))
                .extracting(r -> r.get("mean").asInt()).containsExactly(250);
        assertThat(rows("upgrade", "SELECT last(percentage) FROM smart_meter_circuit GROUP BY circuit_name"))
                .extracting(r -> r.get("last").asInt()).containsExactly(20);
        // a second home is its own series, no longer overwriting the first at equal times
        o.readings(Devices.device("flat", "homeassistant", "Flat", "total_power"), List.of(r("total_power", "3000", t)));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 3);
        assertThat(rows("upgrade", "SELECT total_power_w FROM smart_meter WHERE device = 'flat'"))
                .extracting(r -> r.get("total_power_w").asInt()).containsExactly(3000);
        assertThat(rows("upgrade", "SELECT total_power_w FROM smart_meter WHERE device = 'ha'"))
                .extracting(r -> r.get("total_power_w").asInt()).containsExactly(2000);
    }

    /** Rows of a query as column name to value. */
    private List<Map<String, JsonNode>> rows(String db, String q) throws Exception {
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        for (JsonNode series : influx.query(db, q).path("series")) {
            for (JsonNode values : series.path("values")) {
                Map<String, JsonNode> row = new HashMap<>();
                for (int i = 0; i < series.path("columns").size(); i++) {
                    row.put(series.path("columns").get(i).asText(), values.get(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private long count(String db, String q) throws Exception {
        JsonNode v = influx.query(db, q).path("series").path(0).path("values").path(0).path(1);
        return v.isMissingNode() ? 0 : v.asLong();
    }

    @Test
    void readingsAreQueriedBackEqualWithTheirMeterTimestampsNastyNamesIncluded() throws Exception {
        InfluxOutput o = output("roundtrip", Schema.DEFAULT, 5000);
        Instant t1 = Instant.parse("2026-02-03T10:11:12.123456789Z");
        Instant t2 = Instant.parse("2026-02-03T10:11:13.000001Z");
        DeviceInfo nasty = Devices.device("küche 1,a=b", "demo", "Kitchen \"main\", \\ ☀", "energy_import",
                "power_import", "meter_id");
        o.readings(nasty, List.of(r("energy_import", "001234.567", t1), r("power_import", "-0.125", t1),
                Reading.text("meter_id", "ID \"7\" \\ x,y=z", t1)));
        o.readings(nasty, List.of(r("power_import", "230.5", t2)));
        DeviceInfo trailing = Devices.device("dev", "demo", "C:\\", "power_import");
        o.readings(trailing, List.of(r("power_import", "1", t1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 3);

        List<Map<String, JsonNode>> rows = rows("roundtrip", "SELECT * FROM demo WHERE gateway = 'gw' ORDER BY time");
        assertThat(rows).hasSize(3);
        Map<String, JsonNode> first = rows.stream().filter(r -> r.get("device").asText().equals("küche 1,a=b"))
                .findFirst().orElseThrow();
        assertThat(first.get("time").asLong()).isEqualTo(1770113472123456789L);
        assertThat(first.get("name").asText()).isEqualTo("Kitchen \"main\", \\ ☀");
        assertThat(first.get("energy_import").decimalValue()).isEqualByComparingTo("1234.567");
        assertThat(first.get("power_import").decimalValue()).isEqualByComparingTo("-0.125");
        assertThat(first.get("meter_id").asText()).isEqualTo("ID \"7\" \\ x,y=z");
        assertThat(rows("roundtrip", "SELECT power_import FROM demo WHERE device = 'küche 1,a=b' AND time > "
                + "1770113472123456789")).singleElement().satisfies(r -> {
                    assertThat(r.get("time").asLong()).isEqualTo(1770113473000001000L);
                    assertThat(r.get("power_import").asDouble()).isEqualTo(230.5);
                });
        // the one thing line protocol cannot carry: a trailing backslash gets a space after it (see LineWriter)
        assertThat(rows("roundtrip", "SELECT * FROM demo WHERE device = 'dev'")).singleElement()
                .satisfies(r -> assertThat(r.get("name").asText()).isEqualTo("C:\\ "));
        // the field types: floats for numbers, strings for text
        assertThat(rows("roundtrip", "SHOW FIELD KEYS FROM demo")).extracting(r -> r.get("fieldKey").asText() + ":"
                + r.get("fieldType").asText()).containsExactlyInAnyOrder("energy_import:float", "power_import:float",
                        "meter_id:string");
    }

    @Test
    void smartMeterServiceSchemaLandsInTheUsersMeasurements() throws Exception {
        InfluxOutput o = output("smartmeter", Schema.SMART_METER_SERVICE, 5000);
        Instant t = Instant.parse("2026-02-03T12:00:00.5Z");
        o.readings(Devices.homeAssistant(), List.of(r("total_power", "2500", t), r("daily_energy", "7.5", t),
                r("circuit_kitchen", "500", t), r("circuit_kitchen_share", "20", t)));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 2);
        assertThat(rows("smartmeter", "SELECT * FROM smart_meter")).singleElement().satisfies(r -> {
            assertThat(r.get("time").asLong()).isEqualTo(1770120000500000000L);
            assertThat(r.get("meter_type").asText()).isEqualTo("home_assistant");
            assertThat(r.get("total_power_w").asDouble()).isEqualTo(2500.0);
            assertThat(r.get("daily_kwh").asDouble()).isEqualTo(7.5);
        });
        assertThat(rows("smartmeter", "SELECT * FROM smart_meter_circuit")).singleElement().satisfies(r -> {
            assertThat(r.get("circuit_name").asText()).isEqualTo("kitchen");
            assertThat(r.get("power_w").asDouble()).isEqualTo(500.0);
            assertThat(r.get("percentage").asDouble()).isEqualTo(20.0);
        });
    }

    @Test
    void aPointInfluxRefusesDoesNotHoldBackTheRest() throws Exception {
        InfluxOutput o = output("badpoint", Schema.DEFAULT, 5000);
        DeviceInfo d = Devices.device("m1", "demo", "m1", "power_import");
        Instant t = Instant.parse("2026-02-04T00:00:00Z");
        o.readings(d, List.of(r("power_import", "1", t)));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 1);
        // the same field as text: InfluxDB answers 400 "field type conflict" for this point only
        o.readings(d, List.of(r("power_import", "2", t.plusSeconds(1))));
        o.readings(d, List.of(Reading.text("power_import", "oops", t.plusSeconds(2))));
        o.readings(d, List.of(r("power_import", "4", t.plusSeconds(3))));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.rejected() == 1 && o.written() == 3);
        o.readings(d, List.of(r("power_import", "5", t.plusSeconds(4))));
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 4);
        assertThat(rows("badpoint", "SELECT power_import FROM demo")).extracting(r -> r.get("power_import").asInt())
                .containsExactly(1, 2, 4, 5);
        assertThat(o.retries()).isZero();
        assertThat(o.state()).isEqualTo(InfluxOutput.State.WRITING);
    }

    @Test
    void influxStoppedForThirtySecondsAndRestartedLosesNothing() throws Exception {
        InfluxOutput o = output("outage", Schema.DEFAULT, 50);
        DeviceInfo d = Devices.device("m2", "demo", "m2", "power_import");
        Instant t = Instant.parse("2026-02-05T00:00:00Z");
        int n = 0;
        for (; n < 20; n++) {
            o.readings(d, List.of(r("power_import", Integer.toString(n), t.plusSeconds(n))));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> o.written() == 20);
        influx.stop();
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until) {
            o.readings(d, List.of(r("power_import", Integer.toString(n), t.plusSeconds(n))));
            n++;
            Thread.sleep(50);
        }
        assertThat(o.state()).isEqualTo(InfluxOutput.State.RETRYING);
        assertThat(o.buffered()).isGreaterThan(0);
        assertThat(o.written()).isEqualTo(20);
        influx.start();
        int total = n;
        await().atMost(Duration.ofSeconds(30)).until(() -> o.written() == total);
        assertThat(count("outage", "SELECT count(power_import) FROM demo")).isEqualTo(total);
        assertThat(count("outage", "SELECT sum(power_import) FROM demo")).isEqualTo((long) total * (total - 1) / 2);
        assertThat(o.state()).isEqualTo(InfluxOutput.State.WRITING);
        await().until(() -> o.buffered() == 0);
    }
}
