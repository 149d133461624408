package org.meter2mqtt.mqtt.client;

import java.util.Collections;
import java.util.Enumeration;

import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttPersistable;

/**
 * Paho persistence that keeps nothing, for clean sessions. Paho clears its persistence at every clean connect, so
 * there it only mirrors the in-flight messages Paho already holds in its own tables; {@code MemoryPersistence} did
 * that with a key string and a synchronized Hashtable put and remove per QoS 1 message, shared between the
 * publishing thread and Paho's callback thread. Whoever needs redelivery after a lost connection keeps its own
 * copy (the MQTT output has its disk buffer). Not for persistent sessions: there Paho resends from it.
 */
final class NoPersistence implements MqttClientPersistence {

    @Override
    public void open(String clientId, String serverUri) {
        // nothing to open
    }

    @Override
    public void close() {
        // nothing to close
    }

    @Override
    public void put(String key, MqttPersistable persistable) {
        // kept nowhere, see the class comment
    }

    @Override
    public MqttPersistable get(String key) {
        return null;
    }

    @Override
    public void remove(String key) {
        // nothing was kept
    }

    @Override
    public Enumeration<String> keys() {
        return Collections.emptyEnumeration();
    }

    @Override
    public void clear() {
        // nothing was kept
    }

    @Override
    public boolean containsKey(String key) {
        return false;
    }
}
