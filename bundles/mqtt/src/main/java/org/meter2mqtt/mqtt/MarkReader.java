package org.meter2mqtt.mqtt;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.mqtt.client.MqttConnection;
import org.meter2mqtt.mqtt.client.MqttConnection.Failure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the output's own retained marks ({@link SentTotals}) back from the broker on the output's connection, before
 * a replay: subscribe to {@code <base>+} and to a probe topic of its own, then publish a probe there. The broker
 * handles one connection's packets in order and sends a subscription's retained messages before anything published
 * after it, so once the probe is back every mark has arrived (no guessing with a quiet period). Then unsubscribe.
 *
 * <p>The connection's messages reach {@link #offer} from the publisher's listener while {@link #apply} waits.
 */
final class MarkReader {

    private static final Logger LOG = LoggerFactory.getLogger(MarkReader.class);

    private final String base;
    private final String probeTopic;
    private final byte[] nonce = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    private final Map<String, byte[]> marks = new ConcurrentHashMap<>();
    private final CountDownLatch back = new CountDownLatch(1);

    /** @param base the marks' topic prefix, ending in '/' */
    MarkReader(String base) {
        this.base = base;
        this.probeTopic = base.substring(0, base.length() - 1) + "-probe";
    }

    /** A message from the connection: true when it was a mark or the probe (then it is this reader's). */
    boolean offer(String topic, byte[] payload) {
        if (topic.equals(probeTopic)) {
            if (Arrays.equals(nonce, payload)) {
                back.countDown();
            }
            return true;
        }
        if (topic.startsWith(base) && topic.indexOf('/', base.length()) < 0) {
            if (payload.length > 0) {
                marks.put(topic.substring(base.length()), payload);
            }
            return true;
        }
        return false;
    }

    /**
     * Each mark becomes the floor of its device's replay in {@code delivered} and the start of {@code sent}.
     *
     * @return how many devices had a mark, or -1 when the broker did not answer in time (no floors then)
     * @throws Failure when the connection refused the subscription or the probe
     */
    int apply(MqttConnection c, long timeoutMs, SentTotals sent, DeliveredTotals delivered) throws Failure {
        try {
            c.subscribe(base + "+", 1);
            c.subscribe(probeTopic, 1);
            // QoS 0: its place in the connection's stream is what counts, and nothing waits for its PUBACK
            c.send(probeTopic, nonce, 0, false);
            if (!back.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("MQTT: the broker did not return the replay marks within {} ms; replayed totals are "
                        + "checked against the acknowledged ones only", timeoutMs);
                return -1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } finally {
            try {
                c.unsubscribe(base + "+");
                c.unsubscribe(probeTopic);
            } catch (Failure e) {
                LOG.debug("MQTT: unsubscribing the replay marks: {}", e.getMessage());
            }
        }
        sent.reset();
        marks.forEach((device, payload) -> {
            Map<String, BigDecimal> floor = sent.readBack(device, payload);
            floor.forEach((channel, value) -> delivered.floor(device, channel, value));
        });
        LOG.debug("MQTT: replay marks of {} devices read back", marks.size());
        return marks.size();
    }
}
