package org.meter2mqtt.tck;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.meter2mqtt.api.MeterDriver;

/**
 * What a vendor hands the kit: how to make the driver (a fresh one for every check), how to feed it, and the
 * configuration of a working device. Built with {@link #of(Supplier)}.
 */
public final class DriverUnderTest {

    final Supplier<? extends MeterDriver> factory;
    final SampleFeed feed;
    final Map<String, String> config;
    final Consumer<MeterDriver> dispose;
    final Class<?> bundleClass;
    final Duration readingTimeout;
    final Map<String, String> waivers;
    final String protocolPackage;

    private DriverUnderTest(Builder b) {
        this.factory = b.factory;
        this.feed = b.feed;
        Map<String, String> all = new LinkedHashMap<>(b.feed.config());
        all.putAll(b.config);
        this.config = Map.copyOf(all);
        this.dispose = b.dispose;
        this.bundleClass = b.bundleClass;
        this.readingTimeout = b.readingTimeout;
        this.waivers = Map.copyOf(b.waivers);
        this.protocolPackage = b.protocolPackage;
    }

    /** {@code driver} makes a new driver instance: the plain-Java driver, or the component with its inputs. */
    public static Builder of(Supplier<? extends MeterDriver> driver) {
        return new Builder(driver);
    }

    public static final class Builder {
        private final Supplier<? extends MeterDriver> factory;
        private SampleFeed feed = SampleFeed.simulated();
        private final Map<String, String> config = new LinkedHashMap<>();
        private Consumer<MeterDriver> dispose = d -> {
            if (d instanceof AutoCloseable) {
                try {
                    ((AutoCloseable) d).close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        private Class<?> bundleClass;
        private Duration readingTimeout = Duration.ofSeconds(10);
        private final Map<String, String> waivers = new LinkedHashMap<>();
        private String protocolPackage;

        private Builder(Supplier<? extends MeterDriver> factory) {
            this.factory = Objects.requireNonNull(factory);
        }

        /** How the kit makes the meter speak; default: the driver simulates its meter. */
        public Builder feed(SampleFeed sampleFeed) {
            this.feed = Objects.requireNonNull(sampleFeed);
            return this;
        }

        /** One key of a working device's configuration (on top of the feed's). */
        public Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        /** Releases a driver instance after a check (default: {@code close()} if it is AutoCloseable). */
        public Builder dispose(Consumer<MeterDriver> release) {
            this.dispose = Objects.requireNonNull(release);
            return this;
        }

        /**
         * A class of the driver bundle, to find its manifest and component descriptions (default: the class of
         * the driver instance). Pass the DS component class when the plain-Java driver lives elsewhere.
         */
        public Builder bundleClass(Class<?> cls) {
            this.bundleClass = cls;
            return this;
        }

        /** How long to wait for a streaming driver's first batch, a bad-data report or a lost link (10 s). */
        public Builder readingTimeout(Duration timeout) {
            this.readingTimeout = timeout;
            return this;
        }

        /**
         * The driver's protocol package (framing, codec, parser), checked to be plain Java: no OSGi, Karaf, Paho
         * or gateway API type in its classes ({@link ProtocolBoundary}). The classes are looked up beside
         * {@link #bundleClass(Class)} (or the driver's class).
         */
        public Builder protocolPackage(String packageName) {
            this.protocolPackage = Objects.requireNonNull(packageName);
            return this;
        }

        /**
         * A known deviation: problems whose text contains {@code problem} are printed as waived with
         * {@code reason} instead of failing. For a driver that cannot be fixed yet; keep the list short.
         */
        public Builder waive(String problem, String reason) {
            waivers.put(problem, reason);
            return this;
        }

        public DriverUnderTest build() {
            return new DriverUnderTest(this);
        }
    }
}
