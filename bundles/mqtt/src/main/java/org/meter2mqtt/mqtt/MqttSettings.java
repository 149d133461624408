package org.meter2mqtt.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the publisher needs to know, as one immutable snapshot. A new configuration is a new
 * snapshot; the publisher compares and reconnects. Building never throws: {@link #problems()} lists what is
 * wrong so the gateway can keep buffering and show the reason. {@link #toString()} never shows secrets.
 */
public final class MqttSettings {

    private final String url;
    private final String clientId;
    private final String username;
    private final String password;
    private final String caFile;
    private final String certFile;
    private final String keyFile;
    private final boolean hostnameVerification;
    private final String topicPrefix;
    private final int qos;
    private final int channelQos;
    /**
     * Twice a large site's 2000 readings/s: below it every reading goes out at once (issue 17 wants the lowest p99
     * there); gathering at 2000/s saved 5-10 points of a core for +0.7 ms p50 (bench/kpm33b, twenty-second session).
     */
    public static final int DEFAULT_GATHER_ABOVE = 4000;
    /**
     * QoS 1 messages the output keeps unacknowledged at most ({@code inflight.max}). 4000: with 1000 the output fell
     * behind at 40 000 messages/s on a machine whose two cores were full (its broker acknowledged late) and its disk
     * buffer took the rest; with 4000 it held 48 000 (issue 17, bench/kpm33b twenty-second round).
     */
    public static final int DEFAULT_INFLIGHT_MAX = 4000;
    /** Above this Paho's own limit (2 x the window + 1000) would pass its maximum, 65535. */
    static final int INFLIGHT_MAX_LIMIT = 30000;
    static final String STATE_CHANNELS = "channels";
    static final String STATE_JSON = "json";
    private final boolean retain;
    private final String stateLayout;
    private final int keepAliveSeconds;
    private final boolean discovery;
    private final String discoveryPrefix;
    private final String gatewayId;
    private final long bufferMaxBytes;
    private final Duration bufferMaxAge;
    private final Duration fsyncInterval;
    private final int maxInflight;
    private final Duration birthDelayMax;
    private final Duration reconnectMax;
    private final Duration orphanDelay;
    private final int gatherAbove;
    private final List<String> problems;

    private MqttSettings(Builder b) {
        this.url = b.url == null ? "" : b.url.trim();
        this.gatewayId = Topics.sanitiseId(b.gatewayId == null || b.gatewayId.isBlank() ? "gateway" : b.gatewayId);
        this.clientId = b.clientId == null || b.clientId.isBlank() ? "meter2mqtt-" + gatewayId : b.clientId;
        this.username = blankToNull(b.username);
        this.password = blankToNull(b.password);
        this.caFile = blankToNull(b.caFile);
        this.certFile = blankToNull(b.certFile);
        this.keyFile = blankToNull(b.keyFile);
        this.hostnameVerification = b.hostnameVerification;
        this.topicPrefix = trimSlashes(b.topicPrefix);
        this.qos = b.qos;
        this.channelQos = b.channelQos;
        this.retain = b.retain;
        this.stateLayout = b.stateLayout == null || b.stateLayout.isBlank() ? STATE_CHANNELS
                : b.stateLayout.trim().toLowerCase(java.util.Locale.ROOT);
        this.keepAliveSeconds = b.keepAliveSeconds;
        this.discovery = b.discovery;
        this.discoveryPrefix = trimSlashes(b.discoveryPrefix);
        this.bufferMaxBytes = b.bufferMaxBytes;
        this.bufferMaxAge = b.bufferMaxAge;
        this.fsyncInterval = b.fsyncInterval;
        this.maxInflight = b.maxInflight;
        this.birthDelayMax = b.birthDelayMax;
        this.reconnectMax = b.reconnectMax;
        this.orphanDelay = b.orphanDelay;
        this.gatherAbove = b.gatherAbove;
        this.problems = List.copyOf(check());
    }

    public static Builder builder() {
        return new Builder();
    }

    private List<String> check() {
        List<String> p = new ArrayList<>();
        if (url.isEmpty()) {
            p.add("url is not set (e.g. url = tcp://localhost:1883)");
        } else {
            try {
                URI u = new URI(url);
                if (!"tcp".equals(u.getScheme()) && !"ssl".equals(u.getScheme())) {
                    p.add("url '" + url + "' must start with tcp:// or ssl://");
                } else if (u.getHost() == null || u.getHost().isEmpty()) {
                    p.add("url '" + url + "' has no host name");
                }
            } catch (URISyntaxException e) {
                p.add("url '" + url + "' is malformed: " + e.getReason());
            }
        }
        if (qos < 0 || qos > 2) {
            p.add("qos must be 0, 1 or 2, got " + qos);
        }
        if (channelQos < 0 || channelQos > 2) {
            p.add("channel.qos must be 0, 1 or 2, got " + channelQos);
        }
        if (keepAliveSeconds < 0) {
            p.add("keepalive must be >= 0 seconds, got " + keepAliveSeconds);
        }
        if (topicPrefix.isEmpty() || Topics.hasWildcard(topicPrefix)) {
            p.add("topic.prefix '" + topicPrefix + "' must be non-empty without + or #");
        }
        if (discovery && (discoveryPrefix.isEmpty() || Topics.hasWildcard(discoveryPrefix))) {
            p.add("discovery.prefix '" + discoveryPrefix + "' must be non-empty without + or #");
        }
        if (username == null && password != null) {
            p.add("password is set but username is not");
        }
        if ((certFile == null) != (keyFile == null)) {
            p.add("tls.cert.file and tls.key.file must be set together");
        }
        for (String f : new String[] { caFile, certFile, keyFile }) {
            if (f != null && !Files.isReadable(Path.of(f))) {
                p.add("file " + f + " does not exist or is not readable");
            }
        }
        if ((caFile != null || certFile != null) && !url.startsWith("ssl://")) {
            p.add("TLS files are set but url '" + url + "' is not ssl://");
        }
        if (!STATE_CHANNELS.equals(stateLayout) && !STATE_JSON.equals(stateLayout)) {
            p.add("state.layout must be channels or json, got '" + stateLayout + "'");
        }
        if (maxInflight < 1 || maxInflight > INFLIGHT_MAX_LIMIT) {
            p.add("inflight.max must be 1-" + INFLIGHT_MAX_LIMIT + " messages, got " + maxInflight);
        }
        if (gatherAbove < 0) {
            p.add("gather.above must be >= 0 readings/s (0 = never gather), got " + gatherAbove);
        }
        if (bufferMaxBytes < 64 * 1024) {
            p.add("buffer.max.mb is too small (minimum 1)");
        }
        return p;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String trimSlashes(String s) {
        String t = s == null ? "" : s.trim();
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    /**
     * True for {@code state.layout = json}: Home Assistant reads each channel from the device's state JSON (with a
     * value_template) and the per-channel topics are not published; the state then carries every channel's latest
     * value. False ({@code channels}, the default): a topic per channel, and the state JSON of each batch.
     */
    public boolean jsonState() {
        return STATE_JSON.equals(stateLayout);
    }

    /** What is wrong with this configuration, one sentence each; empty when it can be used. */
    public List<String> problems() {
        return problems;
    }

    public String url() {
        return url;
    }

    /** Whether the broker is on this host (loopback): the embedded one, or a Mosquitto next to the gateway. */
    public boolean localBroker() {
        try {
            String host = new URI(url).getHost();
            return host != null && (host.equalsIgnoreCase("localhost") || host.startsWith("127.")
                    || host.equals("[::1]") || host.equals("::1"));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    public boolean tls() {
        return url.startsWith("ssl://");
    }

    public String clientId() {
        return clientId;
    }

    public String username() {
        return username;
    }

    /** Only for the connection; never log it. */
    String password() {
        return password;
    }

    public String caFile() {
        return caFile;
    }

    public String certFile() {
        return certFile;
    }

    public String keyFile() {
        return keyFile;
    }

    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    public String topicPrefix() {
        return topicPrefix;
    }

    public int qos() {
        return qos;
    }

    /**
     * QoS of the per-channel topics ({@code state.layout = channels}). They go out on the same connection right
     * before the state JSON, which has {@link #qos()}: the broker reads one connection's packets in order, so with
     * qos 1 or 2 the state's acknowledgement also confirms every channel message before it, and the buffered batch
     * is committed only then, whatever this is. What it changes is the QoS subscribers get the channel topics with,
     * and whether each of them costs an acknowledgement.
     */
    public int channelQos() {
        return channelQos;
    }

    public boolean retain() {
        return retain;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    public boolean discovery() {
        return discovery;
    }

    public String discoveryPrefix() {
        return discoveryPrefix;
    }

    public String gatewayId() {
        return gatewayId;
    }

    public long bufferMaxBytes() {
        return bufferMaxBytes;
    }

    public Duration bufferMaxAge() {
        return bufferMaxAge;
    }

    public Duration fsyncInterval() {
        return fsyncInterval;
    }

    /**
     * The most QoS 1 messages sent and not yet acknowledged ({@code inflight.max}). The output's rate to the broker is
     * at most this many per round trip; a broker that allows fewer (some cloud brokers) needs it lower. At least 1
     * even while the setting is a problem, since readings are buffered meanwhile.
     */
    public int maxInflight() {
        return Math.max(1, Math.min(INFLIGHT_MAX_LIMIT, maxInflight));
    }

    public Duration birthDelayMax() {
        return birthDelayMax;
    }

    public Duration reconnectMax() {
        return reconnectMax;
    }

    /** How long after start devices known from an earlier run may take to reappear before they are retracted. */
    public Duration orphanDelay() {
        return orphanDelay;
    }

    /**
     * The rate of readings (batches a second) above which the publisher waits 1 ms before each turn to take several
     * at once ({@code gather.above}); 0: never. A trade of CPU against latency, so a site chooses it.
     */
    public int gatherAbove() {
        return gatherAbove;
    }

    /** True when a change from {@code other} to this needs a new connection. */
    boolean connectionDiffers(MqttSettings other) {
        return other == null || !url.equals(other.url) || !clientId.equals(other.clientId)
                || !Objects.equals(username, other.username) || !Objects.equals(password, other.password)
                || !Objects.equals(caFile, other.caFile) || !Objects.equals(certFile, other.certFile)
                || !Objects.equals(keyFile, other.keyFile) || hostnameVerification != other.hostnameVerification
                || keepAliveSeconds != other.keepAliveSeconds || !gatewayId.equals(other.gatewayId)
                || !topicPrefix.equals(other.topicPrefix) || discovery != other.discovery
                || !discoveryPrefix.equals(other.discoveryPrefix) || maxInflight != other.maxInflight
                || !stateLayout.equals(other.stateLayout);
    }

    @Override
    public String toString() {
        return "url=" + url + ", client.id=" + clientId + ", username=" + (username == null ? "-" : username)
                + ", password=" + (password == null ? "-" : "********") + ", tls.ca.file="
                + (caFile == null ? "-" : caFile) + ", tls.cert.file=" + (certFile == null ? "-" : certFile)
                + ", tls.key.file=" + (keyFile == null ? "-" : "(set)") + ", tls.hostname.verification="
                + hostnameVerification + ", topic.prefix=" + topicPrefix + ", qos=" + qos
                + ", channel.qos=" + channelQos + ", retain=" + retain
                + ", state.layout=" + stateLayout + ", keepalive=" + keepAliveSeconds + ", discovery=" + discovery + " (" + discoveryPrefix
                + "), gateway.id=" + gatewayId + ", buffer " + (bufferMaxBytes >> 20) + " MiB / " + bufferMaxAge
                + ", inflight.max=" + maxInflight + ", gather.above=" + gatherAbove;
    }

    public static final class Builder {
        private String url = "tcp://localhost:1883";
        private String clientId;
        private String username;
        private String password;
        private String caFile;
        private String certFile;
        private String keyFile;
        private boolean hostnameVerification = true;
        private String topicPrefix = "meters";
        private int qos = 1;
        private int channelQos = 0;
        private boolean retain;
        private String stateLayout;
        private int keepAliveSeconds = 30;
        private boolean discovery = true;
        private String discoveryPrefix = "homeassistant";
        private String gatewayId;
        private long bufferMaxBytes = 64L << 20;
        private Duration bufferMaxAge = Duration.ofDays(7);
        private Duration fsyncInterval = Duration.ofSeconds(1);
        private int maxInflight = DEFAULT_INFLIGHT_MAX;
        private Duration birthDelayMax = Duration.ofSeconds(3);
        private Duration reconnectMax = Duration.ofSeconds(60);
        // Config Admin hands over thousands of device .cfg files within seconds; two minutes leave a wide margin.
        private Duration orphanDelay = Duration.ofMinutes(2);
        private int gatherAbove = DEFAULT_GATHER_ABOVE;

        private Builder() {
        }

        public Builder url(String v) {
            url = v;
            return this;
        }

        public Builder clientId(String v) {
            clientId = v;
            return this;
        }

        public Builder credentials(String user, String pass) {
            username = user;
            password = pass;
            return this;
        }

        public Builder tls(String ca, String cert, String key, boolean verifyHostname) {
            caFile = ca;
            certFile = cert;
            keyFile = key;
            hostnameVerification = verifyHostname;
            return this;
        }

        public Builder topicPrefix(String v) {
            topicPrefix = v;
            return this;
        }

        public Builder qos(int v) {
            qos = v;
            return this;
        }

        public Builder channelQos(int v) {
            channelQos = v;
            return this;
        }

        /** {@code channels} (default) or {@code json}; see {@link MqttSettings#jsonState()}. */
        public Builder stateLayout(String v) {
            stateLayout = v;
            return this;
        }

        public Builder retain(boolean v) {
            retain = v;
            return this;
        }

        public Builder keepAliveSeconds(int v) {
            keepAliveSeconds = v;
            return this;
        }

        public Builder discovery(boolean enabled, String prefix) {
            discovery = enabled;
            discoveryPrefix = prefix;
            return this;
        }

        public Builder gatewayId(String v) {
            gatewayId = v;
            return this;
        }

        public Builder buffer(long maxBytes, Duration maxAge, Duration fsync) {
            bufferMaxBytes = maxBytes;
            bufferMaxAge = maxAge;
            fsyncInterval = fsync;
            return this;
        }

        /** See {@link MqttSettings#maxInflight()}; outside 1-30000 it is a configuration problem. */
        public Builder maxInflight(int v) {
            maxInflight = v;
            return this;
        }

        /** Upper bound of the random delay before re-sending discovery after Home Assistant's birth message. */
        public Builder birthDelayMax(Duration v) {
            birthDelayMax = v;
            return this;
        }

        /** Longest wait between two connection attempts. */
        /** See {@link MqttSettings#gatherAbove()}. */
        public Builder gatherAbove(int v) {
            gatherAbove = v;
            return this;
        }

        /** See {@link MqttSettings#orphanDelay()}. */
        public Builder orphanDelay(Duration v) {
            orphanDelay = v;
            return this;
        }

        public Builder reconnectMax(Duration v) {
            reconnectMax = v;
            return this;
        }

        public MqttSettings build() {
            return new MqttSettings(this);
        }
    }
}
