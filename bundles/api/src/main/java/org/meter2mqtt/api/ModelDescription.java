package org.meter2mqtt.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One meter model a driver supports, with the channels it can produce. Immutable. */
public final class ModelDescription {

    private final String id;
    private final String name;
    private final String manufacturer;
    private final List<Channel> channels;

    public ModelDescription(String id, String name, String manufacturer, List<Channel> channels) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = name == null ? id : name;
        this.manufacturer = manufacturer == null ? "" : manufacturer;
        this.channels = List.copyOf(channels);
    }

    /** Value of the {@code model} key, e.g. {@code 403}. */
    public String id() {
        return id;
    }

    /** Human name, e.g. {@code MULTICAL 403}; shown as the Home Assistant model. */
    public String name() {
        return name;
    }

    /** Shown as the Home Assistant manufacturer. */
    public String manufacturer() {
        return manufacturer;
    }

    /**
     * Channels known in advance. Drivers that find channels at runtime (M-Bus devices behind a P1 port)
     * announce the rest with {@link DeviceContext#announce(Channel)}.
     */
    public List<Channel> channels() {
        return channels;
    }

    public Optional<Channel> channel(String channelId) {
        return channels.stream().filter(c -> c.id().equals(channelId)).findFirst();
    }
}
