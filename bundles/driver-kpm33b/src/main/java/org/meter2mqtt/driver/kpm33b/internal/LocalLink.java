package org.meter2mqtt.driver.kpm33b.internal;

import java.util.List;

import org.meter2mqtt.api.LocalBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker, in-process ({@code url = embedded}): messages arrive on the broker's delivery thread
 * without a client connection, so the broker has no subscriber queue to overflow for us.
 */
final class LocalLink implements InternalLink {

    private static final Logger LOG = LoggerFactory.getLogger(LocalLink.class);
    static final String MISSING = "the embedded broker is not running (enabled = false in "
            + "etc/org.meter2mqtt.broker.cfg, a taken port, or the meter2mqtt-broker feature not installed); "
            + "start it, or set url in etc/org.meter2mqtt.driver.kpm33b.cfg to the broker the meters use";

    private final LocalBroker broker;
    private final List<String> topics;
    private final Receiver receiver;
    private volatile AutoCloseable registration;
    private volatile String problem = MISSING;

    /** @param broker null when no embedded broker runs: the link stays unconnected with {@link #MISSING} */
    LocalLink(LocalBroker broker, List<String> topics, Receiver receiver) {
        this.broker = broker;
        this.topics = topics;
        this.receiver = receiver;
    }

    @Override
    public void start() {
        if (broker == null) {
            return;
        }
        try {
            registration = broker.listen(topics, new LocalBroker.Listener() {
                @Override
                public void message(String topic, byte[] payload) {
                    receiver.message(topic, payload, payload.length);
                }

                @Override
                public void message(String topic, byte[] payload, int length) {
                    // parsed before this returns: the broker's reused array, no copy per message
                    receiver.message(topic, payload, length);
                }
            });
            problem = null;
            LOG.info("KPM33B meters: taking {} from the embedded broker on {} in-process", topics, broker.address());
        } catch (IllegalStateException e) {
            problem = "embedded broker: " + e.getMessage();
        }
    }

    /** Connected right in {@link #start()} or never: a broker that comes later gets a new link from the hub. */
    @Override
    public boolean announcesConnection() {
        return true;
    }

    @Override
    public boolean connected() {
        return registration != null;
    }

    @Override
    public String problem() {
        return problem;
    }

    @Override
    public boolean publish(String topic, byte[] payload, int qos) {
        return registration != null && broker.publish(topic, payload, qos, false);
    }

    @Override
    public void close() {
        AutoCloseable r = registration;
        registration = null;
        problem = "closed";
        if (r != null) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.debug("KPM33B: ending the in-process registration: {}", e.toString());
            }
        }
    }
}
