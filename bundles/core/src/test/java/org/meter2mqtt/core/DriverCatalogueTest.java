package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.MeterDriver;

class DriverCatalogueTest {

    final DriverCatalogue catalogue = new DriverCatalogue();

    static ScriptedDriver driver(String id, String version) {
        return new ScriptedDriver(id, version);
    }

    DriverCatalogue.Change add(MeterDriver d) {
        return catalogue.add(d, d.describe());
    }

    /**
     * Each row registers the versions of one id in the given order (a space between them) and names the version
     * that must serve it.
     */
    @ParameterizedTest
    @CsvSource({
            "1.0.0, 1.0.0",
            "1.0.0 1.1.0, 1.1.0",
            "1.1.0 1.0.0, 1.1.0",
            "1.9.0 1.10.0, 1.10.0",
            "2.0.0 1.0.0.SNAPSHOT 1.5.0, 2.0.0",
            "1.0.0 1.0.0.SNAPSHOT, 1.0.0.SNAPSHOT",
    })
    void theHighestVersionServesWhateverTheOrder(String versions, String expected) {
        for (String v : versions.split(" ")) {
            add(driver("fake", v));
        }
        assertThat(catalogue.best("fake").version()).isEqualTo(expected);
        assertThat(catalogue.descriptions()).extracting(DriverDescription::version).containsExactly(expected);
    }

    @Test
    void amongEqualVersionsTheOneRegisteredLastServes() {
        ScriptedDriver first = driver("fake", "1.0.0");
        ScriptedDriver second = driver("fake", "1.0.0");
        add(first);
        DriverCatalogue.Change change = add(second);
        assertThat(change.best().driver()).isSameAs(second);
        assertThat(change.versions()).containsExactly("1.0.0", "1.0.0");
        // the re-installed jar going away hands the id back to the one still there
        assertThat(catalogue.remove(second).best().driver()).isSameAs(first);
    }

    @Test
    void theBestGoingAwayFallsBackToTheNextAndTheLastLeavesNothing() {
        ScriptedDriver v1 = driver("fake", "1.0.0");
        ScriptedDriver v2 = driver("fake", "2.0.0");
        add(v1);
        add(v2);
        DriverCatalogue.Change change = catalogue.remove(v2);
        assertThat(change.id()).isEqualTo("fake");
        assertThat(change.best().driver()).isSameAs(v1);
        assertThat(change.versions()).containsExactly("1.0.0");

        change = catalogue.remove(v1);
        assertThat(change.best()).isNull();
        assertThat(change.versions()).isEmpty();
        assertThat(catalogue.best("fake")).isNull();
        assertThat(catalogue.ids()).isEmpty();
        // a driver removed twice (DS unbinding after a manual removal) changes nothing
        assertThat(catalogue.remove(v1)).isNull();
    }

    @Test
    void anOlderVersionGoingAwayLeavesTheBestInPlace() {
        ScriptedDriver v1 = driver("fake", "1.0.0");
        ScriptedDriver v2 = driver("fake", "2.0.0");
        add(v1);
        add(v2);
        assertThat(catalogue.remove(v1).best().driver()).isSameAs(v2);
    }

    @Test
    void driversAreListedOnceEachOrderedById() {
        add(driver("kamstrup", "1.0.0"));
        add(driver("demo", "1.0.0"));
        add(driver("dsmr", "1.0.0"));
        add(driver("demo", "1.2.0"));
        List<String> listed = catalogue.descriptions().stream().map(d -> d.id() + " " + d.version())
                .collect(Collectors.toList());
        assertThat(listed).containsExactly("demo 1.2.0", "dsmr 1.0.0", "kamstrup 1.0.0");
        assertThat(catalogue.ids()).containsExactly("demo", "dsmr", "kamstrup");
    }

    @Test
    void aLookupSeesTheBestAndTheInstalledIdsOfOneMoment() {
        assertThat(catalogue.lookup("demo").best()).isNull();
        assertThat(catalogue.lookup("demo").installedIds()).isEmpty();
        assertThat(catalogue.best(null)).isNull();
        add(driver("demo", "1.0.0"));
        DriverCatalogue.Lookup lookup = catalogue.lookup("demo");
        assertThat(lookup.best().id()).isEqualTo("demo");
        assertThat(lookup.installedIds()).containsExactly("demo");
        assertThat(catalogue.lookup("dmeo").best()).isNull();
    }
}
