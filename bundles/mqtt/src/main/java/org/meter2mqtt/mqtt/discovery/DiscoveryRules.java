package org.meter2mqtt.mqtt.discovery;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of Home Assistant discovery that decide which retained topics are announced and which are retracted
 * (an empty retained payload). Pure: no Paho, no files; the publisher thread applies what they return. Table tests
 * in {@code DiscoveryRulesTest}.
 */
public final class DiscoveryRules {

    private DiscoveryRules() {
    }

    /** Which status topics a settings change moved, so the old retained ones must be cleared. */
    public enum StatusMove {
        /** Neither the topic prefix nor the gateway id changed. */
        NONE,
        /** Only the gateway id: the gateway's status topic moved, the devices' did not. */
        GATEWAY,
        /** The topic prefix: the gateway's and every device's status and info topics moved. */
        ALL
    }

    /**
     * True when every config announced under the old settings must be retracted: discovery was turned off, or its
     * topics moved (every config topic holds the discovery prefix and the gateway id).
     */
    public static boolean retractAll(boolean oldDiscovery, String oldPrefix, String oldGatewayId,
            boolean newDiscovery, String newPrefix, String newGatewayId) {
        if (!oldDiscovery) {
            return false;
        }
        return !newDiscovery || !newPrefix.equals(oldPrefix) || !newGatewayId.equals(oldGatewayId);
    }

    public static StatusMove statusMove(String oldTopicPrefix, String oldGatewayId, String newTopicPrefix,
            String newGatewayId) {
        if (!newTopicPrefix.equals(oldTopicPrefix)) {
            return StatusMove.ALL;
        }
        return newGatewayId.equals(oldGatewayId) ? StatusMove.NONE : StatusMove.GATEWAY;
    }

    /** Config topics announced before (stored or in memory) that the device no longer has: retract them. */
    public static Set<String> gone(Set<String> announcedBefore, Set<String> configsNow) {
        Set<String> gone = new LinkedHashSet<>();
        for (String t : announcedBefore) {
            if (!configsNow.contains(t)) {
                gone.add(t);
            }
        }
        return gone;
    }

    /** Configs whose payload differs from what was sent (or that were never sent): announce them, in order. */
    public static List<String> changed(Map<String, byte[]> configsNow, SentConfigs sent) {
        return configsNow.entrySet().stream().filter(e -> !sent.sent(e.getKey(), e.getValue()))
                .map(Map.Entry::getKey).toList();
    }

    /** Devices announced in an earlier run that did not come back (their .cfg was removed while stopped). */
    public static Set<String> orphans(Set<String> announcedDevices, Set<String> currentDevices) {
        Set<String> out = new LinkedHashSet<>();
        for (String d : announcedDevices) {
            if (!currentDevices.contains(d)) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * What to retract for an orphan: its entities, and its status topic and the info topic next to it (when a
     * status topic was recorded).
     */
    public static Set<String> orphanTopics(Set<String> announced, String statusTopic) {
        Set<String> gone = new LinkedHashSet<>(announced);
        if (statusTopic != null) {
            gone.add(statusTopic);
            gone.add(statusTopic.replaceFirst("/status$", "/info"));
        }
        return gone;
    }
}
