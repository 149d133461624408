#!/usr/bin/env bash
# Command 2: every test, unit and integration (Pax Exam against the real distribution), on a fresh
# Debian machine. Installs the Debian packages the tests drive for real (socat for pseudo-terminals,
# Mosquitto as the interoperability broker, openssl for TLS certificates, RabbitMQ for pulse counters,
# InfluxDB 1.6) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java17.sh

need=()
command -v socat >/dev/null || need+=(socat)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null || need+=(mosquitto-clients)
command -v openssl >/dev/null || need+=(openssl)
# RabbitMQ for the pulse driver: started by its tests as a plain process on free ports, never as a service
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
# the InfluxDB output's tests start a real InfluxDB 1.6 (its package starts no server in containers without systemd)
command -v influxd >/dev/null || need+=(influxdb)
# HttpIT: promtool checks /metrics and a Prometheus server scrapes it; headless Chromium via chromedriver
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  # the tests start every server themselves on free ports: keep the packages from starting theirs as services
  # (a broker on 1883, RabbitMQ on 5672, InfluxDB on 8086, Prometheus on 9090), unless a policy exists already
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { [ -z "$policy" ] || $sudo_cmd rm -f "$policy"; exit 1; }
  [ -z "$policy" ] || $sudo_cmd rm -f "$policy"
fi
export PATH="$PATH:/usr/sbin"

exec mvn -B --no-transfer-progress install "$@"
