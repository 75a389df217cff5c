#!/usr/bin/env bash
# Where the CPU goes, per thread, with the starter on and off: the sample app's /status
# under wrk, both settings at once on one CPU (as bench/overhead.sh does), then the CPU
# time and context switches of every thread of both JVMs over one measured load.
#
#   bench/threads.sh [seconds=20] [connections=32]
#
# Threads of a pool are summed (http-nio-…-exec-N, qtp…-N); the starter's own threads
# (connection-handling-detector, -timer, -reaper, -callback-N) are listed by name.
# Environment: RFS (bench/steering.sh), CONTAINER (tomcat or jetty, default tomcat), JAR (another build), WARMUP
# (seconds of load on both CPUs first, default 90), SERVER_CPU (1), CLIENT_CPU (0), PORT
# (19180; the disabled app uses PORT+1), JVM_OPTS, APP_ARGS (as in overhead.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-20}
CONNECTIONS=${2:-32}
CONTAINER=${CONTAINER:-tomcat}
WARMUP=${WARMUP:-90}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-19180}
JVM_OPTS=${JVM_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get update -qq && apt-get install -y -qq wrk >&2; }
command -v jcmd >/dev/null || { echo "needs jcmd (a JDK)" >&2; exit 1; }
. bench/sample-app.sh
[ -n "${JAR:-}" ] || JAR=$(sample_jar "$CONTAINER")
WORK=bench/target/threads-$PORT
mkdir -p "$WORK"
ON=$PORT
OFF=$((PORT + 1))
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap 'cleanup; steering_restore' EXIT
. bench/steering.sh
# Both JVMs are loaded at once: with steering their receive work would bill each other
# (see overhead.sh), so it is off unless asked for.
[ "$RFS" = auto ] && RFS=off
steering_setup
echo "network: $STEERING" >&2
start_both "$JAR" "$ON" "$OFF" "$WORK"
load() { # seconds cpu-prefix...
  local seconds=$1; shift
  "$@" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" "http://127.0.0.1:$ON/status" >"$WORK/wrk-on.txt" &
  local client=$!
  "$@" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" "http://127.0.0.1:$OFF/status" >"$WORK/wrk-off.txt"
  wait "$client"
}
echo "warming up both JVMs for $WARMUP s" >&2
load "$WARMUP"
taskset -a -p -c "$SERVER_CPU" "${PIDS[0]}" >/dev/null
taskset -a -p -c "$SERVER_CPU" "${PIDS[1]}" >/dev/null
load 5 taskset -c "$CLIENT_CPU"

# name ticks switches, one line per thread; the starter's threads by their Java name
# (/proc truncates names to 15 characters).
snapshot() { # pid
  declare -A names=()
  while read -r name nid; do names[$((16#$nid))]=$name; done < <(jcmd "$1" Thread.print 2>/dev/null \
    | sed -n 's/^"\(connection-handling[^"]*\)".* nid=0x\([0-9a-f]*\).*/\1 \2/p')
  for task in /proc/"$1"/task/*; do
    local tid name
    tid=$(basename "$task")
    name=${names[$tid]:-$(tr ' ' '_' <"$task/comm" | sed 's/-[0-9]*$/-N/')}
    echo "$name $(sed 's/.*) //' "$task/stat" | awk '{print $12 + $13}') $(awk '/ctxt_switches/ {s += $2} END {print s}' "$task/status")"
  done
}
snapshot "${PIDS[0]}" >"$WORK/on.before"; snapshot "${PIDS[1]}" >"$WORK/off.before"
load "$SECONDS_MEASURED" taskset -c "$CLIENT_CPU"
snapshot "${PIDS[0]}" >"$WORK/on.after"; snapshot "${PIDS[1]}" >"$WORK/off.after"

requests() { awk '/ requests in / {print $1}' "$WORK/wrk-$1.txt"; }
echo "$CONTAINER, $SECONDS_MEASURED s, both JVMs on CPU $SERVER_CPU, wrk -c$CONNECTIONS each on CPU $CLIENT_CPU; ticks = 1/100 s of CPU"
for side in on off; do
  n=$(requests $side)
  echo
  echo "enabled=$([ $side = on ] && echo true || echo false): $n requests"
  awk '{t[$1] += $2; c[$1] += $3} END {for (k in t) print k, t[k], c[k]}' "$WORK/$side.before" | sort >"$WORK/$side.b"
  awk '{t[$1] += $2; c[$1] += $3} END {for (k in t) print k, t[k], c[k]}' "$WORK/$side.after" | sort >"$WORK/$side.a"
  join -a 2 -e 0 -o 0,1.2,1.3,2.2,2.3 "$WORK/$side.b" "$WORK/$side.a" \
    | awk -v n="$n" '{d = $4 - $2; s = $5 - $3; total += d; if (d > 0 || s > 100) printf "  %-36s %6d ticks %8d switches\n", $1, d, s}
      END {printf "  %-36s %6d ticks  (%.3f ms of CPU per 1,000 requests)\n", "all threads", total, total * 10 * 1000 / n}' \
    | sort -k2 -n -r
done
