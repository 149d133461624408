package org.meter2mqtt.driver.homeassistant.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Chooses which entities become which channels, with the users' smart-meter-service rules: whole-home power from
 * the first present of {@link #TOTAL_POWER_IDS}, daily energy from the first present of {@link #DAILY_ENERGY_IDS},
 * circuits as {@code sensor.power_*} or any sensor with {@code device_class} power in W or kW. The loop rule comes
 * first: the gateway's own MQTT entities are never candidates.
 */
public final class Discovery {

    public static final List<String> TOTAL_POWER_IDS = List.of("sensor.total_power", "sensor.power_total",
            "sensor.home_power", "sensor.power_consumption");
    public static final List<String> DAILY_ENERGY_IDS = List.of("sensor.daily_energy", "sensor.energy_daily",
            "sensor.energy_today");

    private static final Pattern CHANNEL_SAFE = Pattern.compile("[^a-z0-9_]+");

    private final List<Pattern> patterns;
    private final List<String> rawPatterns;

    /** @param entities the {@code entities} key: entity ids or globs ({@code *}, {@code ?}); empty = discover */
    public Discovery(List<String> entities) {
        this.rawPatterns = List.copyOf(entities);
        this.patterns = entities.stream().map(Discovery::glob).collect(Collectors.toList());
    }

    /** True when {@code entities} names plain entity ids only, so a server-side filter can name them. */
    public boolean explicitIdsOnly() {
        return !rawPatterns.isEmpty() && rawPatterns.stream().noneMatch(p -> p.contains("*") || p.contains("?"));
    }

    public List<String> explicitIds() {
        return rawPatterns;
    }

    /** Whether this entity could ever be a source (to notice a new one arriving in push mode). */
    public boolean candidate(EntityState s) {
        return patterns.isEmpty() ? s.domain().equals("sensor") : patterns.stream().anyMatch(
                p -> p.matcher(s.entityId()).matches());
    }

    public Plan plan(Collection<EntityState> states, LoopGuard guard) {
        Map<String, String> skipped = new TreeMap<>();
        Map<String, EntityState> candidates = new TreeMap<>();
        for (EntityState s : states) {
            if (!candidate(s)) {
                continue;
            }
            String own = guard.ownReason(s.entityId());
            if (own != null) {
                skipped.put(s.entityId(), own);
            } else {
                candidates.put(s.entityId(), s);
            }
        }
        List<Source> sources = new ArrayList<>();
        Set<String> wholeHome = Set.copyOf(concat(TOTAL_POWER_IDS, DAILY_ENERGY_IDS));
        firstPresent(candidates, TOTAL_POWER_IDS).ifPresent(id -> sources.add(new Source(Source.Kind.TOTAL_POWER,
                "total_power", id, "whole-home power: first present of " + String.join(", ", TOTAL_POWER_IDS))));
        firstPresent(candidates, DAILY_ENERGY_IDS).ifPresent(id -> sources.add(new Source(Source.Kind.DAILY_ENERGY,
                "daily_energy", id, "daily energy: first present of " + String.join(", ", DAILY_ENERGY_IDS))));
        List<Source> circuits = new ArrayList<>();
        List<Source> others = new ArrayList<>();
        for (EntityState s : candidates.values()) {
            if (wholeHome.contains(s.entityId())) {
                if (sources.stream().noneMatch(x -> x.entityId().equals(s.entityId()))) {
                    skipped.put(s.entityId(), "a whole-home sensor after the first present one, not a circuit");
                }
                continue;
            }
            String why = circuitReason(s);
            if (why != null) {
                circuits.add(new Source(Source.Kind.CIRCUIT, "circuit_" + channelSafe(s.objectId()), s.entityId(),
                        why));
            } else if (s.entityId().startsWith("sensor.power_")) {
                skipped.put(s.entityId(), "named sensor.power_* but its unit " + s.unit() + " is not W or kW");
            } else if (!patterns.isEmpty()) {
                others.add(new Source(Source.Kind.OTHER, channelSafe(s.objectId()), s.entityId(),
                        "named in 'entities'"));
            }
        }
        circuits.sort(Comparator.comparing(Source::entityId));
        sources.addAll(circuits);
        sources.addAll(others);
        return new Plan(sources, skipped);
    }

    private static String circuitReason(EntityState s) {
        if (!s.domain().equals("sensor")) {
            return null;
        }
        boolean wattUnit = Normaliser.isPowerUnit(s.unit());
        if (s.entityId().startsWith("sensor.power_") && (wattUnit || s.unit() == null)) {
            return "circuit: entity id matches sensor.power_*";
        }
        if ("power".equals(s.deviceClass()) && ("W".equals(s.unit()) || "kW".equals(s.unit()))) {
            return "circuit: device_class power in " + s.unit();
        }
        return null;
    }

    private static java.util.Optional<String> firstPresent(Map<String, EntityState> candidates, List<String> ids) {
        return ids.stream().filter(candidates::containsKey).findFirst();
    }

    /** Channel ids allow {@code [a-z0-9_]}; HA object ids already do, this guards odd ones. */
    static String channelSafe(String objectId) {
        String s = CHANNEL_SAFE.matcher(objectId.toLowerCase(java.util.Locale.ROOT)).replaceAll("_");
        return s.isEmpty() ? "_" : s;
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (char c : g.trim().toCharArray()) {
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** For meter:show: the skipped entities as one line. */
    public static String describeSkipped(Map<String, String> skipped) {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        skipped.forEach((id, why) -> byReason.computeIfAbsent(why, k -> new ArrayList<>()).add(id));
        return byReason.entrySet().stream().map(e -> String.join(", ", e.getValue()) + ": " + e.getKey())
                .collect(Collectors.joining("; "));
    }
}
