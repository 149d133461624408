package org.meter2mqtt.driver.pulse.protocol;

/** What a pulse measures. */
public enum Kind {
    ACTIVE("active"), REACTIVE("reactive");

    private final String key;

    Kind(String key) {
        this.key = key;
    }

    /** Lower-case name used in state keys and channel ids. */
    public String key() {
        return key;
    }
}
