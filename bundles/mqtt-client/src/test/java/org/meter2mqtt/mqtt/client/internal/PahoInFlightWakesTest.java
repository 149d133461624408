package org.meter2mqtt.mqtt.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import static org.meter2mqtt.mqtt.client.internal.PahoRig.classBytes;
import static org.meter2mqtt.mqtt.client.internal.PahoRig.waitsPerMessage;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.internal.ClientState;
import org.eclipse.paho.client.mqttv3.internal.wire.CountingInputStream;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.mqtt.client.OnLoopbackBroker;
import org.meter2mqtt.mqtt.client.internal.PahoRig.Paho;
import org.meter2mqtt.mqtt.client.internal.PahoRig.PahoLoader;

/**
 * Paho's own ClientState, from the Paho jar, patched and loaded with the rest of Paho in a loader of its own (as the
 * weaving hook has it loaded in Karaf, {@link PahoRig}), against the project's real embedded broker.
 */
class PahoInFlightWakesTest extends OnLoopbackBroker {

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
        double shipped = waitsPerMessage(new PahoLoader(Map.of()), url, "wA", "MQTT Snd: ", messages);
        double patched = waitsPerMessage(patchedLoader(), url, "wB", "MQTT Snd: ", messages);
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
            Paho paho = new Paho(patchedLoader(), url);
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

    private static PahoLoader patchedLoader() throws Exception {
        return new PahoLoader(Map.of(PahoInFlightWakes.CLASS, PahoInFlightWakes.patch(classBytes(ClientState.class))));
    }
}
