#!/usr/bin/env bash
# Where the enabled app's extra CPU goes, by frame: async-profiler (from Maven Central,
# fetched by the Maven wrapper) samples each JVM while it alone serves the sample app's
# /status, then bench/ProfileDiff.java compares both per 1,000 requests (by owner of the
# innermost non-JDK frame, the starter's own frames, the frames that differ most).
#
#   bench/profile.sh [seconds=15] [rounds=2] [connections=32]
#
# Both JVMs (enabled, disabled) warm up at once on both CPUs (WARMUP seconds, default
# 90), are pinned to SERVER_CPU (1), and are then profiled one after the other, rounds
# times, each loaded by wrk on CLIENT_CPU (0) for 5 s and then for the measured seconds
# with async-profiler attached (bench/ProfileAttach.java; CPU samples every INTERVAL ns
# of CPU, default 200000). Two JVMs compile shared code differently: read the starter's
# frames, not a few samples of Jetty or Spring (bench/README.md).
# Environment: CONTAINER (tomcat or jetty, default jetty), JAR (another build), WARMUP,
# INTERVAL, EVENT (async-profiler's event, default cpu; itimer where perf events are not
# allowed), SERVER_CPU, CLIENT_CPU, PORT (19380; the disabled app uses PORT+1), JVM_OPTS,
# APP_ARGS (as in overhead.sh), ASYNC_PROFILER (version, default 4.2).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-15}
ROUNDS=${2:-2}
CONNECTIONS=${3:-32}
CONTAINER=${CONTAINER:-jetty}
WARMUP=${WARMUP:-90}
INTERVAL=${INTERVAL:-200000}
EVENT=${EVENT:-cpu}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-19380}
JVM_OPTS=${JVM_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}
ASYNC_PROFILER=${ASYNC_PROFILER:-4.2}

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get update -qq && apt-get install -y -qq wrk >&2; }
WORK=bench/target/profile-$PORT
rm -rf "$WORK" && mkdir -p "$WORK"
./mvnw -B -q -ntp -N dependency:copy -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER:jar:linux-x64" \
  -DoutputDirectory="$PWD/$WORK" >&2
(cd "$WORK" && unzip -q -o "async-profiler-$ASYNC_PROFILER-linux-x64.jar" 'linux-x64/*')
AGENT=$PWD/$WORK/linux-x64/libasyncProfiler.so
. bench/sample-app.sh
[ -n "${JAR:-}" ] || JAR=$(sample_jar "$CONTAINER")
ON=$PORT
OFF=$((PORT + 1))
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
start_both "$JAR" "$ON" "$OFF" "$WORK"
echo "warming up both JVMs for $WARMUP s" >&2
wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$ON/status" >/dev/null &
client=$!
wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$OFF/status" >/dev/null
wait "$client"
taskset -a -p -c "$SERVER_CPU" "${PIDS[0]}" >/dev/null
taskset -a -p -c "$SERVER_CPU" "${PIDS[1]}" >/dev/null
# Compiled once, before anything is measured.
mkdir -p "$WORK/attach" && javac -d "$WORK/attach" bench/ProfileAttach.java
for round in $(seq 1 "$ROUNDS"); do
  for side in on off; do
    pid=${PIDS[0]}; port=$ON
    [ "$side" = off ] && { pid=${PIDS[1]}; port=$OFF; }
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$port/status" >/dev/null
    taskset -c "$CLIENT_CPU" java -cp "$WORK/attach" ProfileAttach "$pid" "$AGENT" "start,event=$EVENT,interval=$INTERVAL" >/dev/null
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_MEASURED}s" "http://127.0.0.1:$port/status" >"$WORK/wrk-$side-$round.txt"
    taskset -c "$CLIENT_CPU" java -cp "$WORK/attach" ProfileAttach "$pid" "$AGENT" "stop,collapsed,file=$PWD/$WORK/$side-$round.collapsed" >/dev/null
  done
done
echo "$CONTAINER, each JVM alone on CPU $SERVER_CPU, wrk -c$CONNECTIONS on CPU $CLIENT_CPU, $ROUNDS x $SECONDS_MEASURED s each, $EVENT every $INTERVAL ns${APP_ARGS:+; app: $APP_ARGS}"
java bench/ProfileDiff.java "$WORK" "$ROUNDS"
