#!/usr/bin/env bash
# Command 1: build the gateway when its sources changed (without running the tests), install or upgrade it into
# run/ (kept outside target/: meters added with meter:add, device state, the MQTT buffer and the broker's store
# survive rebuilds), and start it in the foreground on its embedded defaults: the demo meters, the embedded MQTT
# broker on port 11883. Type meter:list at the prompt; logout or Ctrl-D stops it.
#   scripts/start.sh              build if needed, install/upgrade, start
#   scripts/start.sh --no-build   start what is installed (same as run/bin/karaf)
# METER2MQTT_HOME chooses another installation folder.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java17.sh
home="${METER2MQTT_HOME:-$PWD/run}"
build=true
if [ "${1:-}" = "--no-build" ]; then build=false; shift; fi

if $build; then
  tarball=$(ls karaf-assembly/target/meter2mqtt-karaf-assembly-*.tar.gz 2>/dev/null | head -1 || true)
  changed=""
  if [ -n "$tarball" ]; then
    changed=$(find pom.xml bundles features karaf-assembly etc deploy -newer "$tarball" -type f \
      -not -path '*/target/*' 2>/dev/null | head -1)
  fi
  if [ -z "$tarball" ] || [ -n "$changed" ]; then
    echo "Building (no tests)${changed:+: $changed changed}; the first build downloads dependencies (a few minutes)."
    # one line per module, so a long first build is visibly moving
    mvn -B --no-transfer-progress install -DskipTests 2>&1 \
      | grep --line-buffered -E '^\[INFO\] Building .* \[[0-9]+/[0-9]+\]|BUILD|ERROR|Total time' | sed -u 's/^\[INFO\] /  /'
  else
    echo "Sources unchanged since the last build: not rebuilding."
  fi
  if [ ! -f "$home/.meter2mqtt-shipped.sha256" ] \
     || [ "karaf-assembly/target/assembly/etc" -nt "$home/.meter2mqtt-shipped.sha256" ] \
     || [ -n "$(find karaf-assembly/target/assembly/system -newer "$home/.meter2mqtt-shipped.sha256" -type f | head -1)" ]; then
    scripts/install.sh karaf-assembly/target/assembly "$home"
  fi
fi
[ -x "$home/bin/karaf" ] || { echo "Nothing installed in $home yet: run scripts/start.sh without --no-build." >&2; exit 1; }
command -v mosquitto_sub >/dev/null || echo "Tip: apt-get install mosquitto-clients, then: mosquitto_sub -p 11883 -t 'meters/#' -v"
echo "Starting the gateway in $home (stop: logout; again without building: $home/bin/karaf)"
exec "$home/bin/karaf" "$@"
