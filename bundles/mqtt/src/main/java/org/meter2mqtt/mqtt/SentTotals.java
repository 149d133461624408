package org.meter2mqtt.mqtt;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Retained marks that tell the broker itself how high a device's totals may have gone: {@code
 * <prefix>/gateway/<gateway id>/sent/<device>} = {@code {"channel":"value"}}, published over the output's one
 * connection at the start of a send turn, ahead of the turn's batches.
 *
 * <p>Why: {@link DeliveredTotals} knows only what the output saw acknowledged. A {@code kill -9} right after a burst
 * leaves dozens of batches that the broker had already passed on (subscribers saw their totals) but whose PUBACKs
 * the output had not processed; the replay after the restart sent those lower totals again. A lower total needs two
 * unacknowledged batches of one device: with one, the replay sends that batch again, an equal value. So a mark is
 * published when a device already has a batch in flight and the turn raises its total above its last mark: the mark
 * carries the turn's highest. The broker processes one connection's PUBLISHes in order: if it holds a mark, it
 * received everything handed before it, and nothing handed after a mark it does not hold, so no subscriber saw a
 * total of a multi-batch flight above the retained mark. After a (re)connect with a replay pending the output reads
 * its marks back ({@link MarkReader}) and makes each a floor of the replay: a replayed total below it is not sent
 * again. Nothing is lost by that: the batch that carried the mark's value is either acknowledged (then delivered)
 * or still in the buffer, so a value at least as high comes again, and a later total covers an earlier one for
 * energy accounting. A relay that swallowed the batches swallowed the marks too: the floor stays where the broker's
 * knowledge ends, and everything after it is delivered (issue 16).
 *
 * <p>Cost: nothing while each device has at most one batch in flight (meters polled in turn: {@code bench/mqtt});
 * one small message per device and send turn while a device's batches pile up (a burst). Not thread-safe: the
 * publisher thread owns it.
 */
final class SentTotals {

    /** The highest totals announced in a mark (or read back from the broker), by device and channel. */
    private final Map<String, Map<String, BigDecimal>> announced = new HashMap<>();
    /** Batches handed on this connection and not yet acknowledged, by device. */
    private final Map<String, Integer> inflight = new HashMap<>();

    /**
     * The marks to publish before handing this turn's batches, by device, and the batches counted as in flight: a
     * mark for each device that has another batch in flight when one of its batches raises a total above its last
     * mark, with the highest totals of the turn (one mark ahead of all the device's batches of the turn).
     */
    Map<String, byte[]> before(List<Batch> turn, Function<String, Predicate<String>> totalsOf) {
        Set<String> due = null;
        for (Batch b : turn) {
            // the usual case (meters in turn, acknowledgements within milliseconds): nothing in flight, nothing to do
            Integer n = inflight.get(b.device());
            if (n != null && (due == null || !due.contains(b.device()))
                    && rises(b, totalsOf.apply(b.device()), announced.getOrDefault(b.device(), Map.of()))) {
                if (due == null) {
                    due = new LinkedHashSet<>();
                }
                due.add(b.device());
            }
            inflight.merge(b.device(), 1, Integer::sum);
        }
        if (due == null) {
            return Map.of();
        }
        // a device's mark carries the highest totals of all its batches of the turn
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String device : due) {
            Predicate<String> isTotal = totalsOf.apply(device);
            Map<String, BigDecimal> m = announced.computeIfAbsent(device, k -> new HashMap<>());
            for (Batch b : turn) {
                if (!b.device().equals(device)) {
                    continue;
                }
                for (int vi = 0; vi < b.size(); vi++) {
                    if (b.number(vi) != null && isTotal.test(b.channel(vi))) {
                        m.merge(b.channel(vi), b.number(vi), BigDecimal::max);
                    }
                }
            }
            out.put(device, payload(m));
        }
        return out;
    }

    private static boolean rises(Batch b, Predicate<String> isTotal, Map<String, BigDecimal> marked) {
        for (int vi = 0; vi < b.size(); vi++) {
            if (b.number(vi) != null && isTotal.test(b.channel(vi))) {
                BigDecimal m = marked.get(b.channel(vi));
                if (m == null || b.number(vi).compareTo(m) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The broker acknowledged a batch handed on this connection. */
    void acked(Batch b) {
        inflight.computeIfPresent(b.device(), (k, n) -> n > 1 ? n - 1 : null);
    }

    /** A new connection: nothing of this one is in flight. */
    void connected() {
        inflight.clear();
    }

    /**
     * A mark read back from the broker: the device's totals may have been seen up to these values. They become the
     * floor of the replay and the start of this run's marks (so a later mark never says less).
     *
     * @return the floor by channel (empty when the payload is not a mark)
     */
    Map<String, BigDecimal> readBack(String device, byte[] payload) {
        Map<String, BigDecimal> floor = parse(payload);
        Map<String, BigDecimal> m = announced.computeIfAbsent(device, k -> new HashMap<>());
        floor.forEach((c, v) -> m.merge(c, v, BigDecimal::max));
        return floor;
    }

    /** The broker's marks are about to be read back: they, not what an earlier connection announced, count now. */
    void reset() {
        announced.clear();
    }

    /** The device was removed: its marks start afresh when it comes back. */
    void forget(String device) {
        announced.remove(device);
        inflight.remove(device);
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
