package org.meter2mqtt.influxdb;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the InfluxDB output is told to do (PID {@code org.meter2mqtt.influxdb}). Immutable; {@link #problem()} says
 * what is wrong with it, if anything. {@link #toString()} masks the password and token.
 */
public final class InfluxSettings {

    public enum Api { V1, V2 }

    private final String url;
    private final Api api;
    private final String db;
    private final String rp;
    private final boolean dbCreate;
    private final String username;
    private final String password;
    private final String org;
    private final String bucket;
    private final String token;
    private final String tlsCaFile;
    private final String schema;
    private final String measurement;
    private final String gatewayId;
    private final int batchSize;
    private final Duration batchTime;
    private final boolean gzip;
    private final Duration timeout;
    private final Duration retryInitial;
    private final Duration retryMax;
    private final long bufferMaxBytes;
    private final Duration bufferMaxAge;
    private final Duration fsyncInterval;
    private final String problem;

    private InfluxSettings(Builder b) {
        url = b.url.trim();
        api = b.api;
        db = b.db.trim();
        rp = b.rp.trim();
        dbCreate = b.dbCreate;
        username = b.username;
        password = b.password;
        org = b.org.trim();
        bucket = b.bucket.trim();
        token = b.token;
        tlsCaFile = b.tlsCaFile.trim();
        schema = b.schema.trim();
        measurement = b.measurement.trim();
        gatewayId = b.gatewayId;
        batchSize = b.batchSize;
        batchTime = b.batchTime;
        gzip = b.gzip;
        timeout = b.timeout;
        retryInitial = b.retryInitial;
        retryMax = b.retryMax;
        bufferMaxBytes = b.bufferMaxBytes;
        bufferMaxAge = b.bufferMaxAge;
        fsyncInterval = b.fsyncInterval;
        problem = b.apiProblem != null ? b.apiProblem : check();
    }

    public static Builder builder() {
        return new Builder();
    }

    private String check() {
        if (url.isEmpty()) {
            return null;
        }
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "url is not a URL: " + e.getMessage();
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            return "url must be http://host:port or https://host:port, not '" + url + "'";
        }
        if (api == Api.V1 && db.isEmpty()) {
            return "db is required with api = v1";
        }
        if (api == Api.V2 && (org.isEmpty() || bucket.isEmpty() || token.isEmpty())) {
            return "org, bucket and token are required with api = v2";
        }
        if (!tlsCaFile.isEmpty() && !Files.isReadable(Path.of(tlsCaFile))) {
            return "tls.ca.file " + tlsCaFile + " cannot be read";
        }
        if (batchSize < 1) {
            return "batch.size must be at least 1";
        }
        try {
            new Schema(schema, measurement, gatewayId);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    /** True when a URL is set: without one the output is off. */
    public boolean enabled() {
        return !url.isEmpty();
    }

    /** What is wrong, or null. */
    public String problem() {
        return problem;
    }

    public String url() {
        return url;
    }

    public Api api() {
        return api;
    }

    public String db() {
        return db;
    }

    /** v1: create the database when InfluxDB says it does not exist ({@code db.create}, default true). */
    public boolean dbCreate() {
        return dbCreate;
    }

    public String rp() {
        return rp;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public String org() {
        return org;
    }

    public String bucket() {
        return bucket;
    }

    public String token() {
        return token;
    }

    public String tlsCaFile() {
        return tlsCaFile;
    }

    public String schema() {
        return schema;
    }

    public String measurement() {
        return measurement;
    }

    public String gatewayId() {
        return gatewayId;
    }

    public int batchSize() {
        return batchSize;
    }

    public Duration batchTime() {
        return batchTime;
    }

    public boolean gzip() {
        return gzip;
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration retryInitial() {
        return retryInitial;
    }

    public Duration retryMax() {
        return retryMax;
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

    /** Where points go, for an operator: {@code http://host:8086 db=meters} (no secrets). */
    public String target() {
        return url + (api == Api.V1 ? " db=" + db + (rp.isEmpty() ? "" : " rp=" + rp)
                : " org=" + org + " bucket=" + bucket);
    }

    @Override
    public String toString() {
        return "InfluxSettings[" + target() + ", api=" + api + ", username=" + username + ", password="
                + (password.isEmpty() ? "" : "********") + ", token=" + (token.isEmpty() ? "" : "********")
                + ", schema=" + schema + ", batch=" + batchSize + "/" + batchTime.toMillis() + "ms, gzip=" + gzip + "]";
    }

    public static final class Builder {
        private String url = "";
        private Api api = Api.V1;
        private String apiProblem;
        private String db = "meters";
        private String rp = "";
        private boolean dbCreate = true;
        private String username = "";
        private String password = "";
        private String org = "";
        private String bucket = "";
        private String token = "";
        private String tlsCaFile = "";
        private String schema = Schema.DEFAULT;
        private String measurement = "";
        private String gatewayId = "gateway";
        private int batchSize = 5000;
        private Duration batchTime = Duration.ofSeconds(1);
        private boolean gzip = true;
        private Duration timeout = Duration.ofSeconds(10);
        private Duration retryInitial = Duration.ofSeconds(1);
        private Duration retryMax = Duration.ofSeconds(60);
        private long bufferMaxBytes = 100L << 20;
        private Duration bufferMaxAge = Duration.ofDays(7);
        private Duration fsyncInterval = Duration.ofSeconds(1);

        public Builder url(String v) {
            url = v == null ? "" : v;
            return this;
        }

        /** {@code v1} or {@code v2} (case-insensitive). */
        public Builder api(String v) {
            String s = v == null ? "" : v.trim().toLowerCase(java.util.Locale.ROOT);
            if ("v1".equals(s) || s.isEmpty()) {
                api = Api.V1;
            } else if ("v2".equals(s)) {
                api = Api.V2;
            } else {
                apiProblem = "api must be v1 or v2, not '" + v + "'";
            }
            return this;
        }

        public Builder v1(String database, String retentionPolicy, String user, String pass) {
            db = nn(database);
            rp = nn(retentionPolicy);
            username = nn(user);
            password = nn(pass);
            return this;
        }

        public Builder dbCreate(boolean create) {
            dbCreate = create;
            return this;
        }

        public Builder v2(String organisation, String bucketName, String apiToken) {
            org = nn(organisation);
            bucket = nn(bucketName);
            token = nn(apiToken);
            return this;
        }

        public Builder tlsCaFile(String v) {
            tlsCaFile = nn(v);
            return this;
        }

        public Builder schema(String name, String measurementName) {
            schema = nn(name).isBlank() ? Schema.DEFAULT : name;
            measurement = nn(measurementName);
            return this;
        }

        public Builder gatewayId(String v) {
            gatewayId = nn(v);
            return this;
        }

        public Builder batch(int size, Duration time, boolean compress) {
            batchSize = size;
            batchTime = time;
            gzip = compress;
            return this;
        }

        public Builder timeout(Duration v) {
            timeout = v;
            return this;
        }

        public Builder retry(Duration initial, Duration max) {
            retryInitial = initial;
            retryMax = max;
            return this;
        }

        public Builder buffer(long maxBytes, Duration maxAge, Duration fsync) {
            bufferMaxBytes = maxBytes;
            bufferMaxAge = maxAge;
            fsyncInterval = fsync;
            return this;
        }

        private static String nn(String s) {
            return s == null ? "" : s;
        }

        public InfluxSettings build() {
            return new InfluxSettings(this);
        }
    }
}
