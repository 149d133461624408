package org.meter2mqtt.api;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens byte links by URI; provided by the transport bundle, used by the core for
 * {@link DeviceContext#openLink}. Registered with {@code link.schemes} naming the schemes it serves
 * ({@code serial}, {@code socket}, {@code file} for plain device paths).
 */
@ConsumerType
public interface LinkFactory {

    String PROPERTY_SCHEMES = "link.schemes";

    ByteLink open(String uri, Map<String, String> defaults) throws DriverException;
}
