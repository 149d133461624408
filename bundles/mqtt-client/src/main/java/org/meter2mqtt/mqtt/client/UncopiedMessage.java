package org.meter2mqtt.mqtt.client;

import org.eclipse.paho.client.mqttv3.MqttMessage;

/**
 * A Paho message that keeps the caller's payload array instead of a copy. {@link MqttMessage#setPayload} clones
 * every payload, which was one of the larger allocations per published message (the Home Assistant layout
 * publishes twenty messages per reading). Safe because every payload handed to {@link PahoConnection} is built
 * for that message and never changed afterwards; Paho itself only reads it.
 */
final class UncopiedMessage extends MqttMessage {

    /** Set by the constructor's call to {@link #setPayload}; no initializer, or it would be reset after it. */
    private byte[] payload;

    UncopiedMessage(byte[] payload, int qos, boolean retained) {
        super(payload);
        setQos(qos);
        setRetained(retained);
    }

    @Override
    public void setPayload(byte[] p) {
        if (p == null) {
            throw new NullPointerException("payload");
        }
        payload = p;
    }

    @Override
    public byte[] getPayload() {
        return payload;
    }

    @Override
    public void clearPayload() {
        payload = new byte[0];
    }

    @Override
    public String toString() {
        return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }
}
