#!/usr/bin/env bash
# Command 1: build the gateway (without running the tests) and start it in the foreground on its
# embedded defaults: the demo meters, the embedded MQTT broker on port 11883. Type meter:list at the prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java17.sh
mvn -B -q --no-transfer-progress install -DskipTests
exec karaf-assembly/target/assembly/bin/karaf "$@"
