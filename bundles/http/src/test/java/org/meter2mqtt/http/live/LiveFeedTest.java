package org.meter2mqtt.http.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.http.Fixtures;
import org.meter2mqtt.http.health.OutputView;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class LiveFeedTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<OutputView> outputs = new ArrayList<>();
    // a long period: the test calls flush() itself
    private final LiveFeed feed = new LiveFeed(mapper, () -> List.copyOf(outputs),
            Clock.fixed(Fixtures.NOW, ZoneOffset.UTC), 3_600_000);

    @AfterEach
    void close() {
        feed.close();
    }

    private static final class Page implements LiveFeed.Subscriber {
        final List<String> updates = new ArrayList<>();
        int capacity = Integer.MAX_VALUE;
        boolean closed;

        @Override
        public boolean offer(String json) {
            if (updates.size() >= capacity) {
                return false;
            }
            return updates.add(json);
        }

        @Override
        public void closed() {
            closed = true;
        }
    }

    @Test
    void aNewReadingReachesAnOpenPageAsOneUpdateWithTheNewValue() throws Exception {
        Page page = new Page();
        feed.subscribe(page);
        feed.deviceChanged(Fixtures.device("a", DeviceState.ONLINE, 5, 0, 100));
        feed.flush();
        feed.readings(Fixtures.device("a", DeviceState.ONLINE, 0, 0, 100),
                List.of(Reading.of("power", 250.5, Fixtures.NOW)));
        feed.readings(Fixtures.device("a", DeviceState.ONLINE, 0, 0, 100),
                List.of(Reading.of("power", 260.5, Fixtures.NOW)));
        feed.flush();
        assertThat(page.updates).hasSize(2);
        JsonNode first = mapper.readTree(page.updates.get(0)).get("devices").get(0);
        assertThat(first.get("id").asText()).isEqualTo("a");
        JsonNode power = first.get("values").get(0);
        assertThat(power.get("channel").asText()).isEqualTo("power");
        assertThat(power.get("value").asText()).isEqualTo("100.0");
        assertThat(power.get("unit").asText()).isEqualTo("W");
        JsonNode update = mapper.readTree(page.updates.get(1));
        assertThat(update.get("devices")).isEmpty(); // only numbers changed: no full row
        JsonNode values = update.get("values").get(0);
        assertThat(values.get("id").asText()).isEqualTo("a");
        assertThat(values.get("readings").asLong()).isEqualTo(7); // counted here when the batch carries no counters
        assertThat(values.get("values").get("power").asText()).isEqualTo("260.5");
        assertThat(values.get("values").get("energy_import").asText()).isEqualTo("1234.5");
    }

    @Test
    void nothingIsSentWhenNothingChangedAndNothingIsBuiltWithoutPages() throws Exception {
        feed.readings(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1), List.of(Reading.of("power", 1, Fixtures.NOW)));
        feed.flush();
        assertThat(feed.updatesSent()).isZero();
        Page page = new Page();
        feed.subscribe(page);
        feed.flush();
        assertThat(page.updates).isEmpty(); // the change happened before the page opened (it got a snapshot)
    }

    @Test
    void removalAndOutputChangesAreSent() throws Exception {
        Page page = new Page();
        feed.subscribe(page);
        feed.deviceChanged(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1));
        feed.flush();
        feed.deviceRemoved(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1));
        outputs.add(new OutputView("mqtt", false, "CONNECTING", 0, 4, 0));
        feed.flush();
        JsonNode u = mapper.readTree(page.updates.get(1));
        assertThat(u.get("removed").get(0).asText()).isEqualTo("a");
        assertThat(u.get("outputs").get(0).get("buffered").asLong()).isEqualTo(4);
    }

    @Test
    void aPageThatCannotKeepUpIsDisconnected() throws Exception {
        Page slow = new Page();
        slow.capacity = 0;
        feed.subscribe(slow);
        feed.deviceChanged(Fixtures.device("a", DeviceState.ONLINE, 1, 0, 1));
        feed.flush();
        assertThat(slow.closed).isTrue();
        assertThat(feed.subscribers()).isZero();
    }
}
