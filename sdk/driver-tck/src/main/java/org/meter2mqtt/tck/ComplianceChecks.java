package org.meter2mqtt.tck;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;

/**
 * The checks of the compliance kit, as plain Java: each returns the problems it found (empty = passed).
 * {@link DriverComplianceKit} turns them into JUnit tests; the kit's own tests run them on broken drivers.
 */
public final class ComplianceChecks {

    /** Longest time {@link DriverSession#close()} may take (the core waits no longer). */
    public static final Duration CLOSE_LIMIT = Duration.ofSeconds(2);
    /** Longest time a poll may take before the kit calls it hung. */
    static final Duration POLL_LIMIT = Duration.ofSeconds(15);
    private static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    private static final Set<String> COMMON_KEYS = Set.of(DeviceConfig.DRIVER, DeviceConfig.NAME,
            DeviceConfig.ENABLED, DeviceConfig.POLL_INTERVAL, DeviceConfig.CHANNELS, DeviceConfig.MODEL);

    private Optional<String> waiver(String problem) {
        return subject.waivers.entrySet().stream().filter(w -> problem.contains(w.getKey())).map(Map.Entry::getValue)
                .findFirst();
    }

    /** One named check. */
    public final class Check {
        private final String name;
        private final Supplier<List<String>> body;

        Check(String name, Supplier<List<String>> body) {
            this.name = name;
            this.body = body;
        }

        public String name() {
            return name;
        }

        /** The problems found, less those the driver under test explicitly waives (printed instead). */
        public List<String> run() {
            List<String> found = new ArrayList<>();
            for (String problem : body.get()) {
                Optional<String> why = waiver(problem);
                if (why.isPresent()) {
                    System.out.println("[driver-tck] waived: " + problem + " (" + why.get() + ")");
                } else {
                    found.add(problem);
                }
            }
            return found;
        }
    }

    private final DriverUnderTest subject;

    public ComplianceChecks(DriverUnderTest subject) {
        this.subject = subject;
    }

    /** The checks that apply to this driver and feed, in the order they should run. */
    public List<Check> all() {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("description", this::description));
        checks.add(new Check("home assistant metadata", this::homeAssistant));
        checks.add(new Check("configuration errors", this::configuration));
        checks.add(new Check("session lifecycle", this::lifecycle));
        checks.add(new Check("readings", this::readings));
        if (subject.feed.canSendBadData()) {
            checks.add(new Check("bad data", this::badData));
        }
        if (subject.feed.canLoseLink()) {
            checks.add(new Check("lost link", this::lostLink));
        }
        checks.add(new Check("bundle metadata", this::bundleMetadata));
        if (subject.protocolPackage != null) {
            checks.add(new Check("protocol package is plain Java", this::protocolPackage));
        }
        return checks;
    }

    /** The names of checks that do not apply, with why (reported, so nothing is silently left out). */
    public List<String> notApplicable() {
        List<String> out = new ArrayList<>();
        if (!subject.feed.canSendBadData()) {
            out.add("bad data: the feed sends none");
        }
        if (!subject.feed.canLoseLink()) {
            out.add("lost link: the feed has no link to lose");
        }
        if (subject.protocolPackage == null) {
            out.add("protocol package: none named (DriverUnderTest.Builder.protocolPackage)");
        }
        return out;
    }

    // ---- description and Home Assistant

    public List<String> description() {
        List<String> p = new ArrayList<>();
        MeterDriver driver;
        DriverDescription d;
        try {
            driver = subject.factory.get();
            d = driver.describe();
        } catch (RuntimeException e) {
            return List.of("describe() threw " + e);
        }
        try {
            if (d == null) {
                return List.of("describe() returned null");
            }
            if (!d.id().matches("[a-z][a-z0-9_-]*")) {
                p.add("driver id '" + d.id() + "' must match [a-z][a-z0-9_-]* (it is the value of driver=)");
            }
            if (d.name().isBlank() || d.vendor().isBlank()) {
                p.add("the description needs a name and a vendor (shown by meter:drivers)");
            }
            if (!d.version().matches("\\d+(\\.\\d+){0,2}(\\.[\\w-]+)?")) {
                p.add("version '" + d.version() + "' is not an OSGi version: take it from the bundle");
            }
            Set<String> models = new HashSet<>();
            for (ModelDescription m : d.models()) {
                if (!models.add(m.id().toLowerCase())) {
                    p.add("model id '" + m.id() + "' appears twice");
                }
                Set<String> channels = new HashSet<>();
                for (Channel c : m.channels()) {
                    if (!channels.add(c.id())) {
                        p.add("model '" + m.id() + "': channel id '" + c.id() + "' appears twice");
                    }
                }
            }
            Set<String> keys = new HashSet<>();
            for (ConfigKey k : d.configKeys()) {
                if (!keys.add(k.id())) {
                    p.add("configuration key '" + k.id() + "' is declared twice");
                }
                if (COMMON_KEYS.contains(k.id())) {
                    p.add("configuration key '" + k.id() + "' is one of the core's own keys");
                }
                if (!k.id().matches("[a-z][a-z0-9_.-]*")) {
                    p.add("configuration key '" + k.id() + "' must match [a-z][a-z0-9_.-]*");
                }
                Optional<String> def = k.defaultValue();
                if (def.isPresent()) {
                    k.check(def.get()).ifPresent(why -> p.add("default of '" + k.id() + "' is invalid: " + why));
                    if (k.required()) {
                        p.add("'" + k.id() + "' is required and has a default: drop one of the two");
                    }
                }
                if (k.type() == ConfigKey.Type.BOOLEAN && !k.options().isEmpty()) {
                    p.add("boolean key '" + k.id() + "' has options");
                }
            }
            return p;
        } finally {
            dispose(driver);
        }
    }

    public List<String> homeAssistant() {
        MeterDriver driver = subject.factory.get();
        try {
            List<String> p = new ArrayList<>();
            for (ModelDescription m : driver.describe().models()) {
                for (Channel c : m.channels()) {
                    HomeAssistantRules.check(c).ifPresent(why -> p.add("model '" + m.id() + "': " + why));
                }
            }
            return p;
        } finally {
            dispose(driver);
        }
    }

    // ---- configuration

    public List<String> configuration() {
        List<String> p = new ArrayList<>();
        DriverDescription d = describe();
        // 1. a key the core would refuse for its type must really be refused by its declaration
        for (ConfigKey k : d.configKeys()) {
            String wrong = wrongValue(k.type());
            if (wrong != null && k.check(wrong).isEmpty()) {
                p.add("'" + k.id() + "' (" + k.type() + ") accepts '" + wrong + "'");
            }
        }
        // 2. each optional key without default left out, each required key left out, each free-text key garbled
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        Map<String, String> minimal = new HashMap<>(subject.config);
        for (ConfigKey k : d.configKeys()) {
            if (!k.required()) {
                minimal.remove(k.id());
            }
        }
        variants.put("only the required keys", minimal);
        for (ConfigKey k : d.configKeys()) {
            Map<String, String> without = new HashMap<>(subject.config);
            without.remove(k.id());
            variants.put((k.required() ? "required" : "optional") + " key '" + k.id() + "' missing", without);
            if (k.type() == ConfigKey.Type.STRING || k.type() == ConfigKey.Type.SECRET
                    || k.type() == ConfigKey.Type.LIST) {
                if (k.options().isEmpty()) {
                    Map<String, String> garbled = new HashMap<>(subject.config);
                    garbled.put(k.id(), "\u00a7?;not a " + k.id() + "\u0001");
                    variants.put("key '" + k.id() + "' garbled", garbled);
                }
            }
        }
        for (Map.Entry<String, Map<String, String>> v : variants.entrySet()) {
            Outcome o = openAndPoll(v.getValue());
            boolean requiredMissing = v.getKey().startsWith("required");
            if (o.failure != null && !(o.failure instanceof DriverException)) {
                p.add(v.getKey() + ": " + o.where + " threw " + o.failure
                        + " (a bad configuration must be a ConfigException naming the key)");
            } else if (requiredMissing && o.failure != null && !(o.failure instanceof ConfigException)) {
                p.add(v.getKey() + ": " + o.where + " threw a " + o.failure.getClass().getSimpleName()
                        + ", not a ConfigException, so the device would retry forever instead of CONFIG_ERROR");
            }
            p.addAll(o.problems);
        }
        return p;
    }

    private static String wrongValue(ConfigKey.Type type) {
        switch (type) {
            case INTEGER:
                return "1.5x";
            case DECIMAL:
                return "one";
            case BOOLEAN:
                return "maybe";
            default:
                return null;
        }
    }

    // ---- lifecycle

    public List<String> lifecycle() {
        List<String> p = new ArrayList<>();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        MeterDriver driver = subject.factory.get();
        RecordingContext ctx = context(driver, subject.config);
        DriverSession session;
        try {
            session = call("open", () -> driver.open(ctx), POLL_LIMIT);
        } catch (Throwable e) {
            dispose(driver);
            return List.of("open with a working configuration threw " + e);
        }
        if (session == null) {
            dispose(driver);
            return List.of("open returned null");
        }
        if (driver.describe().mode() == DriverDescription.Mode.POLLED) {
            try {
                call("poll", () -> {
                    session.poll();
                    return null;
                }, POLL_LIMIT);
            } catch (Throwable e) {
                p.add("poll threw " + e);
            }
        } else {
            RecordingContext.await(subject.readingTimeout, () -> !ctx.batches().isEmpty());
        }
        for (int i = 1; i <= 2; i++) {
            long start = System.nanoTime();
            try {
                call("close", () -> {
                    session.close();
                    return null;
                }, CLOSE_LIMIT.plusSeconds(3));
            } catch (TimeoutException e) {
                p.add("close #" + i + " did not return within " + CLOSE_LIMIT.plusSeconds(3).toSeconds() + " s");
            } catch (Throwable e) {
                p.add("close #" + i + " threw " + e + (i == 2 ? " (close must be idempotent)" : ""));
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (ms > CLOSE_LIMIT.toMillis()) {
                p.add("close #" + i + " took " + ms + " ms; the core waits " + CLOSE_LIMIT.toMillis() + " ms");
            }
        }
        ctx.release();
        dispose(driver);
        for (Throwable e : ctx.escaped()) {
            p.add("an exception escaped a session thread: " + e);
        }
        for (Thread t : ctx.threads()) {
            if (t.isAlive()) {
                p.add("thread '" + t.getName() + "' (DeviceContext.startThread) did not end within "
                        + CLOSE_LIMIT.toSeconds() + " s of close and interrupt: its body must return once interrupted");
            }
        }
        RecordingContext.await(CLOSE_LIMIT, () -> leftBehind(before).isEmpty());
        for (Thread t : leftBehind(before)) {
            p.add("thread '" + t.getName() + "' is still alive after close: start threads with "
                    + "DeviceContext.startThread or stop them in close()");
        }
        return p;
    }

    private static List<Thread> leftBehind(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .filter(t -> !t.getName().startsWith("tck-") && !t.getName().startsWith("ForkJoinPool.commonPool")
                        && !t.getName().equals("process reaper") && !t.getName().startsWith("Attach Listener"))
                .collect(Collectors.toList());
    }

    // ---- readings, bad data, lost link

    public List<String> readings() {
        List<String> p = new ArrayList<>();
        subject.feed.good();
        Session s = open(subject.config);
        if (s.failure != null) {
            return List.of("open with a working configuration threw " + s.failure);
        }
        try {
            for (int i = 0; i < 3 && s.polled(); i++) {
                try {
                    s.poll();
                } catch (Throwable e) {
                    p.add("poll with good data threw " + e);
                    break;
                }
            }
            if (!RecordingContext.await(subject.readingTimeout, () -> !s.ctx.batches().isEmpty())) {
                p.add("no batch within " + subject.readingTimeout.toSeconds() + " s of good data"
                        + (s.ctx.errors().isEmpty() ? "" : "; errors: " + s.ctx.errors()));
            }
            Instant now = s.ctx.clock().instant();
            Set<String> seen = new HashSet<>();
            for (List<Reading> batch : s.ctx.batches()) {
                if (batch.isEmpty()) {
                    p.add("an empty batch was published (publish nothing instead)");
                }
                for (Reading r : batch) {
                    Optional<Channel> c = s.ctx.channel(r.channel());
                    if (c.isEmpty()) {
                        if (seen.add("undeclared " + r.channel())) {
                            p.add("reading of channel '" + r.channel() + "', which the model neither declares nor "
                                    + "the session announced");
                        }
                        continue;
                    }
                    checkReading(r, c.get(), now, p, seen);
                }
            }
            if (!s.ctx.errors().isEmpty() && s.ctx.batches().isEmpty()) {
                p.add("good data was reported as bad: " + s.ctx.errors());
            }
        } finally {
            s.close();
        }
        p.addAll(s.escapedProblems());
        return p;
    }

    private static void checkReading(Reading r, Channel c, Instant now, List<String> p, Set<String> seen) {
        if (r.hasValue()) {
            if (c.text() && r.number() != null && seen.add("num " + c.id())) {
                p.add("text channel '" + c.id() + "' got a number");
            }
            if (!c.text() && r.number() == null && seen.add("text " + c.id())) {
                String t = r.textValue();
                p.add("numeric channel '" + c.id() + "' got text '" + t + "'"
                        + (t.matches("(?i)[+-]?(nan|inf(inity)?)") ? " (NaN and infinity are never published)" : ""));
            }
            if (r.number() != null && r.number().abs().compareTo(new BigDecimal("1e15")) > 0 && seen.add("big " + c.id())) {
                p.add("channel '" + c.id() + "' got " + r.number().toPlainString() + ", beyond any real meter");
            }
        }
        Instant ts = r.timestamp();
        if (ts != null && (ts.isBefore(EARLIEST) || ts.isAfter(now.plus(1, ChronoUnit.DAYS)))
                && seen.add("ts " + c.id())) {
            p.add("channel '" + c.id() + "' has timestamp " + ts + ", not a plausible meter time");
        }
    }

    public List<String> badData() {
        List<String> p = new ArrayList<>();
        subject.feed.bad();
        Session s = open(subject.config);
        try {
            if (s.failure != null) {
                if (!(s.failure instanceof DriverException)) {
                    p.add("open with a meter sending bad data threw " + s.failure);
                }
                return p;
            }
            boolean thrown = false;
            for (int i = 0; i < 3 && s.polled(); i++) {
                try {
                    s.poll();
                } catch (DriverException e) {
                    thrown = true;
                } catch (Throwable e) {
                    p.add("poll with bad data threw " + e + " (bad data is reported with DeviceContext.error)");
                    break;
                }
            }
            boolean noticed = RecordingContext.await(subject.readingTimeout,
                    () -> !s.ctx.errors().isEmpty() || !s.ctx.linkLost().isEmpty() || !s.ctx.escaped().isEmpty());
            if (!noticed && !thrown) {
                p.add("bad data went unnoticed: no DeviceContext.error within "
                        + subject.readingTimeout.toSeconds() + " s");
            }
        } finally {
            s.close();
            subject.feed.good();
        }
        p.addAll(s.escapedProblems());
        return p;
    }

    public List<String> lostLink() {
        List<String> p = new ArrayList<>();
        subject.feed.good();
        Session s = open(subject.config);
        try {
            if (s.failure != null) {
                return List.of("open with a working configuration threw " + s.failure);
            }
            if (s.polled()) {
                try {
                    s.poll();
                } catch (Throwable e) {
                    p.add("poll with good data threw " + e);
                }
            } else {
                RecordingContext.await(subject.readingTimeout, () -> !s.ctx.batches().isEmpty());
            }
            subject.feed.cut();
            if (s.polled()) {
                Throwable thrown = null;
                for (int i = 0; i < 2 && thrown == null; i++) {
                    try {
                        s.poll();
                    } catch (Throwable e) {
                        thrown = e;
                    }
                }
                if (thrown == null && s.ctx.linkLost().isEmpty()) {
                    p.add("poll after the link was lost returned normally: it must throw a DriverException");
                } else if (thrown != null && !(thrown instanceof DriverException)) {
                    p.add("poll after the link was lost threw " + thrown + ", not a DriverException");
                }
            } else if (!RecordingContext.await(subject.readingTimeout, () -> !s.ctx.linkLost().isEmpty())) {
                p.add("the link was lost, but the session did not call DeviceContext.linkLost within "
                        + subject.readingTimeout.toSeconds() + " s");
            }
        } finally {
            s.close();
            subject.feed.good();
        }
        p.addAll(s.escapedProblems());
        return p;
    }

    public List<String> bundleMetadata() {
        MeterDriver driver = subject.factory.get();
        try {
            Class<?> cls = subject.bundleClass != null ? subject.bundleClass : driver.getClass();
            return BundleMetadata.check(cls, driver.describe().id());
        } finally {
            dispose(driver);
        }
    }

    public List<String> protocolPackage() {
        MeterDriver driver = subject.factory.get();
        try {
            Class<?> cls = subject.bundleClass != null ? subject.bundleClass : driver.getClass();
            return ProtocolBoundary.check(cls, subject.protocolPackage);
        } finally {
            dispose(driver);
        }
    }

    // ---- plumbing

    private DriverDescription describe() {
        MeterDriver driver = subject.factory.get();
        try {
            return driver.describe();
        } finally {
            dispose(driver);
        }
    }

    private void dispose(MeterDriver driver) {
        try {
            subject.dispose.accept(driver);
        } catch (RuntimeException e) {
            // a failing dispose is the test's problem, not the driver's
        }
    }

    private RecordingContext context(MeterDriver driver, Map<String, String> config) {
        return new RecordingContext("tck-device", driver.describe(), config, subject.feed);
    }

    /** An open session (or why it could not be opened), closed with everything around it. */
    private final class Session {
        final MeterDriver driver = subject.factory.get();
        final RecordingContext ctx;
        DriverSession session;
        Throwable failure;

        Session(Map<String, String> config) {
            ctx = context(driver, config);
            try {
                session = call("open", () -> driver.open(ctx), POLL_LIMIT);
                if (session == null) {
                    failure = new NullPointerException("open returned null");
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        boolean polled() {
            return driver.describe().mode() == DriverDescription.Mode.POLLED;
        }

        void poll() throws Throwable {
            call("poll", () -> {
                session.poll();
                return null;
            }, POLL_LIMIT);
        }

        void close() {
            if (session != null) {
                try {
                    call("close", () -> {
                        session.close();
                        return null;
                    }, CLOSE_LIMIT.plusSeconds(3));
                } catch (Throwable e) {
                    ctx.escaped().add(e);
                }
            }
            ctx.release();
            dispose(driver);
        }

        List<String> escapedProblems() {
            return ctx.escaped().stream().map(e -> "an exception escaped the session: " + e)
                    .collect(Collectors.toList());
        }
    }

    private Session open(Map<String, String> config) {
        return new Session(config);
    }

    /** What happened when a session was opened and polled once with one configuration. */
    private static final class Outcome {
        String where = "open";
        Throwable failure;
        final List<String> problems = new ArrayList<>();
    }

    private Outcome openAndPoll(Map<String, String> config) {
        Outcome o = new Outcome();
        Session s = open(config);
        try {
            if (s.failure != null) {
                o.failure = s.failure;
                return o;
            }
            if (s.polled()) {
                try {
                    s.poll();
                } catch (TimeoutException e) {
                    o.problems.add("poll hung for " + POLL_LIMIT.toSeconds() + " s");
                } catch (Throwable e) {
                    o.where = "poll";
                    o.failure = e;
                }
            } else {
                // give a streaming session a moment to trip over its configuration in its own thread
                RecordingContext.await(Duration.ofMillis(300), () -> !s.ctx.escaped().isEmpty());
            }
        } finally {
            s.close();
        }
        o.problems.addAll(s.escapedProblems());
        return o;
    }

    private static final ExecutorService CALLER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tck-caller");
        t.setDaemon(true);
        return t;
    });

    /** Runs one call into the driver on a kit thread, as the core does, so a hang is reported, not suffered. */
    static <T> T call(String what, Callable<T> body, Duration limit) throws Throwable {
        Future<T> f = CALLER.submit(body);
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new TimeoutException(what + " did not return within " + limit.toSeconds() + " s");
        }
    }
}
