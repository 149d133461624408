#!/bin/bash
# The cost of saving the buffer's acknowledged position in place (cursor.live) per acknowledgement; see README.md.
# Needs the mqtt bundle installed in ~/.m2 (mvn -q -f bundles/mqtt/pom.xml install -DskipTests). Usage: cursor.sh [n]
set -euo pipefail
cd "$(dirname "$0")"
. ../../scripts/java17.sh
mvn -q package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
java -Xmx128m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "target/classes:$(cat target/cp.txt)" org.meter2mqtt.bench.mqtt.LiveCursorBench target "${1:-50000}"
