#!/bin/bash
# Pulse counting benchmark (issue 12; see README.md). Not part of the reactor, not a test.
# The gateway (the real distribution, driver-pulse reading a real RabbitMQ, MQTT output to a Mosquitto) against
# a reimplementation of the users' auto-ack writer (mqtt_writer.py: Python + Debian python3-pika and
# python3-paho-mqtt), in the same run, on the same RabbitMQ and Mosquitto:
#   1. sustained pulses/s: N pulses from DCS dc_ids queued first, then drained (gateway: ack after the counter
#      is fsynced; writer: auto-ack, state file rewritten per pulse without fsync), measured on MQTT from the
#      first total that moved to the last;
#   2. pulse-to-MQTT latency at RATE pulses/s (LAT_N pulses stamped with the wall clock, p50/p99/max).
# Needs: a built distribution (karaf-assembly/target/assembly), Debian rabbitmq-server, mosquitto,
#   mosquitto-clients, python3-pika, python3-paho-mqtt.
# Usage: bench/pulse/run.sh   (N=50000 DCS=1000 RATE=1000 LAT_N=20000 to change the load)
set -uo pipefail
cd "$(dirname "$0")"
. ../../scripts/java17.sh
N=${N:-50000}; DCS=${DCS:-1000}; RATE=${RATE:-1000}; LAT_N=${LAT_N:-20000}
PY=/usr/bin/python3
OUT=$PWD/target/bench; rm -rf "$OUT"; mkdir -p "$OUT"
PIDS=()
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
AMQP=$(free_port); DIST_PORT=$(free_port); EPMD=$(free_port); MQTT=$(free_port)
GW_PID=""
gw_stop() { # the script and its JVM, by PID
  [ -n "$GW_PID" ] || return 0
  local kids; kids=$(pgrep -P "$GW_PID")
  kill $kids "$GW_PID" 2> /dev/null
  for _ in $(seq 1 300); do kill -0 "$GW_PID" 2> /dev/null || break; sleep 0.1; done
  for p in $kids; do while kill -0 "$p" 2> /dev/null; do sleep 0.1; done; done
  GW_PID=""
}
cleanup() {
  gw_stop
  for p in "${PIDS[@]}"; do
    for c in $(pgrep -P "$p"); do kill "$c" 2> /dev/null; done
    kill "$p" 2> /dev/null
  done
  wait 2> /dev/null
}
trap cleanup EXIT

# RabbitMQ as a plain process: own ports, data, node name, cookie (HOME) and epmd
R=$OUT/rabbitmq; mkdir -p "$R/home" "$R/mnesia" "$R/log"; echo '[].' > "$R/enabled_plugins"
epmd -port "$EPMD" > "$R/epmd.log" 2>&1 & PIDS+=($!)
(cd "$R" && exec env HOME="$R/home" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$AMQP \
  RABBITMQ_DIST_PORT=$DIST_PORT ERL_EPMD_PORT=$EPMD RABBITMQ_NODENAME=pulsebench$AMQP@localhost \
  RABBITMQ_MNESIA_BASE="$R/mnesia" RABBITMQ_LOG_BASE="$R/log" RABBITMQ_ENABLED_PLUGINS_FILE="$R/enabled_plugins" \
  RABBITMQ_PID_FILE="$R/pid" RABBITMQ_CONFIG_FILE="$R/rabbitmq" RABBITMQ_ADVANCED_CONFIG_FILE="$R/advanced.config" \
  RABBITMQ_CONF_ENV_FILE="$R/env.conf" /usr/lib/rabbitmq/bin/rabbitmq-server) > "$R/server.log" 2>&1 & PIDS+=($!)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nlog_dest stdout\n' "$MQTT" > "$OUT/mosquitto.conf"
mosquitto -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 & PIDS+=($!)
amqp() { # python snippet with ch = a channel
  $PY -c "import pika,sys; c=pika.BlockingConnection(pika.ConnectionParameters(host='127.0.0.1',port=$AMQP)); ch=c.channel(); $1"
}
for _ in $(seq 1 120); do amqp 'pass' 2> /dev/null && break; sleep 1; done
amqp 'pass' || { echo "RabbitMQ did not start; see $R/server.log"; exit 1; }
ready() { amqp "print(ch.queue_declare(queue='$1', passive=True).method.message_count)" 2> /dev/null || echo -1; }
await_ready() { # queue count
  for _ in $(seq 1 600); do [ "$(ready "$1")" -ge "$2" ] && return 0; sleep 0.5; done; return 1
}
watch() { # topic log: mosquitto_sub with arrival times
  mosquitto_sub -p "$MQTT" -q 1 -F '%U %p' -t "$1" > "$2" 2> /dev/null & PIDS+=($!)
  sleep 0.5
}
await_value() { # log kWh (last line equals)
  for _ in $(seq 1 1800); do [ "$(tail -1 "$1" 2> /dev/null | awk '{print $2+0}')" = "$2" ] && return 0; sleep 0.2; done
  return 1
}
rate_of() { # log first-count: pulses/s from the first total above first-count to the last line
  awk -v base="$2" '{v=int($2*1000+0.5)-base} v>0 && !t0 {t0=$1; c0=v} {t1=$1; c1=v}
    END {if (t1>t0) printf "%.0f", (c1-c0)/(t1-t0); else print "n/a"}' "$1"
}
kwh() { awk -v n="$1" 'BEGIN {v=n/1000; if (v==int(v)) print int(v); else print v}'; }

# the gateway: a copy of the distribution, embedded broker off, MQTT output to the Mosquitto, one device
GW=$OUT/gw; cp -r ../../karaf-assembly/target/assembly "$GW"
rm -f "$GW"/etc/org.meter2mqtt.device-*.cfg
sed -i 's/^enabled *=.*/enabled = false/' "$GW/etc/org.meter2mqtt.broker.cfg"
sed -i "s#^url *=.*#url = tcp://127.0.0.1:$MQTT#" "$GW/etc/org.meter2mqtt.mqtt.cfg"
sed -i "s/^sshPort *=.*/sshPort = $(free_port)/" "$GW/etc/org.apache.karaf.shell.cfg"
printf 'driver = pulse\nurl = amqp://127.0.0.1:%s\nprefetch = 5000\n' "$AMQP" > "$GW/etc/org.meter2mqtt.device-bench.cfg"
gw_start() {
  (cd "$GW" && exec env EXTRA_JAVA_OPTS="-Xmx256m" bin/karaf server) > "$GW/console.log" 2>&1 & GW_PID=$!
}
TOPIC=meters/pulse/bench/active_energy

echo "== gateway: sustained rate, $N pulses from $DCS dc_ids"
watch "$TOPIC" "$OUT/gw-rate.log"
gw_start
await_value "$OUT/gw-rate.log" 0 || { echo "gateway did not publish its total; see $GW/data/log/karaf.log"; exit 1; }
gw_stop
$PY edge.py "$AMQP" fill "$N" "$DCS"
await_ready meter2mqtt-bench "$N"
gw_start
t0=$(date +%s.%N)
await_value "$OUT/gw-rate.log" "$(kwh "$N")" || { echo "gateway did not reach $N"; exit 1; }
GW_RATE=$(rate_of "$OUT/gw-rate.log" 0)
echo "gateway: $GW_RATE pulses/s (ack after fsync), queue left: $(ready meter2mqtt-bench)"

echo "== gateway: latency at $RATE pulses/s, $LAT_N pulses"
$PY edge.py "$AMQP" rate "$LAT_N" "$DCS" "$RATE" "$OUT/gw-sent.log"
await_value "$OUT/gw-rate.log" "$(kwh $((N + LAT_N)))" || echo "gateway did not reach $((N + LAT_N))"
GW_LAT=$($PY latency.py "$OUT/gw-sent.log" "$OUT/gw-rate.log" "$N")
echo "gateway: $GW_LAT"
gw_stop
amqp "ch.queue_delete(queue='meter2mqtt-bench')"

echo "== users' writer (pika, auto-ack): sustained rate, $N pulses"
mkdir -p "$OUT/writer"
watch home/energy/active_energy "$OUT/writer-rate.log"
$PY mqtt_writer.py "$AMQP" "$MQTT" "$OUT/writer" > "$OUT/writer.log" 2>&1 & WPID=$!
for _ in $(seq 1 100); do grep -q READY "$OUT/writer.log" && break; sleep 0.1; done
kill $WPID; wait $WPID 2> /dev/null
$PY edge.py "$AMQP" fill "$N" "$DCS"
await_ready queue_mqtt_writer "$N"
$PY mqtt_writer.py "$AMQP" "$MQTT" "$OUT/writer" >> "$OUT/writer.log" 2>&1 & WPID=$!; PIDS+=($WPID)
await_value "$OUT/writer-rate.log" "$(kwh "$N")" || { echo "writer did not reach $N"; exit 1; }
W_RATE=$(rate_of "$OUT/writer-rate.log" 0)
echo "writer: $W_RATE pulses/s (auto-ack)"

echo "== users' writer: latency at $RATE pulses/s"
$PY edge.py "$AMQP" rate "$LAT_N" "$DCS" "$RATE" "$OUT/writer-sent.log"
await_value "$OUT/writer-rate.log" "$(kwh $((N + LAT_N)))" || echo "writer did not reach $((N + LAT_N))"
W_LAT=$($PY latency.py "$OUT/writer-sent.log" "$OUT/writer-rate.log" "$N")
echo "writer: $W_LAT"

echo
echo "RESULT sustained: gateway $GW_RATE pulses/s, writer $W_RATE pulses/s, ratio $(awk -v a="$GW_RATE" -v b="$W_RATE" 'BEGIN{if (b>0) printf "%.2f", a/b}')"
echo "RESULT latency at $RATE/s: gateway $GW_LAT | writer $W_LAT"
echo "RESULT machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
