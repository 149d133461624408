package org.meter2mqtt.simulators.pulse;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * An EMDC edge: one message per meter pulse, to a RabbitMQ topic exchange ({@code EMDC}, routing keys
 * {@code EMDC.EVENTS.ACTIVE} / {@code EMDC.EVENTS.REACTIVE}, persistent, text/plain, publisher confirms) or to
 * MQTT ({@code emdc/events/energy/active|reactive}, QoS 1). Bodies in the old shape ({@code ts, dc_id, rarr,
 * status}) or the new one (adds {@code device_id, event_type, value, unit, source}).
 *
 * <p>The edge clock is simulated: the pulses of one {@code dc_id} are {@code 3600 / power} seconds apart in
 * {@code ts} whatever the publishing rate, ending at the wall clock, so a test can send an hour of pulses in a
 * second. Faults: duplicates (a pulse sent twice), garbage bodies, a clock jump. As a process:
 *
 * <pre>
 * java -cp ... org.meter2mqtt.simulators.pulse.PulseSimulator --amqp amqp://127.0.0.1:5672 | --mqtt tcp://127.0.0.1:11883
 *      [--exchange EMDC] [--old] [--dc 1] [--power 1000 | --profile 300:60,2500:20,0:40] [--reactive-every 4]
 *      [--rate 1] [--count 0]
 *      [--duplicates 0.0] [--garbage 0.0] [--clock-jump-ms 0] [--username U --password P]
 * </pre>
 *
 * {@code --rate} is messages per second (0: as fast as the broker confirms), {@code --count 0} runs until stdin
 * closes: then pulses come in real time at {@code --power}, or following {@code --profile} (steps of
 * {@code watts:seconds}, repeated; 0 W sends nothing). Prints {@code SENT <pulses> <duplicates> <garbage>} at the end.
 */
public final class PulseSimulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Public fields, set before {@link #connect()}. */
    public static final class Options {
        public String amqp;
        public String mqtt;
        public String username;
        public String password;
        public String exchange = "EMDC";
        public boolean oldShape;
        public int dcIds = 1;
        public double powerW = 1000;
        /** Real-time mode: a changing load instead of {@link #powerW} ({@link PowerProfile}); null for none. */
        public PowerProfile profile;
        /** One reactive pulse after this many active ones; 0 for none. */
        public int reactiveEvery;
        public double duplicates;
        public double garbage;
        public long clockJumpMs;
        /** Edge time of the first pulse; 0: so that the first send ends at the wall clock. */
        public long startMs;
        public long seed = 1;
    }

    private final Options o;
    private final Random random;
    private Connection connection;
    private Channel channel;
    private MqttClient mqtt;
    private long sent;
    private long sentDuplicates;
    private long sentGarbage;
    private long activeSent;
    private long reactiveSent;
    private long nextTs;

    public PulseSimulator(Options o) {
        this.o = o;
        this.random = new Random(o.seed);
    }

    public void connect() throws Exception {
        if (o.amqp != null) {
            ConnectionFactory f = new ConnectionFactory();
            f.setUri(o.amqp);
            if (o.username != null) {
                f.setUsername(o.username);
                f.setPassword(o.password);
            }
            connection = f.newConnection("emdc edge simulator");
            channel = connection.createChannel();
            channel.exchangeDeclare(o.exchange, "topic", true);
            channel.confirmSelect();
        } else {
            mqtt = new MqttClient(o.mqtt, "emdc-sim-" + System.nanoTime(), new MemoryPersistence());
            MqttConnectOptions c = new MqttConnectOptions();
            c.setCleanSession(true);
            c.setMaxInflight(1000);
            if (o.username != null) {
                c.setUserName(o.username);
                c.setPassword(o.password.toCharArray());
            }
            mqtt.connect(c);
        }
    }

    /**
     * Publishes {@code count} pulses (plus the duplicates and garbage the fault switches add), {@code rate} a
     * second (0: unpaced), and waits until the broker has them all.
     *
     * @return the distinct pulses sent, active and reactive together
     */
    public long send(long count, double rate) throws Exception {
        long intervalMs = Math.max(800, Math.round(3_600_000.0 / o.powerW));
        long perDc = (count + o.dcIds - 1) / o.dcIds;
        if (nextTs == 0) {
            nextTs = o.startMs != 0 ? o.startMs : System.currentTimeMillis() - perDc * intervalMs;
        }
        // the edge clock goes on from the previous send: one simulator is one edge
        long start = nextTs;
        nextTs = start + perDc * intervalMs;
        long t0 = System.nanoTime();
        for (long i = 0; i < count; i++) {
            int dc = (int) (i % o.dcIds);
            long ts = start + (i / o.dcIds) * intervalMs + (o.clockJumpMs != 0 && i >= count / 2 ? o.clockJumpMs : 0);
            boolean reactive = o.reactiveEvery > 0 && i % (o.reactiveEvery + 1) == o.reactiveEvery;
            byte[] body = body(ts, dc, reactive);
            publish(body, reactive);
            if (reactive) {
                reactiveSent++;
            } else {
                activeSent++;
            }
            sent++;
            if (o.duplicates > 0 && random.nextDouble() < o.duplicates) {
                publish(body, reactive);
                sentDuplicates++;
            }
            if (o.garbage > 0 && random.nextDouble() < o.garbage) {
                publish(garbage(), reactive);
                sentGarbage++;
            }
            if (rate > 0) {
                long due = t0 + (long) ((i + 1) * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            if (channel != null && i % 1000 == 999) {
                channel.waitForConfirmsOrDie(30_000);
            }
        }
        if (channel != null) {
            channel.waitForConfirmsOrDie(30_000);
        }
        return count;
    }

    byte[] body(long ts, int dc, boolean reactive) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ts", ts);
        n.put("dc_id", dc);
        n.put("rarr", reactive ? 1 : 0);
        n.put("status", 0);
        if (!o.oldShape) {
            n.put("device_id", "device-001");
            n.put("event_type", reactive ? "energy.reactive" : "energy.active");
            n.put("value", 0.001);
            n.put("unit", "kWh");
            n.put("source", "datacap");
        }
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] garbage() {
        String[] bad = { "not json", "{\"dc_id\":0,\"rarr\":0}", "{\"ts\":\"soon\",\"rarr\":0}", "[1,2,3]",
            "{\"ts\":" + (System.currentTimeMillis() + 7_200_000L) + ",\"dc_id\":0,\"rarr\":0}" };
        return bad[random.nextInt(bad.length)].getBytes(StandardCharsets.UTF_8);
    }

    private void publish(byte[] body, boolean reactive) throws Exception {
        if (channel != null) {
            // the old edge used one key for both kinds; the body's rarr tells them apart
            String key = o.oldShape ? "A.B.C" : reactive ? "EMDC.EVENTS.REACTIVE" : "EMDC.EVENTS.ACTIVE";
            channel.basicPublish(o.exchange, key, new AMQP.BasicProperties.Builder().contentType("text/plain")
                    .deliveryMode(2).build(), body);
        } else {
            try {
                mqtt.publish("emdc/events/energy/" + (reactive ? "reactive" : "active"), body, 1, false);
            } catch (MqttException e) {
                throw new Exception("MQTT publish failed: " + e.getMessage(), e);
            }
        }
    }

    public long sent() {
        return sent;
    }

    public long activeSent() {
        return activeSent;
    }

    public long reactiveSent() {
        return reactiveSent;
    }

    public long duplicatesSent() {
        return sentDuplicates;
    }

    public long garbageSent() {
        return sentGarbage;
    }

    @Override
    public void close() throws Exception {
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
        if (mqtt != null) {
            if (mqtt.isConnected()) {
                mqtt.disconnect();
            }
            mqtt.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = new Options();
        long count = 0;
        double rate = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--amqp": o.amqp = args[++i]; break;
                case "--mqtt": o.mqtt = args[++i]; break;
                case "--username": o.username = args[++i]; break;
                case "--password": o.password = args[++i]; break;
                case "--exchange": o.exchange = args[++i]; break;
                case "--old": o.oldShape = true; break;
                case "--dc": o.dcIds = Integer.parseInt(args[++i]); break;
                case "--power": o.powerW = Double.parseDouble(args[++i]); break;
                case "--profile": o.profile = PowerProfile.parse(args[++i]); break;
                case "--reactive-every": o.reactiveEvery = Integer.parseInt(args[++i]); break;
                case "--rate": rate = Double.parseDouble(args[++i]); break;
                case "--count": count = Long.parseLong(args[++i]); break;
                case "--duplicates": o.duplicates = Double.parseDouble(args[++i]); break;
                case "--garbage": o.garbage = Double.parseDouble(args[++i]); break;
                case "--clock-jump-ms": o.clockJumpMs = Long.parseLong(args[++i]); break;
                default:
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
            }
        }
        if ((o.amqp == null) == (o.mqtt == null)) {
            System.err.println("give exactly one of --amqp URL and --mqtt URL");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (PulseSimulator sim = new PulseSimulator(o)) {
            sim.connect();
            out.println("READY");
            if (count > 0) {
                sim.send(count, rate);
            } else {
                // real time: the demo; pulses at the configured power, until stdin closes
                Thread stdin = new Thread(() -> {
                    try {
                        while (System.in.read() >= 0) {
                            // ignored
                        }
                    } catch (java.io.IOException e) {
                        // treated as end of input
                    }
                    System.exit(0);
                }, "stdin");
                stdin.setDaemon(true);
                stdin.start();
                long t0 = System.nanoTime();
                while (true) {
                    double w = o.profile == null ? o.powerW : o.profile.wattsAt((System.nanoTime() - t0) / 1e9);
                    if (w <= 0) {
                        Thread.sleep(1_000); // no load, no pulses
                        continue;
                    }
                    sim.sendNow();
                    Thread.sleep(Math.max(800, Math.round(3_600_000.0 / w)) / o.dcIds);
                }
            }
            out.println("SENT " + sim.sent() + " " + sim.duplicatesSent() + " " + sim.garbageSent());
        }
    }

    private int nextDc;

    /** One pulse stamped with the wall clock (real-time mode). */
    public void sendNow() throws Exception {
        int dc = nextDc++ % o.dcIds;
        boolean reactive = o.reactiveEvery > 0 && sent % (o.reactiveEvery + 1) == o.reactiveEvery;
        byte[] body = body(System.currentTimeMillis() + o.clockJumpMs, dc, reactive);
        publish(body, reactive);
        sent++;
        if (o.garbage > 0 && random.nextDouble() < o.garbage) {
            publish(garbage(), reactive);
            sentGarbage++;
        }
        if (channel != null) {
            channel.waitForConfirmsOrDie(10_000);
        }
    }
}
