package org.meter2mqtt.mqtt.layout;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compatibility layout as data: the topics and payloads that an existing program's subscribers expect, so a
 * device can also be published in it (a device's {@code mqtt.layouts}). Two shapes cover the programs we replace:
 * one JSON object per batch ({@link JsonMessage}, kpm33b_proxy) and one topic per channel ({@link PerChannel},
 * the EMDC writer and kamstrup2mqtt). The definitions are in {@link Layouts}.
 */
public final class Layout {

    /** How numbers are written. */
    public enum Numbers {
        /** the plain decimal as the meter printed it ({@code 0.000} stays {@code 0.000}) */
        AS_PRINTED,
        /** as Python's {@code str(float)}: {@code 12.3}, {@code 1506.0} ({@link PyFloat}) */
        PYTHON_FLOAT
    }

    /** What a JSON field carries. */
    public enum Source {
        /** the layout's {@code id} setting */
        ID,
        /** the batch's timestamp as {@code yyyyMMddHHmmss} in the layout's {@code zone} */
        METER_TIME,
        /** a channel's value, {@code null} when the batch lacks it */
        CHANNEL
    }

    /** One field of a JSON object; {@code option} names the value of the {@code phases} setting that adds it. */
    public static final class Field {
        final String name;
        final Source source;
        final String channel;
        final String option;

        Field(String name, Source source, String channel, String option) {
            this.name = name;
            this.source = source;
            this.channel = channel;
            this.option = option;
        }

        static Field id() {
            return new Field("id", Source.ID, null, null);
        }

        static Field time() {
            return new Field("time", Source.METER_TIME, null, null);
        }

        static Field channel(String name, String channel) {
            return new Field(name, Source.CHANNEL, channel, null);
        }

        static Field optional(String channel, String option) {
            return new Field(channel, Source.CHANNEL, channel, option);
        }
    }

    /**
     * One JSON object per batch that holds any of the {@code when} channels, on {@code topic} ({@code {topic}} is
     * the layout's base topic, {@code {id}} its id setting).
     */
    public static final class JsonMessage {
        final String topic;
        final Set<String> when;
        final List<Field> fields;

        JsonMessage(String topic, Set<String> when, List<Field> fields) {
            this.topic = topic;
            this.when = when;
            this.fields = fields;
        }
    }

    /**
     * One message per channel value on {@code <topic>/<name>}. {@code names} maps the channels published to their
     * topic names (null: every channel under its own id); {@code units} gives the unit a channel is published in
     * when it differs from the channel's.
     */
    public static final class PerChannel {
        final Map<String, String> names;
        final Map<String, String> units;

        PerChannel(Map<String, String> names, Map<String, String> units) {
            this.names = names;
            this.units = units;
        }
    }

    final String name;
    final Map<String, String> defaults;
    final Set<String> options;
    final Numbers numbers;
    final List<JsonMessage> json;
    final PerChannel perChannel;
    final boolean status;

    /**
     * @param defaults every setting the layout knows, with its default ({@code topic}, {@code qos},
     *        {@code retain}, and the layout's own)
     * @param options the values the {@code phases} setting may list (empty when the layout has none)
     * @param status whether {@code <topic>/status} carries online/offline, retained
     */
    Layout(String name, Map<String, String> defaults, Set<String> options, Numbers numbers, List<JsonMessage> json,
            PerChannel perChannel, boolean status) {
        this.name = name;
        this.defaults = new LinkedHashMap<>(defaults);
        this.options = options;
        this.numbers = numbers;
        this.json = json;
        this.perChannel = perChannel;
        this.status = status;
    }

    public String name() {
        return name;
    }

    /** The settings it knows, with their defaults. */
    public Map<String, String> defaults() {
        return defaults;
    }
}
