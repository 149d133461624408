package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.Reading;

class BootReplayTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final BootReplay replay = new BootReplay(100, 3, now::get);

    private static List<Reading> batch(int n) {
        return List.of(Reading.of("count", n, null));
    }

    private static final DeviceInfo C1 = DeviceInfo.builder("c1", DeviceState.ONLINE).build();

    @Test
    void aLateOutputGetsTheBatchesOnceAndInOrder() {
        replay.record(C1, batch(1));
        replay.record(C1, batch(2));
        assertThat(replay.forNewOutput("mqtt")).extracting(b -> b.readings().get(0).number().intValue())
                .containsExactly(1, 2);
        assertThat(replay.forNewOutput("mqtt")).as("a re-created output of the same kind").isEmpty();
        assertThat(replay.forNewOutput("influx")).hasSize(2);
    }

    @Test
    void boundedToTheNewestAndCountsWhatItDropped() {
        for (int i = 1; i <= 5; i++) {
            replay.record(C1, batch(i));
        }
        assertThat(replay.forNewOutput("mqtt")).extracting(b -> b.readings().get(0).number().intValue())
                .containsExactly(3, 4, 5);
        assertThat(replay.dropped()).isEqualTo(2);
    }

    @Test
    void nothingAfterTheWindowAndTheBatchesAreLetGo() {
        replay.record(C1, batch(1));
        now.addAndGet(100);
        replay.record(C1, batch(2));
        assertThat(replay.open()).isFalse();
        assertThat(replay.kept()).as("batches kept after the window closed").isZero();
        assertThat(replay.forNewOutput("mqtt")).isEmpty();
    }

    @Test
    void theHotPathCheckTurnsFalseOnlyOnceTheBatchesAreLetGo() {
        // the device manager calls record (under its lock) only while open() is true: a check that turned false by
        // the clock alone would leave the kept batches in the heap for good
        replay.record(C1, batch(1));
        now.addAndGet(100);
        assertThat(replay.open()).as("open() while batches are still kept").isEqualTo(replay.kept() > 0);
        replay.record(C1, batch(2));
        assertThat(replay.open()).isFalse();
        assertThat(replay.kept()).isZero();
    }
}
