package org.meter2mqtt.mqtt.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the output owes the broker in retained messages, as tables, without a broker. */
class RetainedOutboxTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The queue as "topic=payload" ("topic=-" for an empty payload, "!" after an owed removal), in order. */
    private static String drain(RetainedOutbox o) {
        List<String> out = new ArrayList<>();
        RetainedOutbox.Message m;
        while ((m = o.poll()) != null) {
            String p = new String(m.payload(), StandardCharsets.UTF_8);
            out.add(m.topic() + "=" + (p.isEmpty() ? "-" : p) + (m.removal() ? "!" : "")
                    + (m.retain() ? "" : "(not retained)"));
        }
        return String.join(" ", out);
    }

    private static RetainedOutbox.Device device(String id, String configs, String online, String layouts) {
        Map<String, byte[]> c = new LinkedHashMap<>();
        if (!configs.isBlank()) {
            for (String ch : configs.trim().split(" ")) {
                c.put("ha/sensor/gw_" + id + "/" + ch + "/config", b("cfg-" + ch));
            }
        }
        List<String> l = layouts.isBlank() ? List.of() : Arrays.asList(layouts.trim().split(" "));
        return new RetainedOutbox.Device(c, "m/demo/" + id + "/info", b("info-" + id), "m/demo/" + id + "/status",
                online.equals("null") ? null : Boolean.valueOf(online), l);
    }

    @ParameterizedTest(name = "[{index}] discovery={0} online={1} layouts=[{2}] owed=[{3}]")
    @CsvSource(delimiter = '|', value = {
            // discovery on: gateway status, gateway config, device configs, then info and status
            "true  | true  |             |               | gw/status=online ha/gw/config=gw-cfg "
                    + "ha/sensor/gw_e1/energy/config=cfg-energy ha/sensor/gw_e1/power/config=cfg-power "
                    + "m/demo/e1/info=info-e1 m/demo/e1/status=online | ",
            // discovery off: no configs at all, statuses and info still
            "false | false |             |               | gw/status=online m/demo/e1/info=info-e1 "
                    + "m/demo/e1/status=offline | ",
            // availability not known yet: no status (neither for the device nor for its layouts)
            "false | null  | kamstrup/status |            | gw/status=online m/demo/e1/info=info-e1 | ",
            // a layout status says what the device's says
            "false | true  | kamstrup/status |            | gw/status=online m/demo/e1/info=info-e1 "
                    + "m/demo/e1/status=online kamstrup/status=online | ",
            // owed removals last, owed even with discovery off
            "false | true  |             | ha/sensor/gw_old/x/config | gw/status=online m/demo/e1/info=info-e1 "
                    + "m/demo/e1/status=online ha/sensor/gw_old/x/config=-! | ",
            // a removal owed for a topic that is ours again (moved away and back) is moot, not sent
            "true  | true  |             | ha/sensor/gw_e1/power/config ha/sensor/gw_old/x/config | "
                    + "gw/status=online ha/gw/config=gw-cfg ha/sensor/gw_e1/energy/config=cfg-energy "
                    + "ha/sensor/gw_e1/power/config=cfg-power m/demo/e1/info=info-e1 m/demo/e1/status=online "
                    + "ha/sensor/gw_old/x/config=-! | ha/sensor/gw_e1/power/config" })
    void fullSync(boolean discovery, String online, String layouts, String owed, String expected, String moot) {
        RetainedOutbox o = new RetainedOutbox();
        o.put("stale/topic", b("from the connection before"));
        Set<String> m = o.fullSync("gw/status", "ha/gw/config", discovery ? b("gw-cfg") : null,
                List.of(device("e1", "energy power", online, layouts == null ? "" : layouts)),
                owed == null ? List.of() : Arrays.asList(owed.trim().split(" ")));
        assertThat(drain(o)).isEqualTo(expected.trim());
        assertThat(m).containsExactlyElementsOf(moot == null ? List.of() : Arrays.asList(moot.trim().split(" ")));
        assertThat(o.isEmpty()).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // the latest payload per topic wins and keeps the place of the first
            "put a 1, put b 1, put a 2              | a=2 b=1",
            // an owed removal replaced by a new config is no longer a removal (the topic is in use again)
            "owe a, put b 1, put a 2                | a=2 b=1",
            // a config replaced by an owed removal: the removal is what the broker must end with
            "put a 1, owe a                         | a=-!",
            // a status that flips back and forth before the connection took it: only the last goes out
            "online s, offline s, online s          | s=online",
            // a removed device's status is emptied, not owed (nothing to forget afterwards)
            "online s, clear s                      | s=-",
            // a state re-sent after Home Assistant came back keeps its own retain flag
            "state t 7, put a 1                     | t=7(not retained) a=1" })
    void queueing(String steps, String expected) {
        RetainedOutbox o = new RetainedOutbox();
        for (String step : steps.split(",")) {
            String[] w = step.trim().split(" ");
            switch (w[0]) {
                case "put" -> o.put(w[1], b(w[2]));
                case "owe" -> o.owe(w[1]);
                case "online" -> o.status(w[1], true);
                case "offline" -> o.status(w[1], false);
                case "clear" -> o.clear(w[1]);
                case "state" -> o.put(w[1], b(w[2]), 0, false);
                default -> throw new IllegalArgumentException(step);
            }
        }
        assertThat(drain(o)).isEqualTo(expected.trim());
    }

    @Test
    void aLostConnectionForgetsWhatWasQueuedAndTheNextSyncRebuildsIt() {
        RetainedOutbox o = new RetainedOutbox();
        o.fullSync("gw/status", "ha/gw/config", null, List.of(device("e1", "", "true", "")), List.of("x"));
        assertThat(o.poll().topic()).isEqualTo("gw/status");
        o.clear();
        assertThat(o.isEmpty()).isTrue();
        assertThat(o.poll()).isNull();
        o.fullSync("gw/status", "ha/gw/config", null, List.of(device("e1", "", "true", "")), List.of("x"));
        assertThat(o.queued().stream().map(RetainedOutbox.Message::topic).collect(Collectors.toList()))
                .containsExactly("gw/status", "m/demo/e1/info", "m/demo/e1/status", "x");
    }
}
