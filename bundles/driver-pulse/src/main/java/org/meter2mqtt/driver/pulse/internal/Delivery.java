package org.meter2mqtt.driver.pulse.internal;

/**
 * One message as an input received it, not yet acknowledged.
 *
 * @param key routing key (AMQP) or topic (MQTT)
 * @param tag delivery tag (AMQP) or message id (MQTT)
 * @param link the channel or connection it came on: an acknowledgement on a newer one would name the wrong
 *        message, so it is only sent on the same one
 * @param qos MQTT QoS (AMQP: 1)
 * @param arrivedMs gateway clock at arrival
 */
record Delivery(byte[] body, String key, long tag, Object link, int qos, long arrivedMs) {
}
