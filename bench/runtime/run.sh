#!/usr/bin/env bash
# Runtime figures of the real distribution (issue 2): cold start to the first demo reading, RSS with
# 100 demo devices, and the time from a driver jar copied into deploy/ to the first reading of a
# device that was waiting for it. Needs a built tree (scripts/start.sh or scripts/test.sh ran once).
# Usage: bench/runtime/run.sh [devices=100] [--core-only]
#   --core-only boots only what issue 2 covers (core, shell, demo driver): no broker, MQTT or other drivers.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/java17.sh
DEVICES=${1:-100}
CORE_ONLY=${2:-}
DIST=karaf-assembly/target/assembly
DRIVER_JAR=$(ls itests/test-driver/target/org.meter2mqtt.itests.testdriver-*.jar | head -1)
WORK=$(mktemp -d /tmp/m2m-bench.XXXXXX)
cleanup() { [ -x "$WORK/gw/bin/stop" ] && "$WORK/gw/bin/stop" >/dev/null 2>&1 || true; sleep 2; pkill -f "$WORK/gw" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
log_ms() { # epoch ms of the first log line matching $1, or empty
  local line; line=$(grep -m1 -- "$1" "$WORK/gw/data/log/karaf.log" 2>/dev/null || true)
  [ -n "$line" ] && date -d "$(echo "$line" | cut -c1-23 | tr 'T' ' ' | sed 's/,/./')" +%s%3N
}
wait_log() { # pattern timeout_s
  for _ in $(seq 1 $(( $2 * 20 ))); do grep -q -- "$1" "$WORK/gw/data/log/karaf.log" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for: $1" >&2; return 1
}

cp -r "$DIST" "$WORK/gw"
rm -rf "$WORK/gw/data"
if [ "$CORE_ONLY" = "--core-only" ]; then
  python3 - "$WORK/gw/etc/org.apache.karaf.features.cfg" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
m = re.search(r'featuresBoot = \\\n((?:.*\\\n)*.*\n)', text)
items = [i.strip(' ,\\\n') for i in m.group(1).split('\n') if i.strip(' ,\\')]
keep = [i for i in items if not re.match(r'meter2mqtt-(broker|mqtt|driver-dsmr|driver-kamstrup|driver-kpm33b)/', i)]
text = text[:m.start()] + 'featuresBoot = ' + ', '.join(keep) + '\n' + text[m.end():]
open(path, 'w').write(text)
print('boot features:', ', '.join(keep))
PY
fi
sed -i "s/^sshPort = .*/sshPort = $(free_port)/" "$WORK/gw/etc/org.apache.karaf.shell.cfg"
# the embedded broker on a free port, and every MQTT client of the gateway pointed at it
BROKER_PORT=$(free_port)
sed -i "s/^port *=.*/port = $BROKER_PORT/" "$WORK/gw/etc/org.meter2mqtt.broker.cfg"
sed -i "s#^url *=.*#url = tcp://127.0.0.1:$BROKER_PORT#" "$WORK/gw/etc/org.meter2mqtt.mqtt.cfg" \
  "$WORK/gw/etc/org.meter2mqtt.driver.kpm33b.cfg"

echo "== cold start (empty data/) to the first demo reading"
t0=$(now_ms); "$WORK/gw/bin/start"
wait_log "demo-house: STARTING -> ONLINE" 60
t1=$(log_ms "demo-house: STARTING -> ONLINE")
echo "cold start to first reading: $(( t1 - t0 )) ms"

echo "== $DEVICES demo devices"
for i in $(seq 1 "$DEVICES"); do
  printf 'driver = demo\npoll.interval = 5\n' > "$WORK/gw/etc/org.meter2mqtt.device-bench$i.cfg"
done
wait_log "bench$DEVICES: STARTING -> ONLINE" 60
sleep 30
PID=$(pgrep -f "karaf.base=$WORK/gw" | head -1)
online=$(grep -c "bench[0-9]*: STARTING -> ONLINE" "$WORK/gw/data/log/karaf.log")
echo "devices online: $online; RSS: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$PID/status);" \
  "threads: $(ls /proc/$PID/task | wc -l); CPU over 10 s: $(t=$(awk '{print $14+$15}' /proc/$PID/stat); sleep 10; echo "scale=1; ($(awk '{print $14+$15}' /proc/$PID/stat) - $t) / 10" | bc) % of a core"

echo "== driver jar copied into deploy/ to the first reading of its waiting device"
printf 'driver = counter\n' > "$WORK/gw/etc/org.meter2mqtt.device-hot.cfg"
wait_log "hot: STARTING -> WAITING_FOR_DRIVER" 10
sleep 1
t0=$(now_ms); cp "$DRIVER_JAR" "$WORK/gw/deploy/"
wait_log "hot: STARTING -> ONLINE" 30
t1=$(log_ms "hot: STARTING -> ONLINE")
echo "deploy to first reading: $(( t1 - t0 )) ms"
