package org.meter2mqtt.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DriverException;

/**
 * A meter on an in-memory line, for drivers that open a {@link ByteLink}: either a meter that pushes a sample
 * at a fixed pace ({@link #stream}, e.g. a P1 telegram) or one that answers requests ({@link #exchange}, e.g. a
 * simulator's request/response loop). The meter side runs on kit threads ({@code tck-...}), which the thread
 * leak check ignores.
 */
public final class ByteFeed implements SampleFeed {

    /** The meter end of a line: reads the driver's requests, writes answers; returns when the line closes. */
    @FunctionalInterface
    public interface Responder {
        void serve(InputStream fromDriver, OutputStream toDriver) throws IOException;
    }

    private enum Mode { GOOD, BAD, CUT }

    private final Responder goodMeter;
    private final Responder badMeter;
    private final Map<String, String> config;
    private final List<MemoryLink> links = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.GOOD;
    private Runnable onGood = () -> { };
    private Runnable onBad = () -> { };

    private ByteFeed(Responder goodMeter, Responder badMeter, Map<String, String> config) {
        this.goodMeter = goodMeter;
        this.badMeter = badMeter;
        this.config = Map.copyOf(config);
    }

    /**
     * A meter that sends {@code good} every {@code every} (and {@code bad} instead while bad data is asked for).
     * {@code config} is what a device needs besides its driver, typically {@code port=...}: any value works.
     */
    public static ByteFeed stream(byte[] good, byte[] bad, Duration every, Map<String, String> config) {
        ByteFeed[] self = new ByteFeed[1];
        Responder pusher = (in, out) -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    out.write(self[0].mode == Mode.BAD ? bad : good);
                    Thread.sleep(every.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        self[0] = new ByteFeed(pusher, pusher, config);
        return self[0];
    }

    /**
     * A meter that answers requests: {@code meter} serves one line until it closes. Bad data comes from
     * {@code onBad} (e.g. raising a simulator's CRC error rate), undone by {@code onGood}.
     */
    public static ByteFeed exchange(Responder meter, Runnable onGood, Runnable onBad, Map<String, String> config) {
        ByteFeed f = new ByteFeed(meter, meter, config);
        f.onGood = onGood;
        f.onBad = onBad;
        return f;
    }

    @Override
    public Map<String, String> config() {
        return config;
    }

    @Override
    public ByteLink openLink(String uri, Map<String, String> defaults) throws DriverException {
        if (mode == Mode.CUT) {
            throw new DriverException("cannot open " + uri + ": the line is cut (compliance kit)");
        }
        long timeout = Long.parseLong(defaults.getOrDefault("timeout", "2000"));
        MemoryLink link = new MemoryLink(uri, timeout);
        links.add(link);
        Responder r = mode == Mode.BAD ? badMeter : goodMeter;
        Thread meter = new Thread(() -> {
            try {
                r.serve(link.toMeter.input(), link.fromMeter.output());
            } catch (IOException e) {
                // the line closed or was cut: the meter stops talking
            }
        }, "tck-meter " + uri);
        meter.setDaemon(true);
        link.meter = meter;
        meter.start();
        return link;
    }

    @Override
    public void good() {
        mode = Mode.GOOD;
        onGood.run();
    }

    @Override
    public boolean canSendBadData() {
        return true;
    }

    @Override
    public void bad() {
        mode = Mode.BAD;
        onBad.run();
    }

    @Override
    public boolean canLoseLink() {
        return true;
    }

    @Override
    public void cut() {
        mode = Mode.CUT;
        links.forEach(MemoryLink::sever);
    }

    /** An in-memory {@link ByteLink}: two pipes and the meter thread behind them. */
    private final class MemoryLink implements ByteLink {
        final Pipe toMeter;
        final Pipe fromMeter;
        final String uri;
        volatile Thread meter;

        MemoryLink(String uri, long timeoutMs) {
            this.uri = uri;
            // the meter side blocks until the driver speaks; a long timeout keeps it waiting quietly
            this.toMeter = new Pipe(60_000);
            this.fromMeter = new Pipe(timeoutMs);
        }

        void sever() {
            toMeter.sever();
            fromMeter.sever();
        }

        @Override
        public InputStream input() throws IOException {
            return fromMeter.input();
        }

        @Override
        public OutputStream output() throws IOException {
            return toMeter.output();
        }

        @Override
        public String describe() {
            return "kit line " + uri;
        }

        @Override
        public void close() {
            sever();
            Thread t = meter;
            if (t != null) {
                t.interrupt();
            }
            links.remove(this);
        }
    }
}
