package org.meter2mqtt.mqtt.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.internal.ClientState;
import org.eclipse.paho.client.mqttv3.internal.wire.CountingInputStream;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.mqtt.client.LoopbackBroker;

/**
 * Paho's own ClientState, from the Paho jar, patched and loaded with the rest of Paho in a loader of its own (as the
 * weaving hook has it loaded in Karaf), against the project's real embedded broker. The sender thread's voluntary
 * context switches are read from Linux ({@code /proc/self/task/<tid>/status}; the JVM names native threads).
 */
class PahoInFlightWakesTest {

    private static final String PAHO = "org.eclipse.paho.client.mqttv3";

    @TempDir
    static Path tmp;

    private static LoopbackBroker broker;
    private static String url;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = LoopbackBroker.start(tmp.resolve("broker"));
        url = broker.url();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void onlyTheClassItWasMadeForIsChangedAndOnlyOnce() throws Exception {
        byte[] patched = PahoInFlightWakes.patch(classBytes(ClientState.class));
        assertThat(patched).isNotNull();
        assertThat(PahoInFlightWakes.patch(patched)).as("already patched").isNull();
        assertThat(PahoInFlightWakes.patch(classBytes(CountingInputStream.class))).isNull();
        assertThat(PahoInFlightWakes.patch(classBytes(MqttClient.class))).isNull();
    }

    /**
     * One QoS 1 message at a time, as meters trickle in: the shipped class wakes the idle sender once more at every
     * PUBACK (about two waits per message), the patched one only for the message to send (about one).
     */
    @Test
    void anAcknowledgementNoLongerWakesAnIdleSender() throws Exception {
        int messages = 300;
        double shipped = senderWaitsPerMessage(new PahoLoader(null), "wA", messages);
        double patched = senderWaitsPerMessage(new PahoLoader(PahoInFlightWakes.patch(classBytes(ClientState.class))),
                "wB", messages);
        System.out.printf("PahoInFlightWakesTest: Paho's sender waited %.2f times per message as shipped, "
                + "%.2f patched%n", shipped, patched);

        assertThat(shipped).as("the shipped sender's waits per message").isGreaterThan(1.6);
        assertThat(patched).as("the patched sender's waits per message").isLessThan(1.3);
    }

    /**
     * With a small in-flight window and a publisher faster than the acknowledgements, PUBLISHes wait for room: the
     * one case where an acknowledgement must wake the sender. All arrive, in order.
     */
    @Test
    void aFullWindowStillMovesOnWhenAcknowledgementsComeBack() throws Exception {
        int messages = 3000;
        MqttClient reader = new MqttClient(url, "wR", new MemoryPersistence());
        AtomicInteger received = new AtomicInteger();
        AtomicInteger outOfOrder = new AtomicInteger();
        reader.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                if (Integer.parseInt(new String(m.getPayload())) != received.getAndIncrement()) {
                    outOfOrder.incrementAndGet();
                }
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        reader.connect(o);
        reader.subscribe("wake/window", 1);
        try {
            Paho paho = new Paho(new PahoLoader(PahoInFlightWakes.patch(classBytes(ClientState.class))));
            Object client = paho.asyncClient("wW", 10);
            Deque<Object> tokens = new ArrayDeque<>();
            int windowFull = 0;
            for (int i = 0; i < messages; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (true) {
                    assertThat(System.nanoTime()).as("room in the window for message " + i).isLessThan(deadline);
                    try {
                        tokens.add(paho.publish(client, "wake/window", Integer.toString(i).getBytes(), 1));
                        break;
                    } catch (InvocationTargetException e) {
                        if (paho.reasonCode(e.getCause()) != 32202) { // REASON_CODE_MAX_INFLIGHT
                            throw e;
                        }
                        windowFull++;
                        Object oldest = tokens.poll();
                        if (oldest != null) {
                            paho.waitForCompletion(oldest, 10_000);
                        } else {
                            Thread.sleep(1); // all answered; Paho's callback thread is about to free the slots
                        }
                    }
                }
            }
            while (!tokens.isEmpty()) {
                paho.waitForCompletion(tokens.poll(), 10_000);
            }
            paho.disconnect(client);
            assertThat(windowFull).as("the window was full at times").isPositive();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.get() < messages && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(received.get()).isEqualTo(messages);
            assertThat(outOfOrder.get()).isZero();
        } finally {
            reader.disconnect();
            reader.close();
        }
    }

    /** Publishes {@code messages} QoS 1 messages one by one and counts the sender thread's waits per message. */
    private static double senderWaitsPerMessage(PahoLoader loader, String clientId, int messages) throws Exception {
        Paho paho = new Paho(loader);
        Object client = paho.asyncClient(clientId, 10);
        byte[] payload = new byte[584];
        for (int i = 0; i < 50; i++) { // warm-up: the first messages load classes and compile
            paho.publishWhenRoom(client, "wake/one", payload);
        }
        String tid = nativeThread("MQTT Snd: " + clientId);
        long before = voluntarySwitches(tid);
        for (int i = 0; i < messages; i++) {
            paho.publishWhenRoom(client, "wake/one", payload);
            Thread.sleep(1); // let the sender settle into its wait, as between meter messages
        }
        long after = voluntarySwitches(tid);
        paho.disconnect(client);
        return (after - before) / (double) messages;
    }

    private static String nativeThread(String name) throws IOException {
        String comm = name.length() > 15 ? name.substring(0, 15) : name; // Linux keeps 15 characters
        File[] tasks = new File("/proc/self/task").listFiles();
        for (File t : tasks) {
            if (Files.readString(new File(t, "comm").toPath()).trim().equals(comm)) {
                return t.getName();
            }
        }
        throw new AssertionError("no thread named " + comm);
    }

    private static long voluntarySwitches(String tid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/task", tid, "status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no voluntary_ctxt_switches for thread " + tid);
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Paho's async client through reflection: its classes here are another loader's. */
    private static final class Paho {
        private final ClassLoader loader;

        Paho(ClassLoader loader) {
            this.loader = loader;
        }

        Object asyncClient(String id, int maxInflight) throws Exception {
            Class<?> persistence = loader.loadClass(PAHO + ".MqttClientPersistence");
            Object client = loader.loadClass(PAHO + ".MqttAsyncClient")
                    .getConstructor(String.class, String.class, persistence)
                    .newInstance(url, id, loader.loadClass(PAHO + ".persist.MemoryPersistence")
                            .getConstructor().newInstance());
            Class<?> optionsClass = loader.loadClass(PAHO + ".MqttConnectOptions");
            Object options = optionsClass.getConstructor().newInstance();
            optionsClass.getMethod("setMaxInflight", int.class).invoke(options, maxInflight);
            optionsClass.getMethod("setCleanSession", boolean.class).invoke(options, true);
            Object token = client.getClass().getMethod("connect", optionsClass).invoke(client, options);
            waitForCompletion(token, 10_000);
            return client;
        }

        Object publish(Object client, String topic, byte[] payload, int qos) throws Exception {
            return client.getClass().getMethod("publish", String.class, byte[].class, int.class, boolean.class)
                    .invoke(client, topic, payload, qos, false);
        }

        /**
         * A QoS 1 publish, waited for. Paho lets the waiter go at the PUBACK and frees the in-flight slot a moment
         * later on its callback thread, so a publish right after can find the window still counted full: tried again.
         */
        void publishWhenRoom(Object client, String topic, byte[] payload) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try {
                    waitForCompletion(publish(client, topic, payload, 1), 10_000);
                    return;
                } catch (InvocationTargetException e) {
                    if (reasonCode(e.getCause()) != 32202 || System.nanoTime() > deadline) { // REASON_CODE_MAX_INFLIGHT
                        throw e;
                    }
                    Thread.sleep(1);
                }
            }
        }

        void waitForCompletion(Object token, long millis) throws Exception {
            loader.loadClass(PAHO + ".IMqttToken").getMethod("waitForCompletion", long.class).invoke(token, millis);
        }

        int reasonCode(Throwable mqttException) throws Exception {
            return (int) mqttException.getClass().getMethod("getReasonCode").invoke(mqttException);
        }

        void disconnect(Object client) throws Exception {
            waitForCompletion(client.getClass().getMethod("disconnect").invoke(client), 10_000);
            client.getClass().getMethod("close").invoke(client);
        }
    }

    /** Defines all of Paho's classes itself, ClientState from the given bytes (or as shipped when null). */
    private static final class PahoLoader extends ClassLoader {
        private final byte[] clientState;

        PahoLoader(byte[] clientState) {
            super(PahoInFlightWakesTest.class.getClassLoader());
            this.clientState = clientState;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && name.startsWith(PAHO + ".")) {
                    byte[] b;
                    if (name.equals(PahoInFlightWakes.CLASS) && clientState != null) {
                        b = clientState;
                    } else {
                        try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                            if (in == null) {
                                throw new ClassNotFoundException(name);
                            }
                            b = in.readAllBytes();
                        } catch (IOException e) {
                            throw new ClassNotFoundException(name, e);
                        }
                    }
                    c = defineClass(name, b, 0, b.length);
                }
                return c != null ? c : super.loadClass(name, resolve);
            }
        }
    }
}
