package org.meter2mqtt.mqtt;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttAsyncClient;
import org.eclipse.paho.client.mqttv3.IMqttMessageListener;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the output's own retained marks ({@link SentTotals}) back from the broker on the output's connection, before
 * a replay: subscribe to {@code <base>+}, then publish a probe to a topic of its own that is also subscribed; the
 * broker sends the retained messages of a subscription before anything published after it, so once the probe is
 * back every mark has arrived (no guessing with a quiet period). Then unsubscribe.
 */
final class MarkReader {

    private static final Logger LOG = LoggerFactory.getLogger(MarkReader.class);

    private MarkReader() {
    }

    /**
     * Each mark becomes the floor of its device's replay in {@code delivered} and the start of {@code sent}.
     *
     * @return how many devices had a mark, or -1 when the broker did not answer in time (no floors then)
     */
    static int apply(IMqttAsyncClient c, String base, long timeoutMs, SentTotals sent, DeliveredTotals delivered)
            throws MqttException {
        Map<String, byte[]> marks = new ConcurrentHashMap<>();
        String probeTopic = base.substring(0, base.length() - 1) + "-probe";
        byte[] nonce = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
        CountDownLatch back = new CountDownLatch(1);
        IMqttMessageListener onMark = (topic, m) -> {
            if (m.isRetained() && topic.startsWith(base) && m.getPayload().length > 0) {
                marks.put(topic.substring(base.length()), m.getPayload());
            }
        };
        IMqttMessageListener onProbe = (topic, m) -> {
            if (java.util.Arrays.equals(nonce, m.getPayload())) {
                back.countDown();
            }
        };
        String[] filters = {base + "+", probeTopic};
        try {
            c.subscribe(filters, new int[] {1, 1}, null, null, new IMqttMessageListener[] {onMark, onProbe})
                    .waitForCompletion(timeoutMs);
            c.publish(probeTopic, nonce, 1, false);
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
                c.unsubscribe(filters);
            } catch (MqttException e) {
                LOG.debug("MQTT: unsubscribing the replay marks: {}", e.toString());
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
