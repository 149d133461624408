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
        /** When the bundle was installed or last updated (Bundle.getLastModified), 0 when unknown. */
        public final long lastModified;

        public Installed(long bundleId, String symbolicName, String version, String location) {
            this(bundleId, symbolicName, version, location, 0);
        }

        public Installed(long bundleId, String symbolicName, String version, String location, long lastModified) {
            this.bundleId = bundleId;
            this.symbolicName = symbolicName;
            this.version = version;
            this.location = location;
            this.lastModified = lastModified;
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

    /**
     * Installs and starts the jar under the given bundle location ({@code file:} URI of a {@code deploy/} jar, so
     * FileInstall still knows the bundle as that file's after a restart).
     */
    default Installed install(Path jar, String location) throws Exception {
        return install(jar);
    }

    /** Replaces the bundle's content with the jar (stop, update, start). */
    void update(Installed bundle, Path jar) throws Exception;

    void uninstall(Installed bundle) throws Exception;

    /** The bundle installed from exactly this location, if any. */
    default Optional<Installed> located(String location) {
        return Optional.empty();
    }
}
