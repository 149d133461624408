package org.meter2mqtt.mqtt.client.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the tests of the Paho patches share: Paho's classes defined again in a loader of their own, some of them
 * patched (as the weaving hook has them in Karaf), an async client driven through reflection, and a thread's
 * voluntary context switches as Linux counts them ({@code /proc/self/task/<tid>/status}; the JVM names native
 * threads).
 */
final class PahoRig {

    static final String PAHO = "org.eclipse.paho.client.mqttv3";

    private PahoRig() {
    }

    /**
     * Publishes {@code messages} QoS 1 messages one by one, each waited for and followed by a millisecond's pause (as
     * meters trickle in), and counts the waits per message of the client's thread named {@code threadPrefix +
     * clientId} ("MQTT Snd: ", "MQTT Call: ").
     */
    static double waitsPerMessage(PahoLoader loader, String url, String clientId, String threadPrefix, int messages)
            throws Exception {
        Paho paho = new Paho(loader, url);
        Object client = paho.asyncClient(clientId, 10);
        byte[] payload = new byte[584];
        for (int i = 0; i < 50; i++) { // warm-up: the first messages load classes and compile
            paho.publishWhenRoom(client, "rig/one", payload, 1);
        }
        String tid = nativeThread(threadPrefix + clientId);
        long before = voluntarySwitches(tid);
        for (int i = 0; i < messages; i++) {
            paho.publishWhenRoom(client, "rig/one", payload, 1);
            Thread.sleep(1); // let the threads settle into their waits, as between meter messages
        }
        long after = voluntarySwitches(tid);
        paho.disconnect(client);
        return (after - before) / (double) messages;
    }

    static String nativeThread(String name) throws IOException {
        String comm = name.length() > 15 ? name.substring(0, 15) : name; // Linux keeps 15 characters
        File[] tasks = new File("/proc/self/task").listFiles();
        for (File t : tasks) {
            if (Files.readString(new File(t, "comm").toPath()).trim().equals(comm)) {
                return t.getName();
            }
        }
        throw new AssertionError("no thread named " + comm);
    }

    static long voluntarySwitches(String tid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/task", tid, "status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no voluntary_ctxt_switches for thread " + tid);
    }

    static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Paho's async client through reflection: its classes here are another loader's. */
    static final class Paho {
        private final ClassLoader loader;
        private final String url;

        Paho(ClassLoader loader, String url) {
            this.loader = loader;
            this.url = url;
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
         * A publish, waited for. Paho lets the waiter go at the PUBACK and frees the in-flight slot a moment
         * later on its callback thread, so a publish right after can find the window still counted full: tried again.
         */
        void publishWhenRoom(Object client, String topic, byte[] payload, int qos) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try {
                    waitForCompletion(publish(client, topic, payload, qos), 10_000);
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

    /** Defines all of Paho's classes itself, those named in {@code patched} from the given bytes. */
    static final class PahoLoader extends ClassLoader {
        private final Map<String, byte[]> patched;

        PahoLoader(Map<String, byte[]> patched) {
            super(PahoRig.class.getClassLoader());
            this.patched = patched;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && name.startsWith(PAHO + ".")) {
                    byte[] b;
                    if (patched.containsKey(name)) {
                        b = patched.get(name);
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
