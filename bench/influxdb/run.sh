#!/bin/bash
# Points/s the meter2mqtt InfluxDB output writes to a local InfluxDB 1.6, next to posting the same lines with
# curl in batches of 5000 (the ceiling; see README.md), and the output's CPU per 1000 points.
# Needs: Java 17, Maven, Debian packages influxdb and curl, and the output installed in the local Maven
# repository (from the repository root: mvn -q -pl bundles/sink-influxdb -am install -DskipTests).
# Usage: bench/influxdb/run.sh [devices=1000] [moments=200] [rounds=3]   (MVN_OPTS e.g. -Dmaven.repo.local=...)
# On a shared machine: flock /tmp/bench.lock bench/influxdb/run.sh
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck disable=SC2086
mvn -q ${MVN_OPTS:-} package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
export PATH="$PATH:/usr/sbin"
# Heap and GC as the gateway runs them on a small box
# shellcheck disable=SC2086
java -Xmx256m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${JAVA_OPTS:-} \
  -cp "target/classes:$(cat target/cp.txt)" org.meter2mqtt.bench.influxdb.InfluxBench "${1:-1000}" "${2:-200}" "${3:-3}"
