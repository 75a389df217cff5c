#!/usr/bin/env bash
# Overhead of connection handling on a trivial endpoint: the sample app's /status with
# connection-handling.enabled=true vs false, driven by wrk, alternating A/B/A/B in one run,
# on Tomcat and on Jetty. Prints throughput ratio and p50/p99 latency of each.
#
#   bench/overhead.sh [rounds=2] [seconds=10] [connections=50]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-50}
PORT=${PORT:-18080}
CONTAINERS=${CONTAINERS:-tomcat jetty}
# APP_ARGS: more arguments for the app, e.g. APP_ARGS=--connection-handling.abort-detection.arm-delay=20ms

command -v wrk >/dev/null || { echo "installing wrk"; apt-get update -qq && apt-get install -y -qq wrk; }

echo "building the sample app (Tomcat and Jetty)" >&2
./mvnw -B -q -ntp -pl sample-app -am package -DskipTests >&2
./mvnw -B -q -ntp -Pjetty -pl sample-app -am package -DskipTests >&2
TOMCAT_JAR=$(ls sample-app/target/connection-handling-sample-app-*.jar | grep -v original | head -1)
JETTY_JAR=$(ls sample-app/target/jetty/connection-handling-sample-app-*.jar | grep -v original | head -1)

start() { # jar enabled
  java -Xmx512m -jar "$1" --server.port=$PORT --connection-handling.enabled=$2 ${APP_ARGS:-} \
    --logging.level.root=WARN --spring.main.banner-mode=off >/tmp/overhead-app.log 2>&1 &
  APP=$!
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/status" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "app did not start" >&2; cat /tmp/overhead-app.log >&2; exit 1
}
stop() { kill "$APP" 2>/dev/null; wait "$APP" 2>/dev/null || true; }
trap stop EXIT

measure() { # -> "rps p50ms p99ms"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$PORT/status" | awk '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END {printf "%s %.3f %.3f\n", rps, ms(p50), ms(p99)}'
}

printf "%-7s %-8s %5s %12s %9s %9s\n" container enabled round "requests/s" "p50 ms" "p99 ms"
declare -A sum
for container in $CONTAINERS; do
  jar=$TOMCAT_JAR; [ $container = jetty ] && jar=$JETTY_JAR
  for round in $(seq 1 "$ROUNDS"); do
    for enabled in true false; do
      start "$jar" $enabled
      wrk -t2 -c"$CONNECTIONS" -d3s "http://127.0.0.1:$PORT/status" >/dev/null   # warm-up
      read -r rps p50 p99 < <(measure)
      stop
      printf "%-7s %-8s %5s %12s %9s %9s\n" $container $enabled "$round" "$rps" "$p50" "$p99"
      sum[$container-$enabled]=$(awk -v a="${sum[$container-$enabled]:-0}" -v b="$rps" 'BEGIN{print a+b}')
    done
  done
done
echo
for container in $CONTAINERS; do
  awk -v c=$container -v on="${sum[$container-true]}" -v off="${sum[$container-false]}" \
    'BEGIN{printf "%-7s throughput ratio enabled/disabled = %.3f\n", c, on/off}'
done
