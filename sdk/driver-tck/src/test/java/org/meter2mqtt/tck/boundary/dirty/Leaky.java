package org.meter2mqtt.tck.boundary.dirty;

import java.time.Instant;

/** A protocol class that reaches into the gateway API, by full name and without an import statement. */
public final class Leaky {

    public static Object decode(byte[] frame) {
        return org.meter2mqtt.api.Reading.of("energy", frame.length, Instant.EPOCH);
    }
}
