#!/usr/bin/env bash
# Where each request's CPU goes, starter on vs off, by kind of work: `perf record` of each
# JVM while it alone serves the sample app's /status, then samples per 1,000 requests in
# buckets:
#   container     the container's threads (request and selector threads), their own work
#   loopback-rx   the same threads delivering their writes to the client's socket: on
#                 loopback the kernel runs the receiver's side (TCP receive, waking the
#                 client) in the sender's context, so a local client's costs are billed
#                 to the server; with a remote client a NIC and another machine do it
#   starter       connection-handling-* threads (detector, timer, reaper, callbacks)
#   gc, jit, other-thread
# The loopback-rx bucket moves with timing, not work: waking a client that sleeps costs
# the waker an inter-processor interrupt (a VM exit on this hypervisor), one that is
# running costs nothing, and a slightly slower server finds its client asleep more often.
#
#   bench/cpu-split.sh [seconds=15] [connections=32]
#
# Both JVMs warm up at once on both CPUs (WARMUP seconds, default 100), are pinned to
# SERVER_CPU (1), and are then measured one after the other (on, off, on, off; the second
# pair is reported), each loaded by wrk on CLIENT_CPU (0). Needs perf (Debian's
# linux-perf, installed if missing) with permission to record other processes.
# Environment: RFS (on, off, auto: bench/steering.sh; with RFS on, wrk's receive runs on its
# own CPU and loopback-rx keeps only what sending costs the server), CONTAINER (tomcat or jetty, default tomcat), JAR (another build), PORT
# (19280; the disabled app uses PORT+1), JVM_OPTS, APP_ARGS (as in overhead.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-15}
CONNECTIONS=${2:-32}
CONTAINER=${CONTAINER:-tomcat}
WARMUP=${WARMUP:-100}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-19280}
JVM_OPTS=${JVM_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get update -qq && apt-get install -y -qq wrk >&2; }
command -v perf >/dev/null || { echo "installing perf" >&2; apt-get update -qq && apt-get install -y -qq linux-perf >&2; }
command -v jcmd >/dev/null || { echo "needs jcmd (a JDK)" >&2; exit 1; }
. bench/sample-app.sh
[ -n "${JAR:-}" ] || JAR=$(sample_jar "$CONTAINER")
WORK=bench/target/cpu-split-$PORT
mkdir -p "$WORK"
declare -A PID
cleanup() { for pid in "${PID[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap 'cleanup; steering_restore' EXIT
. bench/steering.sh
steering_setup
echo "network: $STEERING" >&2
for setting in on off; do
  port=$PORT; enabled=true
  [ "$setting" = off ] && port=$((PORT + 1)) && enabled=false
  # Frame pointers: perf walks the stacks of JIT-compiled code with them.
  # shellcheck disable=SC2086
  java -Dmanagement.server.port=0 $JVM_OPTS -XX:+PreserveFramePointer -jar "$JAR" --server.port="$port" --connection-handling.enabled=$enabled \
    ${APP_ARGS:-} --logging.level.root=WARN --spring.main.banner-mode=off >"$WORK/app-$setting.log" 2>&1 &
  PID[$setting]=$!
done
port_of() { if [ "$1" = on ]; then echo "$PORT"; else echo $((PORT + 1)); fi; }
for setting in on off; do
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$(port_of $setting)/status" >/dev/null 2>&1 && break; sleep 0.5; done
done
echo "warming up both JVMs for ${WARMUP} s" >&2
for _ in $(seq 1 $((WARMUP / 10))); do
  wrk -t1 -c"$CONNECTIONS" -d10s "http://127.0.0.1:$PORT/status" >/dev/null &
  client=$!
  wrk -t1 -c"$CONNECTIONS" -d10s "http://127.0.0.1:$((PORT + 1))/status" >/dev/null
  wait "$client"
done
taskset -a -p -c "$SERVER_CPU" "${PID[on]}" >/dev/null
taskset -a -p -c "$SERVER_CPU" "${PID[off]}" >/dev/null
for setting in on off on off; do
  port=$(port_of $setting)
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$port/status" >/dev/null
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$((SECONDS_MEASURED + 1))s" "http://127.0.0.1:$port/status" \
    >"$WORK/wrk-$setting.txt" &
  client=$!
  sleep 0.5
  perf record -q -F 4000 -g -p "${PID[$setting]}" -o "$WORK/perf-$setting.data" -- sleep "$SECONDS_MEASURED" 2>/dev/null
  wait "$client"
done
jcmd "${PID[on]}" Compiler.perfmap >/dev/null
jcmd "${PID[off]}" Compiler.perfmap >/dev/null

# One line per sample: its bucket.
classify() {
  perf script -i "$1" 2>/dev/null | awk '
    function flush() {
      if (thread == "") return
      t = "other-thread"
      if (thread ~ /^(http-nio|qtp|jetty)/) t = "container"
      else if (thread ~ /^connection-hand/) t = "starter"
      else if (thread ~ /^(GC |G1 )/) t = "gc"
      else if (thread ~ /^C[12] Compiler/) t = "jit"
      if (t == "container" && rx) t = "loopback-rx"
      print t
      thread = ""; rx = 0
    }
    /^$/ { flush(); next }
    /^[^ \t]/ { thread = $0; next }
    /process_backlog|__netif_receive_skb/ { rx = 1 }
    END { flush() }' | sort | uniq -c
}
requests() { awk '/ requests in /{print $1}' "$WORK/wrk-$1.txt"; }
ON_REQUESTS=$(requests on)
OFF_REQUESTS=$(requests off)
classify "$WORK/perf-on.data" >"$WORK/buckets-on.txt"
classify "$WORK/perf-off.data" >"$WORK/buckets-off.txt"
echo "$CONTAINER, each JVM alone on CPU $SERVER_CPU, wrk -t1 -c$CONNECTIONS on CPU $CLIENT_CPU for $SECONDS_MEASURED s:" \
  "on $ON_REQUESTS requests, off $OFF_REQUESTS"
awk -v on_n="$ON_REQUESTS" -v off_n="$OFF_REQUESTS" '
  FNR == 1 { file++ }
  { n[$2, file] = $1; buckets[$2] = 1 }
  END {
    printf "%-14s %14s %14s %10s\n", "bucket", "on /1k req", "off /1k req", "on - off"
    split("container loopback-rx starter gc jit other-thread", order, " ")
    for (i = 1; i <= 6; i++) {
      b = order[i]; a = n[b, 1] * 1000 / on_n; o = n[b, 2] * 1000 / off_n
      printf "%-14s %14.2f %14.2f %10.2f\n", b, a, o, a - o
      total_on += a; total_off += o
      if (b != "loopback-rx") { own_on += a; own_off += o }
    }
    printf "%-14s %14.2f %14.2f %10.2f   requests per CPU, on/off: %.3f\n", "total", total_on, total_off,
      total_on - total_off, total_off / total_on
    printf "%-14s %14.2f %14.2f %10.2f   requests per CPU, on/off: %.3f\n", "total - rx", own_on, own_off,
      own_on - own_off, own_off / own_on
  }' "$WORK/buckets-on.txt" "$WORK/buckets-off.txt"
echo "(samples at 4,000 Hz: 4 samples = 1 ms of CPU)"
