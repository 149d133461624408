#!/bin/bash
# Cost of /metrics and of the status page's live stream in the real distribution (issue 14; see README.md).
# 1000 demo meters polled every second (1000 reading batches/s, 11 readings each) in one gateway; then
#  1. 50 scrapes of /metrics with curl (after 20 untimed), time_total each;
#  2. the gateway's CPU over alternating 30 s phases without and with one open page (curl on /events).
# Needs: Java 17, curl, python3, a built distribution (karaf-assembly/target/assembly). Not part of the reactor.
# Usage: bench/http/run.sh [devices=1000] [phase seconds=30]
#   POLL=60 PHASES= bench/http/run.sh: only the scrapes, with the meters polled every 60 s instead of every second
set -uo pipefail
cd "$(dirname "$0")"
. ../../scripts/java17.sh
N=${1:-1000}; PHASE=${2:-30}; POLL=${POLL:-1} # POLL=11: about 1000 readings/s, the issue's load
HTTP=21881; BROKER=21883; SSH=21101
OUT=target/bench; GW=$OUT/gw
if pgrep -f "karaf.base=$(pwd)/$GW" > /dev/null; then # a previous run's gateway still stopping
  "$GW/bin/stop" > /dev/null 2>&1; sleep 10
fi
rm -rf "$OUT" || exit 1
mkdir -p "$OUT" && cp -r ../../karaf-assembly/target/assembly "$GW" && [ -x "$GW/bin/start" ] || exit 1
sed -i "s/^port = .*/port = $HTTP/" "$GW/etc/org.meter2mqtt.http.cfg"
sed -i "s/^org.osgi.service.http.port = .*/org.osgi.service.http.port = $HTTP/" "$GW/etc/org.ops4j.pax.web.cfg"
sed -i "s/^port = .*/port = $BROKER/" "$GW/etc/org.meter2mqtt.broker.cfg"
sed -i "s#^url = .*#url = tcp://127.0.0.1:$BROKER#" "$GW/etc/org.meter2mqtt.mqtt.cfg"
sed -i "s/^sshPort = .*/sshPort = $SSH/" "$GW/etc/org.apache.karaf.shell.cfg"
sed -i "s/^rmiRegistryPort = .*/rmiRegistryPort = 21099/; s/^rmiServerPort = .*/rmiServerPort = 21444/" \
  "$GW/etc/org.apache.karaf.management.cfg"
for i in $(seq 1 "$N"); do
  printf 'driver = demo\npoll.interval = %s\nname = Bench meter %s\n' "$POLL" "$i" > "$GW/etc/org.meter2mqtt.device-b$i.cfg"
done
cleanup() { "$GW/bin/stop" > /dev/null 2>&1; [ -n "${CURL:-}" ] && kill "$CURL" 2> /dev/null; }
trap cleanup EXIT
"$GW/bin/start"
URL=http://127.0.0.1:$HTTP
health() { curl -s "$URL/health"; }
echo "waiting for $N devices ONLINE..."
for _ in $(seq 1 240); do
  online=$(health | python3 -c 'import json,sys; print(sum(d["state"]=="ONLINE" for d in json.load(sys.stdin)["devices"]))' 2> /dev/null || echo 0)
  [ "$online" -ge "$N" ] && break
  sleep 1
done
echo "online: $online"
PID=$(pgrep -f "karaf.base=$(cd "$GW" && pwd)" | head -1)
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$PID/stat"; }
# the threads the page costs: the feed's own (meter2mqtt-http-live) and Jetty's (qtp*: the /events request).
# Jetty ends idle threads, so ticks are summed per thread id over the threads alive at the end of an interval
# (a thread born in it counts from 0): snapshot to a file, then feed_delta FILE.
feed_snap() {
  local t
  for t in /proc/$PID/task/*; do
    case "$(cat "$t/comm" 2> /dev/null)" in meter2mqtt-http*|qtp*) echo "${t##*/} $(awk '{print $14+$15}' "$t/stat" 2> /dev/null)";; esac
  done > "$1"
}
feed_delta() { # prints the ticks since the snapshot in $1
  feed_snap "$1.end"
  awk 'NR==FNR {a[$1]=$2; next} {d += $2 - ($1 in a ? a[$1] : 0)} END {print d+0}' "$1" "$1.end"
}
fetches() { health | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_fetches"])'; }

for _ in $(seq 1 20); do curl -s -o /dev/null "$URL/metrics"; done
feed_snap "$OUT/q.ticks"
for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "$URL/metrics"; done > "$OUT/scrapes.txt"
q=$(feed_delta "$OUT/q.ticks")
# wall time depends on what else the 2 cores run; the CPU time of Jetty's threads is the scrape's own cost
python3 - "$OUT/scrapes.txt" "$(( q * 1000 / HZ ))" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
t = sorted(float(r[0]) * 1000 for r in rows)
print(f"/metrics with {len(rows)} scrapes: wall median {statistics.median(t):.1f} ms, p90 {t[int(len(t)*0.9)-1]:.1f} ms, "
      f"max {t[-1]:.1f} ms; CPU {int(sys.argv[2])/len(rows):.1f} ms per scrape; {int(rows[0][1])/1024:.0f} KiB")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

: > "$OUT/phases.txt"
for phase in ${PHASES-idle page idle page idle page}; do
  CURL=
  if [ "$phase" = page ]; then
    curl -sN "$URL/events" > "$OUT/events-$phase.txt" & CURL=$!
  fi
  sleep 5
  f0=$(fetches); t0=$(ticks); feed_snap "$OUT/h.ticks"; s0=$(date +%s.%N)
  sleep "$PHASE"
  t1=$(ticks); h=$(feed_delta "$OUT/h.ticks"); s1=$(date +%s.%N); f1=$(fetches)
  [ -n "$CURL" ] && kill "$CURL" 2> /dev/null && wait "$CURL" 2> /dev/null
  python3 -c "
t=($t1-$t0)/$HZ; h=$h/$HZ; s=$s1-$s0
print('$phase', round(100*t/s, 2), round(($f1-$f0)/s), round(100*h/s, 2), sep='\t')" | tee -a "$OUT/phases.txt"
done
[ -s "$OUT/phases.txt" ] && python3 - "$OUT/phases.txt" <<'PY'
import sys, statistics
rows = [l.split('\t') for l in open(sys.argv[1])]
idle = [float(r[1]) for r in rows if r[0] == 'idle']
page = [float(r[1]) for r in rows if r[0] == 'page']
hi = [float(r[3]) for r in rows if r[0] == 'idle']
hp = [float(r[3]) for r in rows if r[0] == 'page']
rate = statistics.mean(float(r[2]) for r in rows)
print(f"readings/s (channel values; 11 per demo poll): {rate:.0f}")
print(f"gateway process CPU (% of one core): without page {statistics.mean(idle):.2f} {idle}, "
      f"with one page {statistics.mean(page):.2f} {page}; difference {statistics.mean(page)-statistics.mean(idle):.2f}")
print(f"feed + Jetty threads CPU: without page {statistics.mean(hi):.2f} {hi}, with one page {statistics.mean(hp):.2f} {hp}; "
      f"the live stream adds {statistics.mean(hp)-statistics.mean(hi):.2f}")
PY
[ -f "$OUT/events-page.txt" ] && echo "last page phase received $(stat -c %s "$OUT/events-page.txt") bytes in $(grep -c '^event: update' "$OUT/events-page.txt") updates"
