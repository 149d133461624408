#!/usr/bin/env bash
# Installs or upgrades the gateway from a built distribution into a folder of its own (default: run/ beside this
# repository), the way a package manager treats configuration files:
#  - bin/, lib/, system/ are replaced by the new version's;
#  - etc/: a file the user never changed is updated to the new version's, a file the user changed is kept and the
#    new version's is written beside it as <file>.dist, a new file is added, a shipped file the user deleted stays
#    deleted; nothing is deleted;
#  - data/: kept (devices' state, the MQTT buffer, the broker's retained messages and sessions); only Karaf's bundle
#    cache is dropped, so the new bundles are the ones that run;
#  - deploy/: driver jars the user dropped there are kept.
# Refuses to touch an installation that is running.
# Usage: scripts/install.sh [DIST_DIR [HOME_DIR]]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dist="${1:-$here/karaf-assembly/target/assembly}"
home="${2:-${METER2MQTT_HOME:-$here/run}}"
shipped=".meter2mqtt-shipped.sha256"   # checksums of etc/ as the installed version shipped it

[ -x "$dist/bin/karaf" ] || { echo "no built distribution in $dist (build first: mvn install -DskipTests)" >&2; exit 1; }

running_pid() {
  local pidfile="$home/karaf.pid"
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qs "karaf" "/proc/$pid/cmdline" && echo "$pid"
}
if pid=$(running_pid); then
  echo "The gateway in $home is running (pid $pid): stop it first ($home/bin/stop), then run this again." >&2
  exit 1
fi

# What a file says, not how Karaf last wrote it: at its first start Karaf rewrites some files of etc/ (a final
# newline added, a generated shutdown command appended to config.properties), which is no edit of the user's.
sum() {
  sed -e 's/[[:space:]]*$//' -e '/^karaf\.shutdown\.command *=/d' -e '/^# Generated command shutdown$/d' \
      -e '/^#*$/d' "$1" | awk 1 | sha256sum | cut -d' ' -f1
}
old_sum() { [ -f "$home/$shipped" ] && awk -v f="$1" '$2 == f { print $1 }' "$home/$shipped" || true; }

if [ ! -d "$home/etc" ]; then
  echo "Installing meter2mqtt into $home"
  mkdir -p "$home"
  cp -a "$dist/." "$home/"
  rm -rf "$home/data"
  mkdir -p "$home/data"
else
  echo "Upgrading meter2mqtt in $home (etc/ edits, data/ and deploy/ are kept)"
  for d in bin lib system; do
    rm -rf "${home:?}/$d"
    cp -a "$dist/$d" "$home/$d"
  done
  (cd "$dist/etc" && find . -type f | sed 's#^\./##') | while read -r f; do
    new="$dist/etc/$f"
    cur="$home/etc/$f"
    if [ ! -e "$cur" ] && [ -n "$(old_sum "$f")" ]; then
      : # shipped before and deleted since (meter:remove demo-house): stays deleted
    elif [ ! -e "$cur" ]; then
      mkdir -p "$(dirname "$cur")"
      cp -a "$new" "$cur"
      echo "  etc/$f: new"
    elif [ "$(sum "$cur")" = "$(sum "$new")" ]; then
      :
    elif [ "$(sum "$cur")" = "$(old_sum "$f")" ]; then
      cp -a "$new" "$cur"
      echo "  etc/$f: updated (you had not changed it)"
    else
      cp -a "$new" "$cur.dist"
      echo "  etc/$f: kept your version; the new one is etc/$f.dist"
    fi
  done
  (cd "$dist/deploy" && find . -maxdepth 1 -type f | sed 's#^\./##') | while read -r f; do
    [ -e "$home/deploy/$f" ] || cp -a "$dist/deploy/$f" "$home/deploy/$f"
  done
  # derived state only: the framework's copy of the old bundles and Karaf's generated files
  rm -rf "$home/data/cache" "$home/data/tmp" "$home/data/generated-bundles" "$home/data/kar"
fi
(cd "$dist/etc" && find . -type f | sed 's#^\./##' | sort | while read -r f; do echo "$(sum "$f") $f"; done) \
  > "$home/$shipped"
