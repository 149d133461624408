package org.meter2mqtt.driver.pulse.protocol;

import java.util.Objects;

/**
 * One pulse as the edge reported it.
 *
 * @param source which capture channel of which edge: {@code dc_id}, prefixed with {@code device_id} when the
 *        body names one; duplicates are recognised per source and kind
 * @param dcId the capture channel as the edge wrote it (for the {@code dc.id} filter)
 * @param kind active or reactive energy
 * @param tsMillis the edge's time of the pulse, milliseconds since the epoch
 */
public record Pulse(String source, String dcId, Kind kind, long tsMillis) {

    public Pulse {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(dcId, "dcId");
        Objects.requireNonNull(kind, "kind");
    }
}
