package org.meter2mqtt.driver.homeassistant.protocol;

import java.util.Objects;

/** One entity chosen as the source of one channel, and why it was chosen. */
public final class Source {

    /** What the entity stands for; decides the channel's unit and metadata. */
    public enum Kind {
        /** Whole-home power, channel {@code total_power}, W. */
        TOTAL_POWER,
        /** Energy used today, channel {@code daily_energy}, kWh. */
        DAILY_ENERGY,
        /** One circuit's power, channel {@code circuit_<object id>}, W, with a share of the total. */
        CIRCUIT,
        /** An entity named in {@code entities} that no rule above classifies; channel {@code <object id>}. */
        OTHER
    }

    private final Kind kind;
    private final String channelId;
    private final String entityId;
    private final String why;

    public Source(Kind kind, String channelId, String entityId, String why) {
        this.kind = Objects.requireNonNull(kind);
        this.channelId = Objects.requireNonNull(channelId);
        this.entityId = Objects.requireNonNull(entityId);
        this.why = why;
    }

    public Kind kind() {
        return kind;
    }

    public String channelId() {
        return channelId;
    }

    /** The share channel of a circuit, {@code circuit_<object id>_share}. */
    public String shareChannelId() {
        return channelId + "_share";
    }

    public String entityId() {
        return entityId;
    }

    public String why() {
        return why;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Source && ((Source) o).kind == kind && ((Source) o).channelId.equals(channelId)
                && ((Source) o).entityId.equals(entityId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, channelId, entityId);
    }

    @Override
    public String toString() {
        return channelId + " <- " + entityId + " (" + why + ")";
    }
}
