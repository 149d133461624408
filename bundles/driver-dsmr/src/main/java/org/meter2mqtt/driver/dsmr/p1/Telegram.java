package org.meter2mqtt.driver.dsmr.p1;

import java.util.Collections;
import java.util.List;

/**
 * One complete P1 telegram that passed its checks: the header identification and the objects in order.
 * Immutable.
 */
public final class Telegram {

    private final String header;
    private final List<CosemObject> objects;
    private final boolean crcChecked;
    private final List<String> skippedLines;

    Telegram(String header, List<CosemObject> objects, boolean crcChecked, List<String> skippedLines) {
        this.header = header;
        this.objects = Collections.unmodifiableList(objects);
        this.crcChecked = crcChecked;
        this.skippedLines = skippedLines.isEmpty() ? List.of() : Collections.unmodifiableList(skippedLines);
    }

    /** The identification after '/', e.g. {@code ISK5\2M550T-1012}; control characters replaced by '?'. */
    public String header() {
        return header;
    }

    public List<CosemObject> objects() {
        return objects;
    }

    /** The first object with this OBIS code, or null. */
    public CosemObject find(long obis) {
        for (CosemObject o : objects) {
            if (o.obis() == obis) {
                return o;
            }
        }
        return null;
    }

    /** True when the telegram carried a CRC and it matched (DSMR 4 and later); false for 2.2/3 telegrams. */
    public boolean crcChecked() {
        return crcChecked;
    }

    /**
     * Lines of a CRC-checked telegram that could not be parsed and were left out; the meter did send them,
     * so the rest of the telegram is still good.
     */
    public List<String> skippedLines() {
        return skippedLines;
    }

    @Override
    public String toString() {
        return "/" + header + " (" + objects.size() + " objects" + (crcChecked ? ", CRC ok" : "") + ")";
    }
}
