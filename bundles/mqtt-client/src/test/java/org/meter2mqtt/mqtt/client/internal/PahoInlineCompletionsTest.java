package org.meter2mqtt.mqtt.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.meter2mqtt.mqtt.client.internal.PahoRig.PAHO;
import static org.meter2mqtt.mqtt.client.internal.PahoRig.classBytes;
import static org.meter2mqtt.mqtt.client.internal.PahoRig.waitsPerMessage;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.internal.ClientState;
import org.eclipse.paho.client.mqttv3.internal.CommsCallback;
import org.junit.jupiter.api.Test;
import org.meter2mqtt.mqtt.client.OnLoopbackBroker;
import org.meter2mqtt.mqtt.client.internal.PahoRig.Paho;
import org.meter2mqtt.mqtt.client.internal.PahoRig.PahoLoader;

/**
 * Paho's own CommsCallback, from the Paho jar, patched and loaded with the rest of Paho in a loader of its own (as
 * the weaving hook has it loaded in Karaf, {@link PahoRig}), against the project's real embedded broker.
 */
class PahoInlineCompletionsTest extends OnLoopbackBroker {

    @Test
    void onlyTheClassItWasMadeForIsChangedAndOnlyOnce() throws Exception {
        byte[] patched = PahoInlineCompletions.patch(classBytes(CommsCallback.class));
        assertThat(patched).isNotNull();
        assertThat(PahoInlineCompletions.patch(patched)).as("already patched").isNull();
        assertThat(PahoInlineCompletions.patch(classBytes(ClientState.class))).isNull();
        assertThat(PahoInlineCompletions.patch(classBytes(MqttClient.class))).isNull();
    }

    /**
     * One QoS 1 message at a time, as meters trickle in: as shipped, every PUBACK wakes the callback thread (about
     * one wait per message); patched, the receiver completes the delivery itself and the callback thread sleeps.
     */
    @Test
    void aDeliveryNoLongerWakesTheCallbackThread() throws Exception {
        int messages = 300;
        double shipped = waitsPerMessage(new PahoLoader(Map.of()), url, "cA", "MQTT Call: ", messages);
        double patched = waitsPerMessage(patchedLoader(), url, "cB", "MQTT Call: ", messages);
        System.out.printf("PahoInlineCompletionsTest: Paho's callback thread waited %.2f times per message as "
                + "shipped, %.2f patched%n", shipped, patched);

        assertThat(shipped).as("the shipped callback thread's waits per message").isGreaterThan(0.8);
        assertThat(patched).as("the patched callback thread's waits per message").isLessThan(0.1);
    }

    /**
     * Patched, every delivery still reaches {@code deliveryComplete} (QoS 1 on the receiver thread, QoS 0 on the
     * sender), a publish with an action listener still gets it called on the callback thread, and the in-flight
     * window still moves on with a small window and a publisher that keeps it full.
     */
    @Test
    void deliveriesAndActionListenersStillArrive() throws Exception {
        Paho paho = new Paho(patchedLoader(), url);
        Object client = paho.asyncClient("cD", 10);
        ClassLoader loader = client.getClass().getClassLoader();
        AtomicInteger delivered = new AtomicInteger();
        List<String> deliveringThreads = new CopyOnWriteArrayList<>();
        Class<?> callbackType = loader.loadClass(PAHO + ".MqttCallback");
        Object callback = Proxy.newProxyInstance(loader, new Class<?>[] { callbackType }, (proxy, method, args) -> {
            if (method.getName().equals("deliveryComplete")) {
                delivered.incrementAndGet();
                String name = Thread.currentThread().getName();
                if (!deliveringThreads.contains(name)) {
                    deliveringThreads.add(name);
                }
            }
            return null;
        });
        client.getClass().getMethod("setCallback", callbackType).invoke(client, callback);
        int messages = 2000;
        for (int i = 0; i < messages / 2; i++) {
            paho.publishWhenRoom(client, "inline/one", Integer.toString(i).getBytes(), 1);
        }
        // not waited for one by one: each would wait for Nagle's timer on this unacknowledged stream
        for (int i = messages / 2; i < messages; i++) {
            paho.publish(client, "inline/one", Integer.toString(i).getBytes(), 0);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.get() < messages && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(delivered.get()).isEqualTo(messages);
        assertThat(deliveringThreads).allSatisfy(t -> assertThat(t).doesNotStartWith("MQTT Call"));

        CountDownLatch listened = new CountDownLatch(1);
        List<String> listenerThread = new CopyOnWriteArrayList<>();
        Class<?> listenerType = loader.loadClass(PAHO + ".IMqttActionListener");
        Object listener = Proxy.newProxyInstance(loader, new Class<?>[] { listenerType }, (proxy, method, args) -> {
            if (method.getName().equals("onSuccess")) {
                listenerThread.add(Thread.currentThread().getName());
                listened.countDown();
            }
            return null;
        });
        client.getClass().getMethod("publish", String.class, byte[].class, int.class, boolean.class, Object.class,
                listenerType).invoke(client, "inline/one", new byte[] { 1 }, 1, false, null, listener);
        assertThat(listened.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(listenerThread).singleElement().asString().startsWith("MQTT Call");
        paho.disconnect(client);
    }

    private static PahoLoader patchedLoader() throws Exception {
        return new PahoLoader(Map.of(PahoInlineCompletions.CLASS,
                PahoInlineCompletions.patch(classBytes(CommsCallback.class))));
    }
}
