package org.meter2mqtt.transport.internal;

import java.util.Map;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.LinkFactory;
import org.meter2mqtt.transport.Links;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registers {@link Links} as the gateway's {@link LinkFactory}. */
@Component(service = LinkFactory.class, property = LinkFactory.PROPERTY_SCHEMES + "=" + Links.SCHEMES)
public class TransportComponent implements LinkFactory {

    private static final Logger LOG = LoggerFactory.getLogger(TransportComponent.class);

    /** jSerialComm keys its unpacked native library folder by this id. */
    static final String APPID_PROPERTY = "fazecast.jSerialComm.appid";

    private final Links links = new Links();

    @Activate
    public TransportComponent(BundleContext context) {
        // jSerialComm unpacks its native library under java.io.tmpdir (Karaf: data/tmp) and, at class
        // initialisation, deletes what other applications without an id left there. Our own id keeps
        // another JVM on the box from deleting our copy while we run. Must be set before SerialPort loads.
        if (System.getProperty(APPID_PROPERTY) == null) {
            System.setProperty(APPID_PROPERTY, "meter2mqtt");
        }
        LOG.debug("serial natives unpack under {}/jSerialComm/{} (karaf.data={})",
                System.getProperty("java.io.tmpdir"), System.getProperty(APPID_PROPERTY),
                context.getProperty("karaf.data"));
    }

    @Override
    public ByteLink open(String uri, Map<String, String> defaults) throws DriverException {
        return links.open(uri, defaults);
    }
}
