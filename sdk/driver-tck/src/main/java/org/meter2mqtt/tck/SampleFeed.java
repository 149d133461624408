package org.meter2mqtt.tck;

import java.util.Map;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DriverException;

/**
 * How the kit makes the meter behind a driver speak: good data, bad data, or a lost link. A driver that
 * reads bytes uses {@link ByteFeed}; one that simulates its meter (or talks to a server the test started)
 * writes its own feed. Only what a feed {@linkplain #canSendBadData() can do} is checked.
 */
public interface SampleFeed {

    /** Configuration a device needs to read from this feed, beyond {@code driver=<id>} (e.g. {@code port}). */
    default Map<String, String> config() {
        return Map.of();
    }

    /** What {@link org.meter2mqtt.api.DeviceContext#openLink} returns in the kit. */
    default ByteLink openLink(String uri, Map<String, String> defaults) throws DriverException {
        throw new DriverException("the compliance kit's feed offers no byte link (" + uri + ")");
    }

    /** From now on the meter sends good data. */
    default void good() {
    }

    /** True when {@link #bad()} makes the meter send corrupt data. */
    default boolean canSendBadData() {
        return false;
    }

    /** From now on the meter sends corrupt data (bad CRC, garbage, truncated frames). */
    default void bad() {
        throw new UnsupportedOperationException("this feed sends no bad data");
    }

    /** True when {@link #cut()} loses the link. */
    default boolean canLoseLink() {
        return false;
    }

    /** The link is lost: reads and writes fail, new links cannot be opened. {@link #good()} restores it. */
    default void cut() {
        throw new UnsupportedOperationException("this feed cannot lose its link");
    }

    /** A meter the driver simulates itself (no link, no bad data to inject). */
    static SampleFeed simulated() {
        return new SampleFeed() {
        };
    }
}
