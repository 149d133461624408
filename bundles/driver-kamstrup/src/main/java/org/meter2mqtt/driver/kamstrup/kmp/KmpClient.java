package org.meter2mqtt.driver.kamstrup.kmp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/answer exchanges with one meter over a byte stream whose reads time out (a serial port or TCP
 * socket). Not thread-safe: one poll at a time.
 */
public final class KmpClient {

    private static final Logger LOG = LoggerFactory.getLogger(KmpClient.class);

    private final InputStream in;
    private final OutputStream out;
    private final Duration answerTimeout;
    private final int retries;
    private final int address;
    private final byte[] buffer = new byte[256];

    /**
     * @param in reads must end with {@link SocketTimeoutException} after a while when nothing arrives
     * @param answerTimeout how long to wait for a complete answer after sending a request
     * @param retries further attempts per request after a timeout or a bad frame
     */
    public KmpClient(InputStream in, OutputStream out, Duration answerTimeout, int retries, int address) {
        this.in = in;
        this.out = out;
        this.answerTimeout = answerTimeout;
        this.retries = retries;
        this.address = address;
    }

    /** The outcome of reading a set of registers: what came, what went wrong, whether the meter spoke. */
    public static final class ReadResult {
        private final Map<Integer, RegisterValue> values = new LinkedHashMap<>();
        private final List<String> problems = new ArrayList<>();
        private final List<Integer> failed = new ArrayList<>();
        private boolean heard;

        /** Good records by register id. */
        public Map<Integer, RegisterValue> values() {
            return values;
        }

        /** One sentence per bad frame, timeout or missing register, in order. */
        public List<String> problems() {
            return problems;
        }

        /** Registers whose request failed on every attempt (timeouts or bad frames). */
        public List<Integer> failed() {
            return failed;
        }

        /** Registers the meter answered without (it does not know them). */
        public List<Integer> missing(List<Integer> requested) {
            List<Integer> missing = new ArrayList<>();
            for (Integer id : requested) {
                if (!values.containsKey(id) && !failed.contains(id)) {
                    missing.add(id);
                }
            }
            return missing;
        }

        /** True when at least one frame came from the meter, even a corrupt one. */
        public boolean heard() {
            return heard;
        }
    }

    private enum Outcome {
        OK, TIMEOUT, CRC_ERROR, BAD_FRAME
    }

    /**
     * Reads registers, eight per request, retrying each request after a timeout or a bad frame.
     *
     * @throws IOException when the link itself fails (closed, end of stream)
     */
    public ReadResult read(List<Integer> registers) throws IOException {
        ReadResult result = new ReadResult();
        for (List<Integer> group : GetRegister.split(registers)) {
            Outcome last = Outcome.TIMEOUT;
            for (int attempt = 0; attempt <= retries; attempt++) {
                last = exchange(group, result);
                if (last == Outcome.OK) {
                    break;
                }
                LOG.debug("Attempt {} of {} for registers {} failed: {}", attempt + 1, retries + 1, group, last);
            }
            if (last != Outcome.OK) {
                result.failed.addAll(group);
            }
        }
        for (Integer id : result.missing(registers)) {
            result.problems.add(String.format("the meter did not return register 0x%04X%s", id,
                    KmpRegister.byId(id).map(r -> " (" + r.parameter() + ")").orElse("")));
        }
        return result;
    }

    private Outcome exchange(List<Integer> group, ReadResult result) throws IOException {
        drain();
        byte[] request = GetRegister.request(address, group);
        if (LOG.isTraceEnabled()) {
            LOG.trace("-> {}", Hex.format(request));
        }
        out.write(request);
        out.flush();

        List<KmpFrame> frames = new ArrayList<>(2);
        KmpFrameReader reader = new KmpFrameReader(frames::add);
        long deadline = System.nanoTime() + answerTimeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                // Nothing arrived within the link's read timeout; the answer deadline decides whether to wait on.
                continue;
            } catch (InterruptedIOException e) {
                // Interrupted by the core (session closing): stop now and let the caller see it.
                Thread.currentThread().interrupt();
                throw e;
            }
            if (n < 0) {
                throw new EOFException("the link closed while waiting for the meter's answer");
            }
            if (LOG.isTraceEnabled()) {
                LOG.trace("<- {}", Hex.format(buffer, 0, n));
            }
            reader.parse(buffer, n);
            for (KmpFrame frame : frames) {
                Optional<Outcome> outcome = judge(frame, group, result);
                if (outcome.isPresent()) {
                    return outcome.get();
                }
            }
            frames.clear();
        }
        result.problems.add("no answer within " + answerTimeout.toMillis() + " ms to a request for registers "
                + ids(group));
        return Outcome.TIMEOUT;
    }

    /** Empty means "not the answer, keep waiting" (an echo, another meter's or a late answer). */
    private Optional<Outcome> judge(KmpFrame frame, List<Integer> group, ReadResult result) {
        if (frame.start() == KmpFrames.START_REQUEST) {
            LOG.trace("Skipped the echo of our request");
            return Optional.empty();
        }
        result.heard = true;
        if (frame.status() == KmpFrame.Status.CRC_ERROR) {
            result.problems.add("CRC error in the answer for registers " + ids(group));
            return Optional.of(Outcome.CRC_ERROR);
        }
        if (frame.status() == KmpFrame.Status.MALFORMED) {
            result.problems.add("malformed answer for registers " + ids(group));
            return Optional.of(Outcome.BAD_FRAME);
        }
        if (frame.address() != address || frame.command() != GetRegister.CID) {
            LOG.debug("Ignored a frame that does not answer our request: {}", frame);
            return Optional.empty();
        }
        GetRegister.Response response = GetRegister.decode(frame.body());
        if (!response.ok()) {
            result.problems.add(response.problem());
            return Optional.of(Outcome.BAD_FRAME);
        }
        if (!group.containsAll(response.values().keySet())) {
            // A late answer to an earlier request that timed out: not ours.
            LOG.debug("Ignored an answer with registers {} while waiting for {}", ids(response.values().keySet()),
                    ids(group));
            return Optional.empty();
        }
        result.values.putAll(response.values());
        return Optional.of(Outcome.OK);
    }

    private void drain() throws IOException {
        int n = in.available();
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                break;
            }
            LOG.trace("Drained {} stale bytes", skipped);
            n = in.available();
        }
    }

    private static String ids(Iterable<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        for (Integer id : ids) {
            sb.append(sb.length() == 0 ? "" : ",").append(String.format("0x%04X", id));
        }
        return sb.toString();
    }
}
