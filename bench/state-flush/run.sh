#!/bin/bash
# The cost of one device-state flush with many pulse sources (issue 12, gap 1; see README.md). Not a test.
# Needs bundles/core built with its tests compiled (mvn install -pl bundles/core -am -DskipTests does it).
# Usage: bench/state-flush/run.sh [sources=1000] [flushes=2000]   (MAVEN_REPO=... for another local repository)
set -euo pipefail
cd "$(dirname "$0")"
. ../../scripts/java17.sh
SOURCES=${1:-1000}; FLUSHES=${2:-2000}
CORE=../../bundles/core
OUT=$PWD/target; rm -rf "$OUT"; mkdir -p "$OUT"
REPO=${MAVEN_REPO:+-Dmaven.repo.local=$MAVEN_REPO}
(cd "$CORE" && mvn -q $REPO -o dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" > /dev/null)
# the state folder next to the gateway's: the same disk as data/
java -cp "$CORE/target/classes:$CORE/target/test-classes:$(cat "$OUT/cp.txt")" \
  org.meter2mqtt.core.StateFlushBench "$OUT/state" "$SOURCES" "$FLUSHES" 2> /dev/null
echo "RESULT machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
