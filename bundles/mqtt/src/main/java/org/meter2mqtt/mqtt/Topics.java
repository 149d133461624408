package org.meter2mqtt.mqtt;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Topic names of ARCHITECTURE.md, scoped by gateway id. */
public final class Topics {

    private static final Pattern NOT_ID = Pattern.compile("[^a-zA-Z0-9_-]");
    private static final Pattern NOT_LEVEL = Pattern.compile("[+#/\\u0000-\\u001f]");

    private final String prefix;
    private final String haPrefix;
    private final String gatewayId;

    public Topics(MqttSettings s) {
        this.prefix = s.topicPrefix();
        this.haPrefix = s.discoveryPrefix();
        this.gatewayId = s.gatewayId();
    }

    /** Home Assistant allows only {@code [a-zA-Z0-9_-]} in node and object ids. */
    public static String sanitiseId(String s) {
        return NOT_ID.matcher(s).replaceAll("_");
    }

    /** One topic level: no wildcards, separators or control characters. */
    static String level(String s) {
        return NOT_LEVEL.matcher(s == null || s.isEmpty() ? "_" : s).replaceAll("_");
    }

    static boolean hasWildcard(String topic) {
        return topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0;
    }

    public String gatewayId() {
        return gatewayId;
    }

    public String device(String driver, String device) {
        return prefix + "/" + level(driver) + "/" + level(device);
    }

    public String value(String driver, String device, String channel) {
        return device(driver, device) + "/" + level(channel);
    }

    /** The topics of one device; not thread-safe (the publisher thread keeps one per device). */
    public Device forDevice(String driver, String device) {
        return new Device(driver, device(driver, device));
    }

    /**
     * Value and state topics of one device, built once: the publisher needs one per message, and building
     * them (sanitising every level with a regex) cost about a tenth of its time.
     */
    public static final class Device {
        private final String driver;
        private final String base;
        private final String state;
        private final Map<String, String> values = new HashMap<>();

        Device(String driver, String base) {
            this.driver = driver;
            this.base = base;
            this.state = base + "/state";
        }

        /** The driver id these topics were built for (a device may change driver). */
        public String driver() {
            return driver;
        }

        public String state() {
            return state;
        }

        public String value(String channel) {
            String t = values.get(channel);
            if (t == null) {
                t = base + "/" + level(channel);
                values.put(channel, t);
            }
            return t;
        }
    }

    public String state(String driver, String device) {
        return device(driver, device) + "/state";
    }

    /** {@code <prefix>/<driver>/<device>/info}: the device's state and why, retained (JSON). */
    public String deviceInfo(String driver, String device) {
        return device(driver, device) + "/info";
    }

    /** The diagnostic sensor on the info topic. */
    public String infoConfig(String device) {
        return haPrefix + "/sensor/" + nodeId(device) + "/info/config";
    }

    public String deviceStatus(String driver, String device) {
        return device(driver, device) + "/status";
    }

    public String gatewayStatus() {
        return prefix + "/gateway/" + gatewayId + "/status";
    }

    /** Where the output's retained replay marks live, {@code <prefix>/gateway/<id>/sent/} (see SentTotals). */
    public String sentMarks() {
        return prefix + "/gateway/" + gatewayId + "/sent/";
    }

    public String haStatus() {
        return haPrefix + "/status";
    }

    /** {@code <ha-prefix>/sensor/<gateway-id>_<device>/<channel>/config}. */
    public String sensorConfig(String device, String channel) {
        return haPrefix + "/sensor/" + nodeId(device) + "/" + sanitiseId(channel) + "/config";
    }

    public String gatewayConfig() {
        return haPrefix + "/binary_sensor/" + gatewayId + "/status/config";
    }

    /** The HA device identifier of a meter, also its discovery node id. */
    public String nodeId(String device) {
        return gatewayId + "_" + sanitiseId(device);
    }

    public String uniqueId(String device, String channel) {
        return nodeId(device) + "_" + sanitiseId(channel);
    }
}
