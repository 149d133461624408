#!/usr/bin/python3
"""Load for bench/pulse/run.sh: EMDC pulse messages (new body shape) from DC_IDS capture channels to the EMDC
exchange. Mode 'fill': COUNT pulses as fast as possible, edge times 1 s apart per dc_id ending now (so none is
in the future). Mode 'rate': COUNT pulses at RATE a second, each stamped with the wall clock (round robin over
the dc_ids, so one dc_id pulses every DC_IDS/RATE s, at least 800 ms apart); the send times go to SENDLOG.
Usage: edge.py AMQP_PORT fill|rate COUNT DC_IDS [RATE SENDLOG]"""
import json
import sys
import time

import pika

port, mode, count, dcs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
conn = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=port))
ch = conn.channel()
ch.exchange_declare(exchange="EMDC", exchange_type="topic", durable=True)
props = pika.BasicProperties(content_type="text/plain", delivery_mode=2)


def body(ts, dc):
    return json.dumps({"ts": ts, "dc_id": dc, "rarr": 0, "status": 0, "device_id": "device-001",
                       "event_type": "energy.active", "value": 0.001, "unit": "kWh", "source": "datacap"})


if mode == "fill":
    per_dc = (count + dcs - 1) // dcs
    start = int(time.time() * 1000) - per_dc * 1000
    for i in range(count):
        ch.basic_publish("EMDC", "EMDC.EVENTS.ACTIVE", body(start + (i // dcs) * 1000, i % dcs), props)
else:
    rate, log = float(sys.argv[5]), open(sys.argv[6], "w")
    t0 = time.time()
    for i in range(count):
        due = t0 + i / rate
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        now_ms = int(time.time() * 1000)
        ch.basic_publish("EMDC", "EMDC.EVENTS.ACTIVE", body(now_ms, i % dcs), props)
        log.write("%d\n" % now_ms)
    log.close()
conn.close()
