package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The highest total of every device handed to the broker, announced to the broker itself before the batch that
 * raises it: a retained message {@code <prefix>/gateway/<gateway id>/sent/<device>} ({@code {"channel":"value"}}),
 * published over the output's one connection at the start of the send turn that hands the batch.
 *
 * <p>Why: {@link DeliveredTotals} knows only what the output saw acknowledged. A {@code kill -9} right after a burst
 * leaves dozens of batches that the broker had already passed on (subscribers saw their totals) but whose PUBACKs
 * the output had not processed; the replay after the restart then sent those lower totals again. Only the broker
 * knows what it received, and it processes one connection's PUBLISHes in order: when it holds a device's mark, it
 * received everything handed before that mark, and of the device's batches after it at most those up to the next
 * mark, which it does not hold. So no subscriber saw a total above the retained mark. After a (re)connect with a
 * replay pending, the output reads its marks back ({@link MarkReader}) and treats each as a floor: a replayed total
 * below it is not sent again. Nothing is lost by that: the batch that carried the mark's value is either
 * acknowledged (then the value is delivered) or still in the buffer, so a value at least as high comes again, and a
 * later total covers an earlier one for energy accounting. A relay that swallowed the batches swallowed the marks
 * too: the floor stays where the broker's knowledge ends, and everything after it is delivered (issue 16).
 *
 * <p>Cost: one small retained message per device and send turn, only when a total rose (under load a turn carries
 * many batches of a device, and one mark covers them all). Not thread-safe: the publisher thread owns it.
 */
final class SentTotals {

    private final Map<String, Map<String, BigDecimal>> handed = new HashMap<>();

    /**
     * The marks to publish before handing this turn's batches, by device: one per device whose totals rise above
     * what was announced before, with the highest of the turn (a device with several batches in the turn gets one
     * mark ahead of all of them). None for a device whose last mark still bounds its batches.
     */
    Map<String, byte[]> before(List<Batch> turn, BiPredicate<String, String> isTotal) {
        Map<String, Map<String, BigDecimal>> risen = new LinkedHashMap<>();
        for (Batch b : turn) {
            for (Batch.Value v : b.values()) {
                if (v.number() == null || !isTotal.test(b.device(), v.channel())) {
                    continue;
                }
                Map<String, BigDecimal> m = handed.computeIfAbsent(b.device(), k -> new HashMap<>());
                BigDecimal old = m.get(v.channel());
                if (old == null || v.number().compareTo(old) > 0) {
                    m.put(v.channel(), v.number());
                    risen.put(b.device(), m);
                }
            }
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        risen.forEach((device, totals) -> out.put(device, payload(totals)));
        return out;
    }

    /**
     * A mark read back from the broker: the device's totals may have been seen up to these values. They become the
     * floor of the replay and the start of this run's marks (so a later mark never says less).
     *
     * @return the floor by channel (empty when the payload is not a mark)
     */
    Map<String, BigDecimal> readBack(String device, byte[] payload) {
        Map<String, BigDecimal> floor = parse(payload);
        Map<String, BigDecimal> m = handed.computeIfAbsent(device, k -> new HashMap<>());
        floor.forEach((c, v) -> m.merge(c, v, BigDecimal::max));
        return floor;
    }

    /** The broker's marks are about to be read back: they, not what an earlier connection handed, count now. */
    void reset() {
        handed.clear();
    }

    /** The device was removed: its marks start afresh when it comes back. */
    void forget(String device) {
        handed.remove(device);
    }

    static byte[] payload(Map<String, BigDecimal> totals) {
        ObjectNode o = Payloads.mapper().createObjectNode();
        new TreeMap<>(totals).forEach((c, v) -> o.put(c, v.toPlainString()));
        try {
            return Payloads.mapper().writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
    }

    static Map<String, BigDecimal> parse(byte[] payload) {
        Map<String, BigDecimal> out = new HashMap<>();
        if (payload == null || payload.length == 0) {
            return out;
        }
        try {
            JsonNode root = Payloads.mapper().readTree(payload);
            if (root != null && root.isObject()) {
                root.fields().forEachRemaining(e -> {
                    try {
                        out.put(e.getKey(), new BigDecimal(e.getValue().asText()));
                    } catch (NumberFormatException ignored) {
                        // not a mark of ours: no floor from it
                    }
                });
            }
        } catch (IOException e) {
            // not JSON: not a mark of ours
        }
        return out;
    }
}
