#!/usr/bin/env bash
# Runs a meter simulator as its own process, e.g.
#   scripts/simulator.sh dsmr --tcp 2000          a DSMR 5 P1 port on TCP 2000 (socket://127.0.0.1:2000)
#   scripts/simulator.sh kmp --model 403 --tcp 2001  a Kamstrup MULTICAL 403 answering KMP on TCP 2001
#   scripts/simulator.sh kpm33b --help            KPM33B meters publishing to an MQTT broker
#   scripts/simulator.sh homeassistant --port 8123  a Home Assistant (REST + WebSocket API), token sim-token
#   scripts/simulator.sh pulse --amqp amqp://127.0.0.1:5672 --power 1500   an EMDC edge: one message per pulse
# Needs a built tree (scripts/start.sh or scripts/test.sh ran once).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java17.sh
names="dsmr|kmp|kpm33b|homeassistant|pulse"
case "${1:-}" in
  dsmr) main=org.meter2mqtt.simulators.dsmr.DsmrSimulator ;;
  kmp|kamstrup) main=org.meter2mqtt.simulators.kmp.KmpSimulator ;;
  kpm33b) main=org.meter2mqtt.simulators.kpm33b.Kpm33bSimulator ;;
  homeassistant|ha) main=org.meter2mqtt.simulators.homeassistant.HaSimulator ;;
  pulse) main=org.meter2mqtt.simulators.pulse.PulseSimulator ;;
  -h|--help|"") echo "usage: $0 $names [simulator arguments]   ($0 NAME --help: the arguments of one)"; [ -n "${1:-}" ]; exit $? ;;
  *) echo "unknown simulator '$1'; usage: $0 $names [simulator arguments]" >&2; exit 2 ;;
esac
shift
cp_file=bundles/simulators/target/runtime.classpath
if [ ! -s "$cp_file" ] || [ bundles/simulators/pom.xml -nt "$cp_file" ]; then
  if ! out=$(mvn -B -q -o --no-transfer-progress -f bundles/simulators/pom.xml \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/$cp_file" 2>&1); then
    echo "$out" >&2
    exit 1
  fi
fi
exec java -cp "bundles/simulators/target/classes:$(cat "$cp_file")" "$main" "$@"
