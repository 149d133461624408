package org.meter2mqtt.core.upgrade;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the upgrade flow needs from the OSGi framework, so the flow itself is plain Java and tested with a fake.
 * The DS glue implements it with {@code BundleContext.installBundle} and {@code Bundle.update(InputStream)}.
 */
public interface DriverFramework {

    /** One installed driver bundle. */
    final class Installed {
        public final long bundleId;
        public final String symbolicName;
        public final String version;
        public final String location;

        public Installed(long bundleId, String symbolicName, String version, String location) {
            this.bundleId = bundleId;
            this.symbolicName = symbolicName;
            this.version = version;
            this.location = location;
        }

        @Override
        public String toString() {
            return symbolicName + " " + version;
        }
    }

    /** The installed bundles with this symbolic name (normally one). */
    List<Installed> bundles(String symbolicName);

    /** The bundle whose MeterDriver service, or declared component, has {@code meter.driver=driverId}. */
    Optional<Installed> providing(String driverId);

    /** Installs and starts the jar as a new bundle. */
    Installed install(Path jar) throws Exception;

    /** Replaces the bundle's content with the jar (stop, update, start). */
    void update(Installed bundle, Path jar) throws Exception;

    void uninstall(Installed bundle) throws Exception;
}
