package org.meter2mqtt.driver.homeassistant.protocol;

import java.util.Locale;
import java.util.Set;

/**
 * Recognises entities this gateway announced to Home Assistant over MQTT discovery, so they are never read back
 * (a loop: gateway publishes, HA shows, gateway reads, publishes again). Two signs: the entity id starts with
 * {@code sensor.<gateway id>_} (the MQTT output sets {@code default_entity_id} to
 * {@code sensor.<gateway id>_<device>_<channel>}), or, where the WebSocket entity registry is available, the
 * entity belongs to platform {@code mqtt} with a unique id starting with {@code <gateway id>_}.
 */
public final class LoopGuard {

    private final String gatewayId;
    private final String entityPrefix;
    private final Set<String> registryOwn;

    /**
     * @param gatewayId   the MQTT output's {@code gateway.id}
     * @param registryOwn entity ids the entity registry lists with platform mqtt and a unique id of this gateway
     */
    public LoopGuard(String gatewayId, Set<String> registryOwn) {
        this.gatewayId = gatewayId;
        this.entityPrefix = "sensor." + slug(gatewayId) + "_";
        this.registryOwn = Set.copyOf(registryOwn);
    }

    public static LoopGuard prefixOnly(String gatewayId) {
        return new LoopGuard(gatewayId, Set.of());
    }

    /** The reason the entity is skipped, or null when it may be read. */
    public String ownReason(String entityId) {
        if (entityId.startsWith(entityPrefix)) {
            return "announced by this gateway over MQTT discovery (entity id starts with " + entityPrefix + ")";
        }
        if (registryOwn.contains(entityId)) {
            return "announced by this gateway over MQTT discovery (entity registry: platform mqtt, unique id "
                    + gatewayId + "_...)";
        }
        return null;
    }

    /** True when a registry entry (platform, unique id) is one of this gateway's MQTT discovery entities. */
    public static boolean isOwnRegistryEntry(String gatewayId, String platform, String uniqueId) {
        return "mqtt".equals(platform) && uniqueId != null && uniqueId.startsWith(gatewayId + "_");
    }

    public String entityPrefix() {
        return entityPrefix;
    }

    /**
     * Home Assistant turns a suggested entity id into a slug: lower case, every run of other characters an
     * underscore. A gateway id {@code Gw-1} therefore appears as {@code sensor.gw_1_...}.
     */
    static String slug(String s) {
        String lower = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        return lower.replaceAll("^_+|_+$", "");
    }
}
