#!/bin/bash
# Throughput of the meter2mqtt MQTT publisher against a local mosquitto, next to mosquitto_pub's own rate
# (the ceiling; see README.md). Needs: Java 17, Maven, Debian packages mosquitto + mosquitto-clients, and the
# mqtt bundle installed in ~/.m2 (from the repository root: mvn -q -f bundles/mqtt/pom.xml install -DskipTests).
# Usage: bench/mqtt/run.sh [devices=1000] [batches=200000] [channels=3]
# JAVA_OPTS is added to the java line, e.g. JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile
# On a shared machine: flock /tmp/bench.lock bench/mqtt/run.sh
set -euo pipefail
cd "$(dirname "$0")"
mvn -q package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
DEVICES=${1:-1000} BATCHES=${2:-200000} CHANNELS=${3:-3}
for QOS in 0 1; do
  # Heap and GC as the gateway runs them on a small box (docs/running-as-a-service.md).
  # shellcheck disable=SC2086
  java -Xmx128m -Xss512k -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${JAVA_OPTS:-} \
    -cp "target/classes:$(cat target/cp.txt)" org.meter2mqtt.bench.mqtt.PublisherBench \
    "$DEVICES" "$BATCHES" "$CHANNELS" "$QOS"
done
