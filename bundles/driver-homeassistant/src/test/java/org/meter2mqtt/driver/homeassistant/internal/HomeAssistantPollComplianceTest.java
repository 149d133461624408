package org.meter2mqtt.driver.homeassistant.internal;

import java.util.Map;

/** The same compliance kit in {@code mode = poll} (REST every second here), against the same simulator. No waivers. */
class HomeAssistantPollComplianceTest extends HomeAssistantComplianceTest {

    @Override
    protected Map<String, String> mode() {
        return Map.of("mode", "poll", "poll.interval", "1");
    }
}
