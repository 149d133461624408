#!/usr/bin/python3
"""Pulse-to-MQTT latency from a send log (one wall-clock ms per pulse, in order) and a mosquitto_sub -F '%U %p'
log of the running total in kWh (1 Wh pulses): pulse i is out when the first total >= i arrives.
Usage: latency.py SENDLOG MQTTLOG BASE_WH"""
import sys

sends = [int(l) for l in open(sys.argv[1])]
base = int(sys.argv[3])
arrivals = []
for line in open(sys.argv[2]):
    t, v = line.split()
    arrivals.append((float(t) * 1000, round(float(v) * 1000) - base))
lat, j = [], 0
for i, sent in enumerate(sends, start=1):
    while j < len(arrivals) and arrivals[j][1] < i:
        j += 1
    if j == len(arrivals):
        break
    lat.append(arrivals[j][0] - sent)
lat.sort()
if not lat:
    print("no pulse seen")
    sys.exit(1)
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("pulses %d of %d  p50 %.1f ms  p99 %.1f ms  max %.1f ms" % (len(lat), len(sends), pct(0.5), pct(0.99), lat[-1]))
