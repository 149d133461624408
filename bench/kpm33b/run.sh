#!/bin/bash
# End-to-end load benchmark of the KPM33B driver (see README.md). Not part of the reactor.
# Needs: Java 17, Maven, Debian packages mosquitto; the driver, core, broker and simulators installed in ~/.m2
#   (cd /work/main && for m in api core broker simulators driver-kpm33b; do mvn -q -o -f bundles/$m/pom.xml install -DskipTests; done)
# Optional: Node-RED for the comparison (./run.sh installs it with npm into ./node-red on first use).
# Usage: bench/kpm33b/run.sh [scenarios="embedded mosquitto bridge nodered"] [steps="8000 16000 24000 32000 40000"]
set -uo pipefail
cd "$(dirname "$0")"
SCENARIOS=${1:-"embedded mosquitto bridge nodered"}
STEPS=${2:-"8000 16000 24000 32000 40000"}
METERS=1000; FIXED=2000; FIXED_S=20; STEP_S=10
CENTRAL=21883; INTERNAL_MOSQ=21884; EMBEDDED=21885; BRIDGE=21886
OUT=target/bench; mkdir -p "$OUT"
mvn -q -o package dependency:build-classpath -Dmdep.outputFile=target/cp.txt || exit 1
CP="target/classes:$(cat target/cp.txt)"
JAVA_GW="java -Xmx128m -Xss512k -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
JAVA_LOAD="java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

mosq() { # port name [extra config lines]
  local conf="$OUT/$2.conf"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\nmax_queued_messages 0\nmax_inflight_messages 0\n%s\n' "$1" "${3:-}" > "$conf"
  mosquitto -c "$conf" > "$OUT/$2.log" 2>&1 & PIDS+=($!); echo $!
  sleep 0.5
}
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
rss_kib() { awk '/VmRSS/{print $2}' /proc/$1/status; }

# Runs the load at one rate; prints the RESULT line, plus cpu% and max RSS of process $3 over the run.
load() { # sink_topic rate seconds watched_pid
  local before; before=$(ticks "$4"); local t0; t0=$(date +%s.%N); local maxrss=0
  $JAVA_LOAD -cp "$CP" org.meter2mqtt.bench.kpm33b.LoadGen "tcp://127.0.0.1:$INTERNAL" "tcp://127.0.0.1:$CENTRAL" \
    "$1" "$METERS" "$2" "$3" > "$OUT/load.out" 2>"$OUT/load.err" &
  local lp=$!
  while kill -0 $lp 2>/dev/null; do r=$(rss_kib "$4"); [ "${r:-0}" -gt "$maxrss" ] && maxrss=$r; sleep 0.5; done
  local after; after=$(ticks "$4"); local t1; t1=$(date +%s.%N)
  local cpu; cpu=$(echo "($after - $before) / ($t1 - $t0)" | bc -l)
  printf '%s cpu=%.1f%% rss_max=%dMiB\n' "$(grep RESULT "$OUT/load.out")" "$cpu" $((maxrss / 1024))
}

run_scenario() { # name sink_topic watched_pid
  echo "== $1: fixed $FIXED msg/s for ${FIXED_S}s"
  load "$2" $FIXED $FIXED_S "$3"
  for r in $STEPS; do echo "== $1: $r msg/s for ${STEP_S}s"; load "$2" "$r" $STEP_S "$3"; done
}

gateway() { # internal spec
  mkfifo "$OUT/gw.in" 2>/dev/null
  $JAVA_GW -cp "$CP" org.meter2mqtt.bench.kpm33b.GatewayHarness "$1" "tcp://127.0.0.1:$CENTRAL" $METERS \
    < "$OUT/gw.in" > "$OUT/gw.out" 2> "$OUT/gw.err" & GW=$!; PIDS+=($GW)
  exec 7> "$OUT/gw.in"
  for _ in $(seq 1 120); do grep -q READY "$OUT/gw.out" && break; sleep 0.5; done
  grep READY "$OUT/gw.out"
}
gateway_stop() { exec 7>&-; sleep 2; cat "$OUT/gw.out" | grep -v READY; kill $GW 2>/dev/null; wait $GW 2>/dev/null; }

mosq $CENTRAL central > /dev/null
for s in $SCENARIOS; do
  case $s in
    embedded)
      INTERNAL=$EMBEDDED; gateway "embedded:$EMBEDDED"
      run_scenario "gateway, embedded Moquette internal broker" 'kpm33b/+/seconds' $GW
      gateway_stop ;;
    mosquitto)
      INTERNAL=$INTERNAL_MOSQ; MP=$(mosq $INTERNAL_MOSQ internal)
      gateway "tcp://127.0.0.1:$INTERNAL_MOSQ"
      run_scenario "gateway, Mosquitto internal broker" 'kpm33b/+/seconds' $GW
      gateway_stop; kill $MP ;;
    bridge)
      INTERNAL=$BRIDGE
      BP=$(mosq $BRIDGE bridge "connection central
address 127.0.0.1:$CENTRAL
topic MQTT_RT_DATA out 0
bridge_protocol_version mqttv311
cleansession true")
      sleep 1
      run_scenario "Mosquitto bridge, no transformation (ceiling; CPU of the bridging broker)" 'MQTT_RT_DATA' $BP
      kill $BP ;;
    nodered)
      if [ ! -x node-red/node_modules/.bin/node-red ]; then
        (mkdir -p node-red && cd node-red && npm install --no-audit --no-fund node-red@4 > ../$OUT/npm.log 2>&1) \
          || { echo "Node-RED install failed, see $OUT/npm.log"; continue; }
      fi
      INTERNAL=$INTERNAL_MOSQ; MP=$(mosq $INTERNAL_MOSQ internal)
      mkdir -p "$OUT/nodered"
      sed "s/INTERNAL_PORT/$INTERNAL_MOSQ/; s/CENTRAL_PORT/$CENTRAL/" nodered-flows.json > "$OUT/nodered/flows.json"
      node-red/node_modules/.bin/node-red --userDir "$OUT/nodered" --port 21880 "$OUT/nodered/flows.json" \
        > "$OUT/nodered.log" 2>&1 & NR=$!; PIDS+=($NR)
      for _ in $(seq 1 60); do grep -q "Started flows" "$OUT/nodered.log" && break; sleep 0.5; done; sleep 2
      run_scenario "Node-RED flow (mqtt in -> function -> mqtt out)" 'kpm33b/+/seconds' $NR
      kill $NR; kill $MP ;;
  esac
done
