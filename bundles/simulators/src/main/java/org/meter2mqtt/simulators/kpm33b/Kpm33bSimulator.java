package org.meter2mqtt.simulators.kpm33b;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * N simulated KPM33B meters on an MQTT broker: they publish {@code MQTT_RT_DATA} and {@code MQTT_ENY_NOW} at
 * their intervals and answer upload-interval commands on {@code MQTT_COMMOD_SET_<last8>} with
 * {@code MQTT_COMMOD_SET_REP}. Faults on request: no reply, error replies, every message twice, all-zero
 * messages, split packets, a clock in 2005. As a process:
 *
 * <pre>
 * java -cp ... org.meter2mqtt.simulators.kpm33b.Kpm33bSimulator --broker tcp://127.0.0.1:11883 --meters 3
 *      [--first 0] [--rt-ms 30000] [--eny-ms 60000] [--connections N] [--full] [--no-ack] [--error-reply]
 *      [--duplicates] [--zeros] [--split] [--bad-clock] [--seconds S]
 * </pre>
 *
 * It prints {@code READY <meters>} once connected, and {@code CONFIG <id> <Cmd> <value> <oprid> <reply>} for
 * each command received ({@code reply} is 01, 02 or none). Ends after {@code --seconds} or when stdin closes.
 */
public final class Kpm33bSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Kpm33bSimulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, List<String>> ALLOWED = Map.of(
            "0000", List.of("30", "60", "300", "600", "900", "1200", "1800", "3600"),
            "0001", List.of("1", "5", "10", "15", "20", "30", "60", "1440"));

    /** What the simulation does; public fields, set before {@link #start()} (the fault switches any time). */
    public static final class Options {
        public String broker = "tcp://127.0.0.1:11883";
        public int meters = 1;
        public int first;
        public long rtMillis = 30_000;
        public long enyMillis = 60_000;
        public int connections;
        public boolean full;
        public volatile boolean noAck;
        public volatile boolean errorReply;
        public volatile boolean duplicates;
        public volatile boolean zeros;
        public volatile boolean split;
        public volatile boolean badClock;
        public int qos;
        public long seed = 1;
    }

    /** A command a meter received. */
    public static final class Command {
        public final String meterId;
        public final String cmd;
        public final String value;
        public final String oprid;
        public final String reply;

        Command(String meterId, String cmd, String value, String oprid, String reply) {
            this.meterId = meterId;
            this.cmd = cmd;
            this.value = value;
            this.oprid = oprid;
            this.reply = reply;
        }

        @Override
        public String toString() {
            return "CONFIG " + meterId + " " + cmd + " " + value + " " + oprid + " " + reply;
        }
    }

    private final Options options;
    private final List<SimulatedMeter> meters = new ArrayList<>();
    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final Map<String, SimulatedMeter> byLast8 = new HashMap<>();
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final List<Consumer<Command>> commandListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong published = new AtomicLong();
    private ScheduledExecutorService timer;

    public Kpm33bSimulator(Options options) {
        this.options = options;
        ZoneId zone = ZoneId.systemDefault();
        for (int i = 0; i < options.meters; i++) {
            SimulatedMeter m = new SimulatedMeter(SimulatedMeter.idOf(options.first + i), options.seed + i, zone);
            meters.add(m);
            byLast8.put(m.last8(), m);
        }
    }

    public Options options() {
        return options;
    }

    public List<SimulatedMeter> meters() {
        return meters;
    }

    /** Commands received so far, in order. */
    public List<Command> commands() {
        return commands;
    }

    public void onCommand(Consumer<Command> listener) {
        commandListeners.add(listener);
    }

    public long published() {
        return published.get();
    }

    /** Connects every meter and starts publishing at the intervals (0 = only on {@link #publishAll}). */
    public void start() throws MqttException {
        int n = options.connections > 0 ? options.connections : Math.min(meters.size(), 50);
        n = Math.max(1, Math.min(n, meters.size()));
        for (int c = 0; c < n; c++) {
            MqttAsyncClient client = new MqttAsyncClient(options.broker, "kpm33b-sim-" + ProcessHandle.current().pid()
                    + "-" + options.first + "-" + c, new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setMaxInflight(10_000);
            // real meters reconnect when their broker (the gateway's embedded one) restarts
            o.setAutomaticReconnect(true);
            o.setMaxReconnectDelay(5_000);
            List<String> topics = new ArrayList<>();
            for (int i = c; i < meters.size(); i += n) {
                topics.add("MQTT_COMMOD_SET_" + meters.get(i).last8());
            }
            client.setCallback(new MqttCallbackExtended() {
                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                    if (reconnect) {
                        LOG.info("Reconnected to {}", serverURI);
                        subscribe(client, topics);
                    }
                }

                @Override
                public void connectionLost(Throwable cause) {
                    LOG.info("Connection to the broker lost ({}); reconnecting", cause.toString());
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    // subscriptions have their own listeners
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            client.connect(o).waitForCompletion(10_000);
            subscribe(client, topics);
            clients.add(client);
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kpm33b-sim");
            t.setDaemon(true);
            return t;
        });
        if (options.rtMillis > 0) {
            timer.scheduleAtFixedRate(() -> publishAll(true), options.rtMillis, options.rtMillis, TimeUnit.MILLISECONDS);
        }
        if (options.enyMillis > 0) {
            timer.scheduleAtFixedRate(() -> publishAll(false), options.enyMillis, options.enyMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Every meter publishes one real-time ({@code realTime}) or energy message now. */
    public void publishAll(boolean realTime) {
        for (int i = 0; i < meters.size(); i++) {
            try {
                publish(i, realTime);
            } catch (MqttException e) {
                LOG.warn("Meter {} could not publish: {}", meters.get(i).id(), e.getMessage());
            }
        }
    }

    /** Meter number {@code index} publishes one message now. */
    public void publish(int index, boolean realTime) throws MqttException {
        SimulatedMeter m = meters.get(index);
        MqttAsyncClient c = clients.get(index % clients.size());
        long now = System.currentTimeMillis() / 1000;
        // a wrong meter clock, as seen in real logs (20050113170000)
        String time = options.badClock ? m.timeAt(now - 21L * 365 * 86_400) : m.nextTime(now);
        String topic = realTime ? "MQTT_RT_DATA" : "MQTT_ENY_NOW";
        if (options.zeros) {
            String zeroTime = m.nextTime(now);
            send(c, topic, realTime ? m.realTime(zeroTime, options.full, true) : m.energy(zeroTime, true));
        }
        if (realTime && options.split) {
            for (byte[] part : m.realTimeSplit(time)) {
                send(c, topic, part);
            }
            return;
        }
        byte[] payload = realTime ? m.realTime(time, options.full, false) : m.energy(time, false);
        send(c, topic, payload);
        if (options.duplicates) {
            send(c, topic, payload);
        }
    }

    private void subscribe(MqttAsyncClient client, List<String> topics) {
        try {
            for (String t : topics) {
                client.subscribe(t, 1, (topic, msg) -> command(client, topic, msg)).waitForCompletion(10_000);
            }
        } catch (MqttException e) {
            LOG.warn("Could not subscribe to the command topics: {}", e.getMessage());
        }
    }

    private void send(MqttAsyncClient c, String topic, byte[] payload) throws MqttException {
        if (!c.isConnected()) {
            return; // a meter without its broker skips the reading; automatic reconnect is under way
        }
        c.publish(topic, payload, options.qos, false);
        published.incrementAndGet();
    }

    private void command(MqttAsyncClient client, String topic, MqttMessage msg) {
        SimulatedMeter m = byLast8.get(topic.substring("MQTT_COMMOD_SET_".length()));
        if (m == null) {
            return;
        }
        String cmd = null;
        String value = null;
        String oprid = null;
        String problem = null;
        try {
            JsonNode n = JSON.readTree(msg.getPayload());
            oprid = n.path("oprid").asText(null);
            cmd = n.path("Cmd").asText(null);
            value = n.path("value").asText(null);
            if (oprid == null || oprid.length() != 32) {
                problem = "oprid must be 32 characters";
            } else if (!ALLOWED.containsKey(cmd)) {
                problem = "unknown Cmd " + cmd;
            } else if (!ALLOWED.get(cmd).contains(value)) {
                problem = "value " + value + " not allowed for Cmd " + cmd;
            } else if (!"1".equals(n.path("types").asText())) {
                problem = "types must be 1 (integer)";
            }
        } catch (java.io.IOException e) {
            problem = "not JSON: " + e.getMessage();
        }
        String code = options.noAck ? "none" : options.errorReply || problem != null ? "02" : "01";
        Command received = new Command(m.id(), cmd, value, oprid, code);
        commands.add(received);
        commandListeners.forEach(l -> l.accept(received));
        if (options.noAck || oprid == null) {
            return;
        }
        Map<String, String> reply = new java.util.LinkedHashMap<>();
        reply.put("id", m.id());
        reply.put("oprid", oprid);
        reply.put("code", code);
        if (!"01".equals(code)) {
            reply.put("msg", problem != null ? problem : "parameter write failed");
        }
        try {
            client.publish("MQTT_COMMOD_SET_REP", JSON.writeValueAsBytes(reply), 1, false);
        } catch (MqttException | com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.warn("Meter {} could not reply: {}", m.id(), e.getMessage());
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        for (MqttAsyncClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnect(500).waitForCompletion(1_000);
                }
                c.close(true);
            } catch (MqttException e) {
                LOG.debug("closing simulator client: {}", e.getMessage());
            }
        }
        clients.clear();
    }

    private static final String USAGE = String.join("\n",
            "usage: Kpm33bSimulator [--broker tcp://127.0.0.1:11883] [--meters N] [--first K] [--rt-ms MS]"
                    + " [--eny-ms MS] [--connections N] [--qos 0|1] [--full] [--no-ack] [--error-reply] [--duplicates]"
                    + " [--zeros] [--split] [--bad-clock] [--seconds S]",
            "  N simulated KPM33B meters publishing MQTT_RT_DATA every --rt-ms and MQTT_ENY_NOW every --eny-ms, and",
            "  answering upload-interval commands; they reconnect when the broker restarts. Prints READY <meters>,",
            "  then CONFIG lines for commands received; ends after --seconds or when stdin closes.");

    public static void main(String[] args) throws Exception {
        Options o = new Options();
        long seconds = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--broker": o.broker = args[++i]; break;
                case "--meters": o.meters = Integer.parseInt(args[++i]); break;
                case "--first": o.first = Integer.parseInt(args[++i]); break;
                case "--rt-ms": o.rtMillis = Long.parseLong(args[++i]); break;
                case "--eny-ms": o.enyMillis = Long.parseLong(args[++i]); break;
                case "--connections": o.connections = Integer.parseInt(args[++i]); break;
                case "--qos": o.qos = Integer.parseInt(args[++i]); break;
                case "--full": o.full = true; break;
                case "--no-ack": o.noAck = true; break;
                case "--error-reply": o.errorReply = true; break;
                case "--duplicates": o.duplicates = true; break;
                case "--zeros": o.zeros = true; break;
                case "--split": o.split = true; break;
                case "--bad-clock": o.badClock = true; break;
                case "--seconds": seconds = Long.parseLong(args[++i]); break;
                case "-h":
                case "--help":
                    System.out.println(USAGE);
                    System.exit(0);
                    break;
                default:
                    System.err.println("unknown option " + args[i]);
                    System.err.println(USAGE);
                    System.exit(2);
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Kpm33bSimulator sim = new Kpm33bSimulator(o)) {
            sim.onCommand(c -> out.println(c));
            sim.start();
            out.println("READY " + o.meters);
            CountDownLatch end = new CountDownLatch(1);
            Thread stdin = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // input is ignored; end of input ends the simulation
                    }
                } catch (java.io.IOException e) {
                    LOG.debug("stdin: {}", e.getMessage());
                }
                end.countDown();
            }, "stdin");
            stdin.setDaemon(true);
            stdin.start();
            if (seconds > 0) {
                end.await(seconds, TimeUnit.SECONDS);
            } else {
                end.await();
            }
            out.println("PUBLISHED " + sim.published());
        }
    }
}
