#!/bin/bash
# Where the gateway's CPU goes at a fixed KPM33B load, per thread: CPU % and context switches per second over a
# 30 s window after a 60 s warm-up (JIT). Complements run.sh, which measures the process as a whole.
# Usage: [PROFILE=throughput] [PQOS=1] [RATE=2000] [IDLE=1: no load] [EXTRA_JAVA_OPTS=...] bench/kpm33b/threads.sh
# Needs what run.sh needs (it reuses run.sh's classes: run run.sh once first, or `mvn -o package` here).
set -u
cd "$(dirname "$0")"
. ../../scripts/java17.sh
OUT=target/threads; DIST=../../karaf-assembly/target/assembly; RATE=${RATE:-2000}
mvn -q -o package dependency:build-classpath -Dmdep.outputFile=target/cp.txt || exit 1
rm -rf $OUT; mkdir -p $OUT; cp -r $DIST $OUT/gw; rm -rf $OUT/gw/data
e=$OUT/gw/etc
sed -i "s/^sshPort = .*/sshPort = 21101/" "$e/org.apache.karaf.shell.cfg"
sed -i '/^ *meter2mqtt-mqtt\/.*\\$/d' "$e/org.apache.karaf.features.cfg"   # proxy only, as run.sh's "embedded"
sed -i "s/^port *=.*/port = 21884/" "$e/org.meter2mqtt.broker.cfg"
sed -i "s#^proxy.url *=.*#proxy.url = tcp://127.0.0.1:21883#; s#^meter.timezone *=.*#meter.timezone = UTC#; s#^proxy.qos *=.*#proxy.qos = ${PQOS:-1}#" \
  "$e/org.meter2mqtt.driver.kpm33b.cfg"
for i in $(seq 0 999); do printf 'driver = kpm33b\nmeter.id = 33B1225%06d\n' $((950027 + i)) > "$e/org.meter2mqtt.device-m$i.cfg"; done
printf 'listener 21883 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\nmax_queued_messages 0\npersistence false\n' > $OUT/central.conf
mosquitto -c $OUT/central.conf > $OUT/mosquitto.log 2>&1 & MP=$!
trap '$OUT/gw/bin/stop > /dev/null 2>&1; kill $MP $LP 2> /dev/null; wait' EXIT
LP=""
METER2MQTT_PROFILE=${PROFILE:-throughput} $OUT/gw/bin/start
for _ in $(seq 1 100); do [ -s $OUT/gw/karaf.pid ] && break; sleep 0.3; done
GW=$(cat $OUT/gw/karaf.pid)
for _ in $(seq 1 240); do grep -q "m999: STARTING" $OUT/gw/data/log/karaf.log 2> /dev/null && break; sleep 0.5; done
sleep 5
if [ -z "${IDLE:-}" ]; then
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "target/classes:$(cat target/cp.txt)" \
    org.meter2mqtt.bench.kpm33b.LoadGen 127.0.0.1 21884 1000 1000 "$RATE" 100 $(( $(date +%s) - 43200 )) $OUT/sent.bin \
    > $OUT/load.out 2>&1 & LP=$!
fi
# comm may hold spaces ("MQTT Snd: ..."), so the fields of /proc/.../stat are counted after its closing ")"
snap() { for t in /proc/$GW/task/*; do
  echo "$(basename "$t") $(tr ' ' _ < "$t/comm") $(sed 's/.*) //' "$t/stat" | awk '{print $12+$13}') $(awk '/^voluntary/{v=$2}/nonvoluntary/{n=$2}END{print v+n}' "$t/status")"
done | sort; }
sleep 60; snap > $OUT/t0; sleep 30; snap > $OUT/t1
echo "gateway threads at $([ -n "${IDLE:-}" ] && echo "no load (idle)" || echo "$RATE msg/s") (profile ${PROFILE:-throughput}, proxy.qos ${PQOS:-1}), 30 s window:"
join $OUT/t0 $OUT/t1 | awk '{c = ($6 - $3) / 30; s = ($7 - $4) / 30; tc += c; ts += s
  if (c >= 0.1 || s >= 100) printf "  %-28s cpu %5.1f %%  context switches/s %6.0f\n", $2, c, s}
  END {printf "  %-28s cpu %5.1f %%  context switches/s %6.0f\n", "all threads", tc, ts}' | sort -k3 -nr
[ -n "$LP" ] && wait $LP
