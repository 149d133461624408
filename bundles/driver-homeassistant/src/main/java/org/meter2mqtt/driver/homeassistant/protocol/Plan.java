package org.meter2mqtt.driver.homeassistant.protocol;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What discovery chose: the sources by channel, and the entities it left out with the reason. */
public final class Plan {

    private final List<Source> sources;
    private final Map<String, Source> byEntity;
    private final Map<String, String> skipped;

    Plan(List<Source> sources, Map<String, String> skipped) {
        this.sources = List.copyOf(sources);
        this.byEntity = sources.stream().collect(Collectors.toUnmodifiableMap(Source::entityId, Function.identity(),
                (a, b) -> a));
        this.skipped = Map.copyOf(skipped);
    }

    /** In channel order: total_power, daily_energy, circuits by entity id, others. */
    public List<Source> sources() {
        return sources;
    }

    public Optional<Source> forEntity(String entityId) {
        return Optional.ofNullable(byEntity.get(entityId));
    }

    public Optional<Source> ofKind(Source.Kind kind) {
        return sources.stream().filter(s -> s.kind() == kind).findFirst();
    }

    /** Entity id to the reason it is not read (loop rule, unusable unit). */
    public Map<String, String> skipped() {
        return skipped;
    }

    @Override
    public String toString() {
        return sources + ", skipped " + skipped.keySet();
    }
}
