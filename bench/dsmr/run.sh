#!/usr/bin/env bash
# JMH benchmark of the DSMR P1 parser: telegrams per second on one core, and allocation per telegram
# (gc.alloc.rate.norm, bytes per op = per telegram). Builds the driver if it is not in ~/.m2 yet.
# Extra arguments go to JMH, e.g. a short run:  ./run.sh -wi 1 -i 3 -w 1 -r 1
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! ls ~/.m2/repository/org/meter2mqtt/org.meter2mqtt.driver.dsmr/0.1.0-SNAPSHOT/*.jar >/dev/null 2>&1; then
  mvn -q -f "$root/bundles/driver-dsmr/pom.xml" install -DskipTests
fi
mvn -q -f "$here/pom.xml" package
java -jar "$here/target/benchmarks.jar" P1Benchmark -prof gc "$@"
