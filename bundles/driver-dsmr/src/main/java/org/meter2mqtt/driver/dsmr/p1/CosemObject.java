package org.meter2mqtt.driver.dsmr.p1;

import java.util.Arrays;

/** One line of a telegram: an OBIS code and the texts between its parentheses, in order. Immutable. */
public final class CosemObject {

    private final long obis;
    private final String[] values;

    CosemObject(long obis, String[] values) {
        this.obis = obis;
        this.values = values;
    }

    /** The packed OBIS code, see {@link Obis}. */
    public long obis() {
        return obis;
    }

    public int valueCount() {
        return values.length;
    }

    /** The i-th value text as printed, e.g. {@code 001234.567*kWh}; empty for {@code ()}. */
    public String value(int i) {
        return values[i];
    }

    /** The last value: where DSMR puts the measured value of multi-value objects. */
    public String lastValue() {
        return values[values.length - 1];
    }

    CosemObject withExtraValues(String[] more) {
        String[] all = Arrays.copyOf(values, values.length + more.length);
        System.arraycopy(more, 0, all, values.length, more.length);
        return new CosemObject(obis, all);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(Obis.format(obis));
        for (String v : values) {
            sb.append('(').append(v).append(')');
        }
        return sb.toString();
    }
}
