package org.meter2mqtt.core.upgrade;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Optional;

import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.MeterDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a candidate jar's driver for its description before the jar is installed, so the keys it accepts can be
 * compared with the devices' {@code .cfg} files while the old version still runs. The driver class is loaded in a
 * throwaway class loader over the jar (API classes from {@code parent}) and built with its no-argument
 * constructor. A driver that needs more (constructor injection, libraries the core does not import) cannot be
 * probed: then the check is skipped and the health gate remains the safety net.
 */
public final class DescriptionProbe {

    private static final Logger LOG = LoggerFactory.getLogger(DescriptionProbe.class);

    private final ClassLoader parent;

    public DescriptionProbe(ClassLoader parent) {
        this.parent = parent;
    }

    public Optional<DriverDescription> describe(DriverJar jar, String driverId) {
        String impl = jar.implementation(driverId);
        if (impl == null || impl.isEmpty()) {
            return Optional.empty();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] { jar.file().toUri().toURL() }, parent)) {
            Class<?> c = Class.forName(impl, false, loader);
            Object driver = c.getDeclaredConstructor().newInstance();
            return driver instanceof MeterDriver ? Optional.ofNullable(((MeterDriver) driver).describe())
                    : Optional.empty();
        } catch (Exception | LinkageError e) {
            LOG.debug("cannot probe {} in {} before installing it: {}", impl, jar.file(), e.toString());
            return Optional.empty();
        }
    }
}
