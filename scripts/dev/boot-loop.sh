#!/usr/bin/env bash
# First boots of the built distribution in a loop, to catch a boot that hangs: each round copies
# karaf-assembly/target/assembly (without data/) to a fresh folder, starts it as itests' Distribution does
# (bin/karaf server, JAVA_HOME of Java 17, no EXTRA_JAVA_OPTS so bin/setenv's defaults apply, own ports) and
# waits until it delivers as RestartIT checks it (the gateway status "online" and a demo reading on the
# embedded broker). On a timeout it saves a thread dump (jcmd Thread.print). One boot at a time, niced.
#
#   scripts/dev/boot-loop.sh [rounds (20)] [timeout s (90)] [work dir (/tmp/boot-loop)]
# CPUS=0 pins Karaf to one core (taskset), which changes the threads' interleaving without adding load.
# Stops early after 3 hangs. Prints one line per boot; hung folders are kept, clean ones removed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/java17.sh
rounds=${1:-20}
timeout=${2:-90}
work=${3:-/tmp/boot-loop}
src=karaf-assembly/target/assembly
[ -x "$src/bin/karaf" ] || { echo "build the distribution first: no $src" >&2; exit 1; }
mkdir -p "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
setp() { # file key value: replace the key's line or append one
  local f=$1 k=$2 v=$3
  if grep -qE "^[[:space:]]*${k//./\\.}[[:space:]]*[=:]" "$f" 2>/dev/null; then
    sed -i -E "s|^[[:space:]]*${k//./\\.}[[:space:]]*[=:].*|$k = $v|" "$f"
  else
    echo "$k = $v" >> "$f"
  fi
}

hung=0 clean=0
for i in $(seq 1 "$rounds"); do
  home="$work/boot-$i-$(date +%s)"
  mkdir -p "$home"
  (cd "$src" && tar cf - --exclude=./data .) | (cd "$home" && tar xf -)
  mqtt=$(free_port)
  setp "$home/etc/org.apache.karaf.shell.cfg" sshPort "$(free_port)"
  http=$(free_port)
  setp "$home/etc/org.meter2mqtt.http.cfg" port "$http"
  setp "$home/etc/org.ops4j.pax.web.cfg" org.osgi.service.http.port "$http"
  setp "$home/etc/org.meter2mqtt.broker.cfg" port "$mqtt"
  setp "$home/etc/org.meter2mqtt.mqtt.cfg" url "tcp://127.0.0.1:$mqtt"
  setp "$home/etc/org.meter2mqtt.mqtt.cfg" gateway.id boot-loop

  t0=$(date +%s.%N)
  pin=()
  [ -z "${CPUS:-}" ] || pin=(taskset -c "$CPUS")
  (cd "$home" && exec env -u EXTRA_JAVA_OPTS "${pin[@]}" nice bin/karaf server >> karaf-console.log 2>&1) &
  launcher=$!
  up=""
  while :; do
    now=$(date +%s.%N)
    elapsed=$(echo "$now - $t0" | bc)
    if (( $(echo "$elapsed > $timeout" | bc) )); then break; fi
    if ! kill -0 $launcher 2>/dev/null; then up="exited"; break; fi
    out=$(timeout 12 mosquitto_sub -h 127.0.0.1 -p "$mqtt" -i "boot-loop-watch-$$" -v -W 10 -C 2 \
      -t meters/gateway/boot-loop/status -t 'meters/demo/+/state' 2>/dev/null)
    if grep -q '^meters/gateway/boot-loop/status online' <<<"$out" && grep -q '^meters/demo/.*"timestamp"' <<<"$out"; then
      up=$(echo "$(date +%s.%N) - $t0" | bc); break
    fi
    sleep 0.5
  done
  pid=$(pgrep -P $launcher -f 'java' | head -1)
  [ -n "$pid" ] || pid=$(pgrep -f "karaf.home=$home" | head -1)
  if [ -z "$up" ] || [ "$up" = exited ]; then
    hung=$((hung + 1))
    if [ -n "$pid" ]; then
      jcmd "$pid" Thread.print -l > "$home/thread-dump-1.txt" 2>&1
      sleep 5
      jcmd "$pid" Thread.print -l > "$home/thread-dump-2.txt" 2>&1
    fi
    printf 'boot %2d: HUNG (%s) after %s s, dump in %s; last log line: %s\n' "$i" "${up:-timeout}" "$timeout" "$home" \
      "$(tail -1 "$home/data/log/karaf.log" 2>/dev/null | cut -c1-200)"
  else
    clean=$((clean + 1))
    printf 'boot %2d: up in %5.1f s\n' "$i" "$up"
  fi
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null
  fi
  wait $launcher 2>/dev/null
  # keep the logs of every boot (for the timings of the boot refresh), the folder only of a hung one
  cp "$home/data/log/karaf.log" "$work/karaf-$i.log" 2>/dev/null
  if [ -n "$up" ] && [ "$up" != exited ]; then rm -rf "$home"; fi
  [ "$hung" -lt 3 ] || break
done
echo "boots: $((clean + hung)), up: $clean, hung: $hung"
