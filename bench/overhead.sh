#!/usr/bin/env bash
# Overhead of connection handling on a trivial endpoint: the sample app's /status with
# connection-handling.enabled=true vs false, on Tomcat and on Jetty.
#
#   bench/overhead.sh [rounds=6] [seconds=5] [connections=32]     (rounds per launch)
#
# By default (JVMS=one, MODE=alternate) both settings run as two applications in one JVM
# (bench/OneJvm.java: the sample app twice, one port each), pinned to one CPU (the server
# CPU), and are loaded in turn (A/B, then B/A, ...) by wrk (one thread) pinned to the other
# CPU: each round's throughput is one setting's alone on the saturated CPU, as the A/B/A/B
# comparison. Sharing one JIT, the two differ only by what the starter runs:
# with JVMS=two each setting has a JVM of its own, and a launch's JIT outcome moves the
# ratio by ±4-6 % (A/A runs), so that a figure needs many launches. With MODE=together
# (JVMS=two only) both JVMs are loaded at once by two wrk processes and compared by
# requests per CPU second. Each round measures the requests served and the CPU time the
# JVM used (all its threads, from /proc/<pid>/stat; with one JVM only the loaded app runs),
# and gives two ratios enabled/disabled:
#   - throughput, each setting alone on the CPU (the headline figure), and
#   - requests per CPU second (the cost per request).
# The result is the mean of the launches' medians, with its standard error (and the median
# of all rounds). Launches alternate which setting runs first (port, start, load and
# pinning order): use an even LAUNCHES.
#
# The sample app serves its actuator on a port of its own (8081): every copy started here
# gets a random one (-Dmanagement.server.port=0). APP_ARGS=--management.server.port= (empty)
# puts the actuator back on the application's port, where each exposed endpoint adds to
# every request's handler lookup.
#
# The method's own checks: SAME=true|false gives both apps (or JVMs) that setting (an A/A
# run: the method's bias and spread), and SPIN_NS=n (JVMS=one) adds to the first app a
# filter busy for n ns per request, so that a known cost can be read off (calibration).
#
# The JIT needs a minute or more of load to reach steady state (the throughput of /status
# grows tenfold meanwhile), far longer on one CPU: both settings warm up on both CPUs, in
# 10 s chunks, until neither gained more than 3 % over its previous chunk (at least
# WARMUP, at most WARMUP_MAX seconds), then every thread is pinned to the server
# CPU and a few seconds more let them settle.
#
# Environment: JVMS (one or two, default one), MODE (alternate or together, default
# alternate), CONTAINERS (default "tomcat jetty"), LAUNCHES (fresh JVMs per container,
# default 4), WARMUP (default 40), WARMUP_MAX (default 180), SERVER_CPU (default 1),
# CLIENT_CPU (default 0), CLIENT_IDLE (spin or halt, default spin: see below), PORT
# (default 18080; the disabled app uses PORT+1), JVM_OPTS (default "-Xms512m -Xmx512m
# -XX:+UseG1GC"), APP_ARGS (more arguments for both apps, e.g.
# --connection-handling.abort-detection.arm-delay=20ms), SAME, SPIN_NS (above),
# SKIP_BUILD=1, TOMCAT_JAR and JETTY_JAR (other builds of the sample app, e.g. to compare
# two commits: two runs with different PORTs may run at the same time; no build then).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-6}
SECONDS_PER_ROUND=${2:-5}
CONNECTIONS=${3:-32}
PORT=${PORT:-18080}
CONTAINERS=${CONTAINERS:-tomcat jetty}
LAUNCHES=${LAUNCHES:-4}
WARMUP=${WARMUP:-40}
WARMUP_MAX=${WARMUP_MAX:-180}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
JVM_OPTS=${JVM_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}
MODE=${MODE:-alternate}
case $MODE in together|alternate) ;; *) echo "MODE must be together or alternate" >&2; exit 1;; esac
JVMS=${JVMS:-one}
case $JVMS in one|two) ;; *) echo "JVMS must be one or two" >&2; exit 1;; esac
if [ "$JVMS" = one ] && [ "$MODE" = together ]; then
  echo "JVMS=one needs MODE=alternate (one JVM's CPU time cannot be split between its apps)" >&2; exit 1
fi
if [ -n "${SPIN_NS:-}" ] && [ "$JVMS" != one ]; then echo "SPIN_NS needs JVMS=one" >&2; exit 1; fi

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get update -qq && apt-get install -y -qq wrk >&2; }
command -v taskset >/dev/null || { echo "installing taskset" >&2; apt-get update -qq && apt-get install -y -qq util-linux >&2; }
CPUS=$(nproc --all)
if [ "$CPUS" -lt 2 ] || [ "$SERVER_CPU" = "$CLIENT_CPU" ]; then
  echo "needs two CPUs (SERVER_CPU=$SERVER_CPU, CLIENT_CPU=$CLIENT_CPU, $CPUS CPUs)" >&2; exit 1
fi

if [ "${SKIP_BUILD:-}" != 1 ] && [ -z "${TOMCAT_JAR:-}${JETTY_JAR:-}" ]; then
  echo "building the sample app (Tomcat and Jetty)" >&2
  # Repackaging over an existing jar keeps the old starter in it (the jar plugin does not
  # rebuild a jar whose own classes did not change): start afresh.
  rm -f sample-app/target/connection-handling-sample-app-*.jar*
  ./mvnw -B -q -ntp -pl sample-app -am package -DskipTests >&2
  rm -rf sample-app/target/jetty
  ./mvnw -B -q -ntp -Pjetty -pl sample-app -am package -DskipTests >&2
fi
TOMCAT_JAR=${TOMCAT_JAR:-$(ls sample-app/target/connection-handling-sample-app-*.jar | grep -v original | head -1)}
JETTY_JAR=${JETTY_JAR:-$(ls sample-app/target/jetty/connection-handling-sample-app-*.jar | grep -v original | head -1)}
WORK=bench/target/overhead-$PORT
mkdir -p "$WORK"

# The two slots (port, start order, wrk order, pinning order) alternate between the
# settings from launch to launch, so that no ordering effect adds up: A/A runs (SAME)
# showed two identical JVMs differing by up to 4 % per launch.
SLOT1=$PORT
SLOT2=$((PORT + 1))
ON=$SLOT1
OFF=$SLOT2
declare -A PIDS
start() { # jar enabled port label
  # shellcheck disable=SC2086
  java -Dmanagement.server.port=0 $JVM_OPTS -jar "$1" --server.port="$3" --connection-handling.enabled="$2" ${APP_ARGS:-} \
    --logging.level.root=WARN --spring.main.banner-mode=off >"$WORK/$4.log" 2>&1 &
  PIDS[$3]=$!
}
# JVMS=one: both apps in one JVM (bench/OneJvm.java, run against the jar extracted the way
# Spring Boot recommends for production, so the classes are the jar's own).
start_one_jvm() { # jar label on-first
  local dir="$WORK/extracted-$2"
  rm -rf "$dir" "$dir-launcher"
  java -Djarmode=tools -jar "$1" extract --destination "$dir" >/dev/null
  local app; app=$(ls "$dir"/*.jar)
  javac -cp "$app" -d "$dir-launcher" bench/OneJvm.java
  # shellcheck disable=SC2086
  java -Dmanagement.server.port=0 $JVM_OPTS -cp "$dir-launcher:$app" OneJvm "$ON" "$OFF" "${SAME:-true}" "${SAME:-false}" \
    "${SPIN_NS:-0}" "$3" ${APP_ARGS:-} --logging.level.root=WARN --spring.main.banner-mode=off >"$WORK/$2.log" 2>&1 &
  PIDS[$ON]=$!
  PIDS[$OFF]=$!
}
await() { # port
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$1/status" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "app on port $1 did not start" >&2; cat "$WORK"/*.log >&2; exit 1
}
stop_all() {
  for port in "${!PIDS[@]}"; do
    local pid=${PIDS[$port]}
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
# CLIENT_IDLE=spin (default): a SCHED_IDLE busy loop on the client CPU, which runs only when
# wrk does not. Without it wrk's CPU halts between responses, and waking a halted vCPU costs
# the sender (the server) more than interrupting a running one: a server a little slower
# finds its client halted more often and pays for it. A remote client, or a client machine
# with other work, costs the server nothing of the kind. With the loop the enabled/disabled
# ratio rose by 2-3 %; small costs still read at about twice their share (a known 300 ns
# per request as about 2 %). CLIENT_IDLE=halt: no loop.
CLIENT_IDLE=${CLIENT_IDLE:-spin}
case $CLIENT_IDLE in spin|halt) ;; *) echo "CLIENT_IDLE must be spin or halt" >&2; exit 1;; esac
SPINNER=""
if [ "$CLIENT_IDLE" = spin ]; then
  command -v chrt >/dev/null || { echo "installing chrt" >&2; apt-get update -qq && apt-get install -y -qq util-linux >&2; }
  taskset -c "$CLIENT_CPU" chrt --idle 0 sh -c 'while :; do :; done' &
  SPINNER=$!
fi
trap 'stop_all; [ -n "$SPINNER" ] && kill "$SPINNER" 2>/dev/null' EXIT

cpu_ticks() { # pid -> user + system clock ticks of the whole JVM
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
# Load both JVMs at once for $1 seconds; leaves wrk's output in $WORK/wrk-<port>.txt and
# the JVMs' CPU ticks in $WORK/ticks-<port>.txt.
load_both() {
  local on_ticks off_ticks clients=()
  if [ "$ON" = "$SLOT1" ]; then
    on_ticks=$(cpu_ticks "${PIDS[$ON]}"); off_ticks=$(cpu_ticks "${PIDS[$OFF]}")
  else
    off_ticks=$(cpu_ticks "${PIDS[$OFF]}"); on_ticks=$(cpu_ticks "${PIDS[$ON]}")
  fi
  for port in $SLOT1 $SLOT2; do
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${1}s" --latency "http://127.0.0.1:$port/status" \
      >"$WORK/wrk-$port.txt" &
    clients+=($!)
  done
  wait "${clients[@]}"
  local on_now off_now
  if [ "$ON" = "$SLOT1" ]; then
    on_now=$(cpu_ticks "${PIDS[$ON]}"); off_now=$(cpu_ticks "${PIDS[$OFF]}")
  else
    off_now=$(cpu_ticks "${PIDS[$OFF]}"); on_now=$(cpu_ticks "${PIDS[$ON]}")
  fi
  echo $((on_now - on_ticks)) >"$WORK/ticks-$ON.txt"
  echo $((off_now - off_ticks)) >"$WORK/ticks-$OFF.txt"
}
# Load one JVM alone for $2 seconds (MODE=alternate): same files as load_both.
load_one() { # port seconds
  local before now
  before=$(cpu_ticks "${PIDS[$1]}")
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${2}s" --latency "http://127.0.0.1:$1/status" >"$WORK/wrk-$1.txt"
  now=$(cpu_ticks "${PIDS[$1]}")
  echo $((now - before)) >"$WORK/ticks-$1.txt"
}
measure() { # round
  if [ "$MODE" = together ]; then
    load_both "$SECONDS_PER_ROUND"
  elif [ $(($1 % 2)) = 1 ]; then
    load_one $ON "$SECONDS_PER_ROUND"; load_one $OFF "$SECONDS_PER_ROUND"
  else
    load_one $OFF "$SECONDS_PER_ROUND"; load_one $ON "$SECONDS_PER_ROUND"
  fi
}
result() { # port -> "rps requests p50ms p99ms ticks"
  awk -v ticks="$(cat "$WORK/ticks-$1.txt")" -v port="$1" '
    /Non-2xx/ {bad=$0}
    /Socket errors/ {print "wrk on port " port ":" $0 > "/dev/stderr"}
    / requests in / {n=$1}
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END {if (bad != "") {print "wrk: " bad > "/dev/stderr"; exit 1}; printf "%s %s %.3f %.3f %s\n", rps, n, ms(p50), ms(p99), ticks}' \
    "$WORK/wrk-$1.txt"
}
warm_up() {
  local elapsed=0 on_prev=0 off_prev=0 on_rps off_rps
  while :; do
    load_both 10; elapsed=$((elapsed + 10))
    on_rps=$(result $ON | cut -d' ' -f1); off_rps=$(result $OFF | cut -d' ' -f1)
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

[ -n "${SAME:-}" ] && echo "A/A run: both with connection-handling.enabled=$SAME"
[ -n "${SPIN_NS:-}" ] && echo "calibration: the enabled=${SAME:-true} app also busy-waits ${SPIN_NS} ns per request"
if [ "$MODE" = together ]; then how="loaded at once"; else how="loaded in turn (A/B, B/A, ...)"; fi
if [ "$JVMS" = one ]; then where="both apps in one JVM (bench/OneJvm.java)"; else where="both JVMs"; fi
echo "$where on CPU $SERVER_CPU, $how by wrk -t1 -c$CONNECTIONS each on CPU $CLIENT_CPU;" \
  "$LAUNCHES launches x $ROUNDS rounds of ${SECONDS_PER_ROUND} s; JVM: $JVM_OPTS${APP_ARGS:+; app: $APP_ARGS};" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "network: loopback (the sender's CPU runs the receiver's TCP receive)"
# A noisy host (a neighbour on the same core, cache or memory bus) moves each round by far
# more than the 1 % this run is after: say how steady the server CPU was, before and after.
noise() { taskset -c "$SERVER_CPU" java bench/MachineNoise.java 6; }
echo "machine noise on CPU $SERVER_CPU (bench/MachineNoise.java: per-second rates of a fixed loop): $(noise)"
if [ "$CLIENT_IDLE" = spin ]; then echo "client CPU: kept from halting by a SCHED_IDLE loop (CLIENT_IDLE=spin)"
else echo "client CPU: halts when wrk waits (CLIENT_IDLE=halt)"; fi
printf "%-7s %6s %5s %10s %10s %7s %10s %7s %15s %15s\n" container launch round "on req/s" "off req/s" ratio \
  "req/CPU-s" ratio "on p50/p99 ms" "off p50/p99 ms"
declare -A RATIOS CPU_RATIOS LAUNCH_MEDIANS
for container in $CONTAINERS; do
  jar=$TOMCAT_JAR; [ "$container" = jetty ] && jar=$JETTY_JAR
  for launch in $(seq 1 "$LAUNCHES"); do
    if [ $((launch % 2)) = 1 ]; then ON=$SLOT1; OFF=$SLOT2; else ON=$SLOT2; OFF=$SLOT1; fi
    if [ "$JVMS" = one ]; then
      start_one_jvm "$jar" "$container" "$([ "$ON" = "$SLOT1" ] && echo true || echo false)"
    elif [ "$ON" = "$SLOT1" ]; then
      start "$jar" "${SAME:-true}" $ON "$container-on"
      start "$jar" "${SAME:-false}" $OFF "$container-off"
    else
      start "$jar" "${SAME:-false}" $OFF "$container-off"
      start "$jar" "${SAME:-true}" $ON "$container-on"
    fi
    await $SLOT1; await $SLOT2
    warm_up
    taskset -a -p -c "$SERVER_CPU" "${PIDS[$SLOT1]}" >/dev/null
    [ "$JVMS" = one ] || taskset -a -p -c "$SERVER_CPU" "${PIDS[$SLOT2]}" >/dev/null
    load_both 10 # settle on one CPU, not measured
    launch_ratios=""
    for round in $(seq 1 "$ROUNDS"); do
      measure "$round"
      read -r on_rps on_n on_p50 on_p99 on_ticks < <(result $ON)
      read -r off_rps off_n off_p50 off_p99 off_ticks < <(result $OFF)
      ratio=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN{printf "%.3f", a / b}')
      on_eff=$(awk -v n="$on_n" -v t="$on_ticks" 'BEGIN{printf "%.0f", (t > 0) ? n * 100 / t : 0}')
      off_eff=$(awk -v n="$off_n" -v t="$off_ticks" 'BEGIN{printf "%.0f", (t > 0) ? n * 100 / t : 0}')
      cpu_ratio=$(awk -v a="$on_eff" -v b="$off_eff" 'BEGIN{printf "%.3f", (b > 0) ? a / b : 0}')
      RATIOS[$container]="${RATIOS[$container]:-} $ratio"
      # The cost: throughput alone on the CPU, or requests per CPU second when shared.
      if [ "$MODE" = together ]; then launch_ratios="$launch_ratios $cpu_ratio"; else launch_ratios="$launch_ratios $ratio"; fi
      CPU_RATIOS[$container]="${CPU_RATIOS[$container]:-} $cpu_ratio"
      printf "%-7s %6s %5s %10s %10s %7s %10s %7s %15s %15s\n" "$container" "$launch" "$round" "$on_rps" \
        "$off_rps" "$ratio" "$on_eff/$off_eff" "$cpu_ratio" "$on_p50/$on_p99" "$off_p50/$off_p99"
    done
    stop_all
    # shellcheck disable=SC2086
    LAUNCH_MEDIANS[$container]="${LAUNCH_MEDIANS[$container]:-} $(printf "%s\n" $launch_ratios | sort -n | awk '
      {r[NR]=$1} END {printf "%.3f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2}')"
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
echo
for container in $CONTAINERS; do
  # shellcheck disable=SC2086
  printf "%s\n" ${CPU_RATIOS[$container]} | summary "$container" "requests per CPU second, enabled/disabled"
  # shellcheck disable=SC2086
  if [ "$MODE" = together ]; then
    printf "%s\n" ${RATIOS[$container]} | summary "$container" "throughput, enabled/disabled (CPU shared by both: not the cost)"
  else
    printf "%s\n" ${RATIOS[$container]} | summary "$container" "throughput, enabled/disabled (each alone on the CPU)"
  fi
  # shellcheck disable=SC2086
  printf "%s\n" ${LAUNCH_MEDIANS[$container]} | awk -v c="$container" '
    {r[NR]=$1; sum+=$1; list=list (NR > 1 ? ", " : "") $1}
    END {
      mean = sum / NR; ss = 0
      for (i = 1; i <= NR; i++) ss += (r[i] - mean) ^ 2
      se = (NR > 1) ? sqrt(ss / (NR - 1)) / sqrt(NR) : 0
      printf "%-7s RESULT, enabled/disabled: mean of %d launches %.3f (standard error %.3f; launch medians %s)\n", c, NR, mean, se, list
    }'
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine noise at the end: $(noise)"
