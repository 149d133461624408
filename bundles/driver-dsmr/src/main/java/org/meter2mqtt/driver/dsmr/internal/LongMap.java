package org.meter2mqtt.driver.dsmr.internal;

/** A small open-addressing map from packed OBIS codes to values: lookups without boxing. Filled once. */
final class LongMap<V> {

    private long[] keys = new long[256];
    private Object[] values = new Object[256];
    private int size;

    void put(long key, V value) {
        if (size * 2 >= keys.length) {
            grow();
        }
        int i = slot(key, keys.length);
        while (values[i] != null && keys[i] != key) {
            i = (i + 1) & (keys.length - 1);
        }
        if (values[i] == null) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = slot(key, keys.length);
        while (values[i] != null) {
            if (keys[i] == key) {
                return (V) values[i];
            }
            i = (i + 1) & (keys.length - 1);
        }
        return null;
    }

    private static int slot(long key, int capacity) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (capacity - 1);
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                put(oldKeys[i], (V) oldValues[i]);
            }
        }
    }
}
