#!/usr/bin/env bash
# Overhead of connection handling on a trivial endpoint: the sample app's /status with
# connection-handling.enabled=true vs false, on Tomcat and on Jetty.
#
#   bench/overhead.sh [rounds=20] [seconds=3] [connections=32]
#
# Both settings run at once, each in its own JVM, both JVMs pinned to one CPU and wrk
# (one thread) to the other, so that client and server never take CPU time from each
# other. After a warm-up, short wrk rounds alternate between the two JVMs in the order
# ABBA, BAAB, ... (a drift of the machine's speed hits both alike); each round gives one
# ratio enabled/disabled, and the median of the rounds is the result. Only the measured
# JVM has work; the other sits idle.
#
# Environment: CONTAINERS (default "tomcat jetty"), LAUNCHES (fresh JVM pairs per
# container, default 1: more shows the spread between JIT outcomes), WARMUP (seconds of
# warm-up per JVM, default 60; it goes on, up to WARMUP_MAX=240, while the throughput still grows),
# SERVER_CPU (default 1), CLIENT_CPU (default 0), PORT
# (default 18080; the disabled app uses PORT+1), JVM_OPTS (default
# "-Xms512m -Xmx512m -XX:+UseG1GC"), APP_ARGS (more app arguments, e.g.
# --connection-handling.abort-detection.arm-delay=20ms), JFR (a directory: record both
# JVMs with JFR, allocation and execution samples, dumped before they stop; summarise a
# recording with bench/JfrSummary.java), SKIP_BUILD=1, TOMCAT_JAR and JETTY_JAR (other
# builds of the sample app, e.g. to compare two commits; no build then).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
SECONDS_PER_ROUND=${2:-3}
CONNECTIONS=${3:-32}
PORT=${PORT:-18080}
CONTAINERS=${CONTAINERS:-tomcat jetty}
LAUNCHES=${LAUNCHES:-1}
WARMUP=${WARMUP:-60}
WARMUP_MAX=${WARMUP_MAX:-240}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
JVM_OPTS=${JVM_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get update -qq && apt-get install -y -qq wrk >&2; }
command -v taskset >/dev/null || { echo "installing taskset" >&2; apt-get update -qq && apt-get install -y -qq util-linux >&2; }
CPUS=$(nproc --all)
if [ "$CPUS" -lt 2 ] || [ "$SERVER_CPU" = "$CLIENT_CPU" ]; then
  echo "needs two CPUs (SERVER_CPU=$SERVER_CPU, CLIENT_CPU=$CLIENT_CPU, $CPUS CPUs)" >&2; exit 1
fi

if [ "${SKIP_BUILD:-}" != 1 ] && [ -z "${TOMCAT_JAR:-}${JETTY_JAR:-}" ]; then
  echo "building the sample app (Tomcat and Jetty)" >&2
  ./mvnw -B -q -ntp -pl sample-app -am package -DskipTests >&2
  ./mvnw -B -q -ntp -Pjetty -pl sample-app -am package -DskipTests >&2
fi
TOMCAT_JAR=${TOMCAT_JAR:-$(ls sample-app/target/connection-handling-sample-app-*.jar | grep -v original | head -1)}
JETTY_JAR=${JETTY_JAR:-$(ls sample-app/target/jetty/connection-handling-sample-app-*.jar | grep -v original | head -1)}
LOGS=bench/target
mkdir -p "$LOGS"
[ -n "${JFR:-}" ] && mkdir -p "$JFR"

declare -A PIDS
start() { # jar enabled port label
  local jfr=()
  [ -n "${JFR:-}" ] && jfr=("-XX:StartFlightRecording=settings=profile,filename=$JFR/$4.jfr")
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CPU" java $JVM_OPTS "${jfr[@]}" -jar "$1" --server.port="$3" \
    --connection-handling.enabled="$2" ${APP_ARGS:-} --logging.level.root=WARN --spring.main.banner-mode=off \
    >"$LOGS/overhead-$4.log" 2>&1 &
  PIDS[$3]=$!
}
await() { # port
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$1/status" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "app on port $1 did not start" >&2; cat "$LOGS"/overhead-*.log >&2; exit 1
}
stop_all() {
  for port in "${!PIDS[@]}"; do
    local pid=${PIDS[$port]}
    if [ -n "${JFR:-}" ] && kill -0 "$pid" 2>/dev/null; then
      jcmd "$pid" JFR.dump >/dev/null 2>&1 || true
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_all EXIT

run_wrk() { # port seconds -> wrk's output
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${2}s" --latency "http://127.0.0.1:$1/status"
}
cpu_ticks() { # pid -> user + system clock ticks of the whole JVM
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
measure() { # port -> "rps p50ms p99ms requests cpu-ticks"
  local pid=${PIDS[$1]} before out
  before=$(cpu_ticks "$pid")
  out=$(run_wrk "$1" "$SECONDS_PER_ROUND")
  echo "$out" | awk -v ticks=$(($(cpu_ticks "$pid") - before)) '
    /Non-2xx|Socket errors/ {bad=$0}
    / requests in / {n=$1}
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END {if (bad != "") {print "wrk: " bad > "/dev/stderr"; exit 1}; printf "%s %.3f %.3f %s %s\n", rps, ms(p50), ms(p99), n, ticks}'
}
rps_of() { # port seconds -> requests/s
  run_wrk "$1" "$2" | awk '/Requests\/sec/ {print $2}'
}
# With one CPU the JIT takes minutes to reach steady state (the throughput of /status
# triples meanwhile): warm both JVMs up, alternating in 10 s chunks, until neither gained
# more than 3 % over its previous chunk, for at least WARMUP and at most WARMUP_MAX seconds.
warm_up() {
  local elapsed=0 on_prev=0 off_prev=0 on_rps off_rps
  while :; do
    on_rps=$(rps_of $ON 10); off_rps=$(rps_of $OFF 10); elapsed=$((elapsed + 10))
    echo "  warm-up ${elapsed} s: on $on_rps, off $off_rps req/s" >&2
    if [ "$elapsed" -ge "$WARMUP" ] && awk -v a="$on_rps" -v pa="$on_prev" -v b="$off_rps" -v pb="$off_prev" \
        'BEGIN{exit !(a < pa * 1.03 && b < pb * 1.03)}'; then
      break
    fi
    if [ "$elapsed" -ge "$WARMUP_MAX" ]; then
      echo "  warm-up: still gaining after ${WARMUP_MAX} s, measuring anyway" >&2; break
    fi
    on_prev=$on_rps; off_prev=$off_rps
  done
}

echo "server on CPU $SERVER_CPU, wrk -t1 -c$CONNECTIONS on CPU $CLIENT_CPU; $ROUNDS rounds of ${SECONDS_PER_ROUND} s" \
  "per setting after a warm-up of ${WARMUP}-${WARMUP_MAX} s per JVM; JVM: $JVM_OPTS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-7s %6s %5s %11s %11s %7s %9s %15s %15s\n" container launch round "on req/s" "off req/s" ratio \
  "cpu ratio" "on p50/p99 ms" "off p50/p99 ms"
declare -A RATIOS CPU_RATIOS ON_RPS OFF_RPS
ON=$PORT
OFF=$((PORT + 1))
for container in $CONTAINERS; do
  jar=$TOMCAT_JAR; [ "$container" = jetty ] && jar=$JETTY_JAR
  for launch in $(seq 1 "$LAUNCHES"); do
    start "$jar" true $ON "$container-on"
    start "$jar" false $OFF "$container-off"
    await $ON; await $OFF
    warm_up
    for round in $(seq 1 "$ROUNDS"); do
      if [ $((round % 2)) = 1 ]; then
        read -r on_rps on_p50 on_p99 on_n on_ticks < <(measure $ON)
        read -r off_rps off_p50 off_p99 off_n off_ticks < <(measure $OFF)
      else
        read -r off_rps off_p50 off_p99 off_n off_ticks < <(measure $OFF)
        read -r on_rps on_p50 on_p99 on_n on_ticks < <(measure $ON)
      fi
      ratio=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN{printf "%.3f", a/b}')
      # Requests per CPU second of the JVM, on vs off: what the throughput ratio would
      # be if both had had the whole CPU (other processes take some of it at times).
      cpu_ratio=$(awk -v a="$on_n" -v ta="$on_ticks" -v b="$off_n" -v tb="$off_ticks" \
        'BEGIN{printf "%.3f", (ta > 0 && tb > 0) ? (a / ta) / (b / tb) : 0}')
      RATIOS[$container]="${RATIOS[$container]:-} $ratio"
      CPU_RATIOS[$container]="${CPU_RATIOS[$container]:-} $cpu_ratio"
      ON_RPS[$container]="${ON_RPS[$container]:-} $on_rps"
      OFF_RPS[$container]="${OFF_RPS[$container]:-} $off_rps"
      printf "%-7s %6s %5s %11s %11s %7s %9s %15s %15s\n" "$container" "$launch" "$round" "$on_rps" "$off_rps" \
        "$ratio" "$cpu_ratio" "$on_p50/$on_p99" "$off_p50/$off_p99"
    done
    stop_all
  done
done
summary() { # container title < ratios
  sort -n | awk -v c="$1" -v title="$2" '
    {r[NR]=$1}
    END {
      m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
      q1 = r[int((NR + 3) / 4)]; q3 = r[NR + 1 - int((NR + 3) / 4)]
      printf "%-7s %s: median %.3f (quartiles %.3f-%.3f, range %.3f-%.3f, %d rounds)\n", c, title, m, q1, q3, r[1], r[NR], NR
    }'
}
median() { sort -n | awk '{r[NR]=$1} END {printf "%.3f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2}'; }
echo
for container in $CONTAINERS; do
  # shellcheck disable=SC2086
  on=$(printf "%s\n" ${ON_RPS[$container]} | median)
  # shellcheck disable=SC2086
  off=$(printf "%s\n" ${OFF_RPS[$container]} | median)
  # shellcheck disable=SC2086
  printf "%s\n" ${RATIOS[$container]} | summary "$container" "throughput ratio enabled/disabled"
  # shellcheck disable=SC2086
  printf "%s\n" ${CPU_RATIOS[$container]} | summary "$container" "requests per CPU second, enabled/disabled"
  printf "%-7s median req/s: enabled %.0f, disabled %.0f\n" "$container" "$on" "$off"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
