package org.meter2mqtt.mqtt.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The discovery rules as tables, without a broker. */
class DiscoveryRulesTest {

    @ParameterizedTest(name = "{0}/{1}/{2} -> {3}/{4}/{5}: retract all = {6}")
    @CsvSource({
            // unchanged: nothing to retract
            "true, homeassistant, gw, true, homeassistant, gw, false",
            // discovery turned off: what was announced would stay as dead entities
            "true, homeassistant, gw, false, homeassistant, gw, true",
            // moved prefix or gateway id: every config topic holds both
            "true, homeassistant, gw, true, ha, gw, true",
            "true, homeassistant, gw, true, homeassistant, gw2, true",
            // discovery was off: nothing was announced
            "false, homeassistant, gw, true, ha, gw2, false",
            "false, homeassistant, gw, false, homeassistant, gw, false" })
    void retractAll(boolean oldOn, String oldPrefix, String oldGw, boolean newOn, String newPrefix, String newGw,
            boolean expected) {
        assertThat(DiscoveryRules.retractAll(oldOn, oldPrefix, oldGw, newOn, newPrefix, newGw)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}/{1} -> {2}/{3}: {4}")
    @CsvSource({
            "meters, gw, meters, gw, NONE",
            "meters, gw, meters, gw2, GATEWAY",
            "meters, gw, m2, gw, ALL",
            "meters, gw, m2, gw2, ALL" })
    void statusMove(String oldPrefix, String oldGw, String newPrefix, String newGw, DiscoveryRules.StatusMove expected) {
        assertThat(DiscoveryRules.statusMove(oldPrefix, oldGw, newPrefix, newGw)).isEqualTo(expected);
    }

    private static Set<String> set(String list) {
        return list.isBlank() ? Set.of() : new LinkedHashSet<>(Arrays.asList(list.trim().split(" ")));
    }

    @ParameterizedTest(name = "announced [{0}], now [{1}] -> retract [{2}]")
    @CsvSource(delimiter = '|', value = {
            // a channel dropped by a driver update
            "a b c | a c | b",
            // nothing gone
            "a b | a b c | ''",
            // a device without a driver keeps only its info sensor announced
            "a b info | info | a b",
            "'' | a | ''" })
    void gone(String before, String now, String expected) {
        assertThat(DiscoveryRules.gone(set(before), set(now))).containsExactlyElementsOf(set(expected));
    }

    @ParameterizedTest(name = "now [{0}], sent [{1}] -> announce [{2}]")
    @CsvSource(delimiter = '|', value = {
            // unchanged payloads are not sent again (a device that only changed state)
            "a=1 b=2 | a=1 b=2 | ''",
            // a new channel, and a changed unit
            "a=1 b=3 c=1 | a=1 b=2 | b c",
            // first time: all, in order
            "a=1 b=2 | '' | a b" })
    void changed(String now, String sent, String expected) {
        assertThat(DiscoveryRules.changed(configs(now), SentConfigs.of(configs(sent))))
                .containsExactlyElementsOf(set(expected));
    }

    private static Map<String, byte[]> configs(String list) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String kv : set(list)) {
            String[] p = kv.split("=");
            m.put(p[0], p[1].getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    @ParameterizedTest(name = "stored [{0}], running [{1}] -> orphans [{2}]")
    @CsvSource(delimiter = '|', value = {
            "e1 e2 e3 | e1 e3 | e2",
            "e1 | e1 e2 | ''",
            "e1 e2 | '' | e1 e2" })
    void orphans(String stored, String running, String expected) {
        assertThat(DiscoveryRules.orphans(set(stored), set(running))).containsExactlyElementsOf(set(expected));
    }

    @ParameterizedTest(name = "announced [{0}], status {1} -> [{2}]")
    @CsvSource(delimiter = '|', value = {
            "cfg1 cfg2 | meters/demo/e1/status | cfg1 cfg2 meters/demo/e1/status meters/demo/e1/info",
            // no status recorded (an older discovery.json): only the entities
            "cfg1 | | cfg1" })
    void orphanTopics(String announced, String status, String expected) {
        assertThat(DiscoveryRules.orphanTopics(set(announced), status)).containsExactlyElementsOf(set(expected));
    }

    @org.junit.jupiter.api.Test
    void changedKeepsConfigOrder() {
        Map<String, byte[]> now = configs("z=1 a=1 m=1");
        assertThat(DiscoveryRules.changed(now, SentConfigs.NONE)).isEqualTo(List.of("z", "a", "m"));
    }
}
