#!/usr/bin/python3
"""A reimplementation of the EMDC users' writer (backend/mqtt_writer.py), written from its description: pika
consumer with auto_ack=True on the durable queue queue_mqtt_writer (bound to EMDC.EVENTS.ACTIVE/REACTIVE),
the cumulative energy in state/energy_state.json overwritten (not atomically, no fsync) after every pulse,
retained MQTT publishes of kWh and kW to home/energy/... (paho-mqtt), power = 3600 / dt_ms kW for 1 Wh pulses,
computed only when a previous pulse exists. The peer the pulse driver replaces, for bench/pulse/run.sh only.
Usage: mqtt_writer.py AMQP_PORT MQTT_PORT STATE_DIR"""
import json
import os
import sys

import paho.mqtt.client as mqtt
import pika

amqp_port, mqtt_port, state_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state_file = os.path.join(state_dir, "energy_state.json")
state = {"active_energy_wh": 0, "reactive_energy_wh": 0, "prev_ts_active": None, "prev_ts_reactive": None}
if os.path.exists(state_file):
    with open(state_file) as f:
        state.update(json.load(f))

client = mqtt.Client(client_id="emdc-writer")
client.connect("127.0.0.1", mqtt_port)
client.loop_start()

conn = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=amqp_port))
ch = conn.channel()
ch.exchange_declare(exchange="EMDC", exchange_type="topic", durable=True)
ch.queue_declare(queue="queue_mqtt_writer", durable=True)
for key in ("EMDC.EVENTS.ACTIVE", "EMDC.EVENTS.REACTIVE"):
    ch.queue_bind(queue="queue_mqtt_writer", exchange="EMDC", routing_key=key)


def on_message(channel, method, properties, body):
    event = json.loads(body)
    ts = event["ts"]
    kind = "active" if event.get("rarr", 0) == 0 else "reactive"
    state[kind + "_energy_wh"] += 1
    prev = state["prev_ts_" + kind]
    if prev is not None and ts > prev:
        client.publish("home/energy/%s_power" % kind, round(3600.0 / (ts - prev), 3), retain=True)
    state["prev_ts_" + kind] = ts
    client.publish("home/energy/%s_energy" % kind, state[kind + "_energy_wh"] / 1000.0, retain=True)
    with open(state_file, "w") as f:
        json.dump(state, f)


ch.basic_consume(queue="queue_mqtt_writer", on_message_callback=on_message, auto_ack=True)
print("READY", flush=True)
ch.start_consuming()
