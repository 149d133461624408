package org.meter2mqtt.mqtt.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

import org.eclipse.paho.client.mqttv3.internal.wire.CountingInputStream;
import org.eclipse.paho.client.mqttv3.internal.wire.MqttPublish;
import org.eclipse.paho.client.mqttv3.internal.wire.MqttWireMessage;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.Test;

/** Paho's own CountingInputStream, from the Paho jar, patched and loaded the way the weaving hook has it loaded. */
class PahoBlockReadsTest {

    private static final int BODY = 584; // a KPM33B MQTT_RT_DATA message

    @Test
    void theShippedClassReadsByteByByteAndThePatchedOneInBlocksCountingTheSame() throws Exception {
        byte[] original = classBytes(CountingInputStream.class);
        byte[] patched = PahoBlockReads.patch(original);
        assertThat(patched).isNotNull();

        Reads shipped = readFully(load(original));
        Reads woven = readFully(load(patched));

        // the reason for the patch, shown on Paho's own class: one single-byte read per byte
        assertThat(shipped.singleByteReads).isEqualTo(BODY);
        assertThat(woven.singleByteReads).isZero();
        assertThat(woven.blockReads).isBetween(1, 3);
        // same bytes, same count: what Paho's decoders rely on
        assertThat(woven.bytes).isEqualTo(shipped.bytes).isEqualTo(body());
        assertThat(woven.counter).isEqualTo(shipped.counter).isEqualTo(BODY);
        assertThat(load(patched).getDeclaredMethod("read", byte[].class, int.class, int.class)).isNotNull();
    }

    @Test
    void theEndOfTheStreamAndEmptyReadsLeaveTheCounterAlone() throws Exception {
        Class<?> woven = load(PahoBlockReads.patch(classBytes(CountingInputStream.class)));
        InputStream s = (InputStream) woven.getConstructor(InputStream.class)
                .newInstance(new ByteArrayInputStream(new byte[] {1, 2, 3}));
        byte[] b = new byte[8];
        assertThat(s.read(b, 0, 0)).isZero();
        assertThat(s.read(b, 0, 8)).isEqualTo(3);
        assertThat(s.read(b, 0, 8)).isEqualTo(-1);
        assertThat(counter(s)).isEqualTo(3);
    }

    @Test
    void onlyTheClassItWasMadeForIsChangedAndOnlyOnce() throws Exception {
        byte[] patched = PahoBlockReads.patch(classBytes(CountingInputStream.class));
        assertThat(PahoBlockReads.patch(patched)).as("already has a block read").isNull();
        assertThat(PahoBlockReads.patch(classBytes(MqttPublish.class))).isNull();
        assertThat(PahoBlockReads.patch(classBytes(ByteArrayInputStream.class))).isNull();
    }

    /** The patched class inside Paho's own decoding of a received PUBLISH gives the same message. */
    @Test
    void pahosDecoderGivesTheSameMessageWithThePatchedClass() throws Exception {
        byte[] payload = body();
        MqttPublish sent = new MqttPublish("MQTT_RT_DATA", new MqttMessage(payload));
        byte[] packet = concat(sent.getHeader(), sent.getPayload());

        ClassLoader loader = new PatchingLoader(PahoBlockReads.patch(classBytes(CountingInputStream.class)), true);
        Class<?> wire = loader.loadClass(MqttWireMessage.class.getName());
        assertThat(wire.getClassLoader()).isSameAs(loader);
        Object decoded = wire.getMethod("createWireMessage", byte[].class).invoke(null, (Object) packet);
        assertThat(decoded.getClass().getMethod("getTopicName").invoke(decoded)).isEqualTo("MQTT_RT_DATA");
        Object message = decoded.getClass().getMethod("getMessage").invoke(decoded);
        assertThat((byte[]) message.getClass().getMethod("getPayload").invoke(message)).isEqualTo(payload);
    }

    private static byte[] body() {
        byte[] b = new byte[BODY];
        new Random(17).nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private record Reads(byte[] bytes, int counter, int singleByteReads, int blockReads) {
    }

    /** Paho's readFully path: DataInputStream over the counting stream over an array stream. */
    private static Reads readFully(Class<?> counting) throws Exception {
        int[] single = {0};
        int[] block = {0};
        InputStream source = new ByteArrayInputStream(body()) {
            @Override
            public synchronized int read() {
                single[0]++;
                return super.read();
            }

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                block[0]++;
                return super.read(b, off, len);
            }
        };
        InputStream s = (InputStream) counting.getConstructor(InputStream.class).newInstance(source);
        byte[] bytes = new byte[BODY];
        new DataInputStream(s).readFully(bytes);
        return new Reads(bytes, counter(s), single[0], block[0]);
    }

    private static int counter(InputStream s) throws Exception {
        return (int) s.getClass().getMethod("getCounter").invoke(s);
    }

    private static Class<?> load(byte[] bytes) throws ClassNotFoundException {
        return new PatchingLoader(bytes, false).loadClass(PahoBlockReads.CLASS);
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Defines the counting stream from the given bytes (and, if asked, the rest of Paho's wire package itself). */
    private static final class PatchingLoader extends ClassLoader {
        private final byte[] counting;
        private final boolean wholeWirePackage;

        PatchingLoader(byte[] counting, boolean wholeWirePackage) {
            super(PahoBlockReadsTest.class.getClassLoader());
            this.counting = counting;
            this.wholeWirePackage = wholeWirePackage;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && name.equals(PahoBlockReads.CLASS)) {
                    c = defineClass(name, counting, 0, counting.length);
                } else if (c == null && wholeWirePackage && name.startsWith(MqttWireMessage.class.getPackageName())) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c != null ? c : super.loadClass(name, resolve);
            }
        }
    }
}
