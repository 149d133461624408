package org.meter2mqtt.tck.boundary.clean;

import java.util.List;
import java.util.function.Function;

/** A protocol class as it should be: plain Java only (a lambda too, which compiles to a hidden method). */
public final class Codec {

    public static List<Integer> decode(byte[] frame) {
        Function<Byte, Integer> unsigned = b -> b & 0xff;
        return List.of(unsigned.apply(frame[0]));
    }
}
