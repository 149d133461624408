package org.meter2mqtt.transport;

import java.util.Map;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.LinkFactory;

/**
 * Opens byte links by URI: serial devices through jSerialComm ({@code /dev/ttyUSB0},
 * {@code serial:/dev/ttyUSB0?baud=115200&parity=none}, {@code file:/dev/ttyUSB0}) and TCP
 * ({@code socket://host:port}). Stateless; usable without OSGi (tests, simulators).
 *
 * <p>Line settings come from {@code defaults} ({@code baud}, {@code databits}, {@code parity},
 * {@code stopbits}, {@code timeout} in ms, default 5000) and the URI's query overrides them. A read that
 * sees no byte within the timeout throws {@link java.net.SocketTimeoutException}; end of stream or another
 * {@link java.io.IOException} means the link is lost. Each call opens afresh, so a device that was unplugged
 * and plugged in again opens like the first time.
 */
public class Links implements LinkFactory {

    /** The schemes this factory serves, for the {@code link.schemes} service property. */
    public static final String SCHEMES = "serial,socket,file";

    @Override
    public ByteLink open(String uri, Map<String, String> defaults) throws DriverException {
        LinkSpec spec = LinkSpec.parse(uri, defaults);
        switch (spec.kind()) {
            case SOCKET:
                return SocketLink.open(spec);
            case SERIAL:
            default:
                return SerialLink.open(spec);
        }
    }
}
