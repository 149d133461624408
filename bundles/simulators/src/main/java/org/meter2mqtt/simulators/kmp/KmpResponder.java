package org.meter2mqtt.simulators.kmp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated MULTICAL meter behind an optical head: answers KMP GetRegister requests from its own register
 * table. Written from the protocol description without the driver's codec, so the two check each other.
 * Like a real meter it ignores requests with a bad CRC or another address; faults can be injected.
 */
public final class KmpResponder {

    private static final Logger LOG = LoggerFactory.getLogger(KmpResponder.class);

    private static final int TO_METER = 0x80;
    private static final int FROM_METER = 0x40;
    private static final int END = 0x0D;
    private static final int ESC = 0x1B;
    private static final int METER_ADDRESS = 0x3F;
    private static final int GET_REGISTER = 0x10;

    /** Fault injection and line behaviour; the rates and echo may change while the simulator runs. */
    public static final class Options {
        /** Share of answers sent with one flipped bit (so their CRC fails). */
        public volatile double crcErrorRate;
        /** Share of requests left unanswered. */
        public volatile double noAnswerRate;
        /** Send every request back before the answer, as many optical heads do. */
        public volatile boolean echo;
        /** Let the counters (energy, volume, hours) grow after each answer. */
        public boolean tick;
        /** Pause before answering, in ms. */
        public int delayMs;
        public long seed = 1;
    }

    private final String model;
    private final Options options;
    private final Map<Integer, MeterRegister> registers;
    private final Random random;
    private final Map<Integer, Set<BigDecimal>> served = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong corrupted = new AtomicLong();
    private final AtomicLong silent = new AtomicLong();
    private volatile BiConsumer<Integer, BigDecimal> servedListener = (id, v) -> { };

    public KmpResponder(String model, Options options) {
        this.model = model;
        this.options = options;
        this.registers = MeterModel.registers(model);
        this.random = new Random(options.seed);
    }

    public String model() {
        return model;
    }

    /** Called with every register value sent in an answer (also in answers that were then corrupted). */
    public void onServed(BiConsumer<Integer, BigDecimal> listener) {
        this.servedListener = listener;
    }

    /** Every value sent per register id: what a reader may publish, and nothing else. */
    public Map<Integer, Set<BigDecimal>> served() {
        return served;
    }

    /** The current value of a register, or null if this model does not have it. */
    public BigDecimal value(int registerId) {
        MeterRegister r = registers.get(registerId);
        return r == null ? null : r.value();
    }

    public long requests() {
        return requests.get();
    }

    public long corruptedAnswers() {
        return corrupted.get();
    }

    public long unanswered() {
        return silent.get();
    }

    /** Answers requests from {@code in} until the stream ends. */
    public void serve(InputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        boolean inFrame = false;
        int b;
        while ((b = in.read()) >= 0) {
            if (b == TO_METER) {
                frame.reset();
                frame.write(b);
                inFrame = true;
            } else if (inFrame) {
                frame.write(b);
                if (b == END) {
                    inFrame = false;
                    byte[] answer = respond(frame.toByteArray());
                    if (answer != null) {
                        out.write(answer);
                        out.flush();
                    }
                }
            }
        }
    }

    /**
     * The bytes the meter sends back for one complete request frame (start to stop byte): the echo if
     * enabled, then the answer. Null when the meter stays silent.
     */
    byte[] respond(byte[] request) {
        requests.incrementAndGet();
        byte[] body = unescape(request, 1, request.length - 1);
        if (body == null || body.length < 4 || crc(body, body.length) != 0) {
            LOG.info("Ignored a request with a bad CRC or escape");
            return null;
        }
        int address = body[0] & 0xFF;
        int command = body[1] & 0xFF;
        if (address != METER_ADDRESS || command != GET_REGISTER) {
            LOG.info("Ignored a request for address {} command {}", address, command);
            return null;
        }
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        if (options.echo) {
            reply.write(request, 0, request.length);
        }
        if (chance(options.noAnswerRate)) {
            silent.incrementAndGet();
            LOG.debug("Staying silent (fault injection)");
            return options.echo ? reply.toByteArray() : null;
        }
        int count = body[2] & 0xFF;
        // address, command, count, two bytes per register, two CRC bytes
        if (body.length != 5 + 2 * count) {
            LOG.info("Ignored a GetRegister request whose count {} does not match its length", count);
            return null;
        }
        List<MeterRegister> asked = new ArrayList<>();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        answer.write(METER_ADDRESS);
        answer.write(GET_REGISTER);
        for (int i = 0; i < count; i++) {
            int id = ((body[3 + 2 * i] & 0xFF) << 8) | (body[4 + 2 * i] & 0xFF);
            MeterRegister r = registers.get(id);
            if (r != null) {
                // Registers this model lacks are left out of the answer, as real meters do.
                asked.add(r);
                answer.writeBytes(r.record());
                BigDecimal v = r.value();
                served.computeIfAbsent(id, k -> new CopyOnWriteArraySet<>()).add(v);
                servedListener.accept(id, v);
            }
        }
        byte[] plain = answer.toByteArray();
        int c = crc(plain, plain.length);
        byte[] withCrc = new byte[plain.length + 2];
        System.arraycopy(plain, 0, withCrc, 0, plain.length);
        withCrc[plain.length] = (byte) (c >> 8);
        withCrc[plain.length + 1] = (byte) c;
        if (chance(options.crcErrorRate)) {
            corrupted.incrementAndGet();
            // Flip one bit after the CRC was computed, as line noise would.
            int at = 2 + random.nextInt(withCrc.length - 2);
            withCrc[at] ^= (byte) (1 << random.nextInt(8));
            LOG.debug("Corrupted byte {} of the answer (fault injection)", at);
        }
        reply.write(FROM_METER);
        for (byte x : withCrc) {
            int v = x & 0xFF;
            if (v == TO_METER || v == FROM_METER || v == END || v == 0x06 || v == ESC) {
                reply.write(ESC);
                reply.write(v ^ 0xFF);
            } else {
                reply.write(v);
            }
        }
        reply.write(END);
        if (options.tick) {
            asked.forEach(MeterRegister::tick);
        }
        if (options.delayMs > 0) {
            try {
                Thread.sleep(options.delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return reply.toByteArray();
    }

    private synchronized boolean chance(double rate) {
        return rate > 0 && random.nextDouble() < rate;
    }

    /** Bytes between start and stop with escapes resolved; null on a dangling escape. */
    private static byte[] unescape(byte[] data, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            int v = data[i] & 0xFF;
            if (v == ESC) {
                i++;
                if (i >= to) {
                    return null;
                }
                out.write((data[i] & 0xFF) ^ 0xFF);
            } else {
                out.write(v);
            }
        }
        return out.toByteArray();
    }

    /** CRC-CCITT as KMP uses it: polynomial 0x1021, start 0, bit by bit. */
    static int crc(byte[] data, int length) {
        int crc = 0;
        for (int i = 0; i < length; i++) {
            crc ^= (data[i] & 0xFF) << 8;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }
        return crc;
    }
}
