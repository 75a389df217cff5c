#!/usr/bin/env bash
# Time limits: what they cost per request, and how late a timed-out client is answered.
#
#   bench/time-limits.sh            # build the sample app, run everything, print tables
#
# Environment: ROUNDS (wrk rounds per variant, default 5), DURATION (s per wrk run,
# default 8), CONNECTIONS (wrk connections, default 32).
# Uses loopback only. Installs wrk with apt-get if it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-32}
OUT=$(mktemp -d)
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$OUT"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
	echo "installing wrk"
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
# Package (never install: the local repository may be shared) and take the class paths;
# with -am every module writes the file in turn, the sample app last.
./mvnw -B -q -pl sample-app -am package dependency:build-classpath -DskipTests \
	-Dmdep.outputFile="$OUT/app-cp.txt" -Dmdep.includeScope=runtime >/dev/null
./mvnw -B -q -pl autoconfigure dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" -Dmdep.includeScope=runtime >/dev/null
APP_CP="sample-app/target/classes:$(cat "$OUT/app-cp.txt")"

start_app() { # port, then properties
	local port=$1; shift
	java -Xmx256m -Dmanagement.server.port=0 -cp "$APP_CP" io.github.connectionhandling.sample.SampleApplication --server.port="$port" --logging.level.root=WARN "$@" >"$OUT/app-$port.log" 2>&1 &
	PIDS+=($!)
}
wait_app() {
	for _ in $(seq 1 120); do
		curl -fs "http://127.0.0.1:$1/status" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	echo "app on port $1 did not start"; cat "$OUT/app-$1.log"; exit 1
}
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "== 1. Arming and disarming a limit, in-process (ns per request: start, bind, unbind, finish)"
echo
java -cp "autoconfigure/target/classes:$(cat "$OUT/cp.txt")" bench/TimeLimiterCost.java 9 200000 >"$OUT/micro.txt"
printf '| %-10s | %-22s | %-10s | %-10s | %-10s |\n' variant "timers armed by others" "median ns" "min ns" "max ns"
printf '|%s|%s|%s|%s|%s|\n' ------------ ------------------------ ------------ ------------ ------------
while read -r variant others med min max; do
	printf '| %-10s | %22s | %10s | %10s | %10s |\n' "${variant//_/ }" "$others" "$med" "$min" "$max"
done <"$OUT/micro.txt"
echo

echo "== 2. wrk A/B of the sample app's GET /status: limits off vs on (wall and cpu clocks)"
echo "   $ROUNDS alternating rounds of ${DURATION}s, $CONNECTIONS connections, 2 wrk threads; all three apps up throughout"
echo
VARIANTS=(off wall cpu)
declare -A PORT=([off]=18091 [wall]=18092 [cpu]=18093)
start_app ${PORT[off]} --connection-handling.max-execution-time=0
start_app ${PORT[wall]} --connection-handling.max-execution-time=30s
start_app ${PORT[cpu]} --connection-handling.max-execution-time=30s --connection-handling.time-limit-clock=cpu
for v in "${VARIANTS[@]}"; do wait_app "${PORT[$v]}"; done
for v in "${VARIANTS[@]}"; do wrk -t2 -c"$CONNECTIONS" -d5s "http://127.0.0.1:${PORT[$v]}/status" >/dev/null; done
for r in $(seq 1 "$ROUNDS"); do
	for i in 0 1 2; do
		v=${VARIANTS[$(( (r + i) % 3 ))]}
		wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:${PORT[$v]}/status" >"$OUT/wrk-$v-$r.txt"
		awk '/Requests\/sec/ { print $2 }' "$OUT/wrk-$v-$r.txt" >>"$OUT/rps-$v.txt"
		awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; print v }' \
			"$OUT/wrk-$v-$r.txt" >>"$OUT/p99-$v.txt"
	done
done
OFF=$(median <"$OUT/rps-off.txt")
printf '| %-6s | %-12s | %-24s | %-13s | %-14s | %-13s |\n' limits "median req/s" "rounds (req/s)" "µs/request" "Δ vs off (µs)" "median p99 ms"
printf '|%s|%s|%s|%s|%s|%s|\n' -------- -------------- -------------------------- --------------- ---------------- ---------------
for v in "${VARIANTS[@]}"; do
	MED=$(median <"$OUT/rps-$v.txt")
	P99=$(median <"$OUT/p99-$v.txt")
	ALL=$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$OUT/rps-$v.txt")
	awk -v v="$v" -v m="$MED" -v o="$OFF" -v all="$ALL" -v p="$P99" 'BEGIN {
		printf "| %-6s | %12.0f | %-24s | %13.1f | %14.1f | %13.2f |\n", v, m, all, 1e6 / m, 1e6 / m - 1e6 / o, p }'
done
echo "   (µs/request = 1e6 / req/s at this concurrency on a shared 2-core machine; wrk runs on the same cores)"
for v in "${VARIANTS[@]}"; do kill "${PIDS[0]}" 2>/dev/null || true; PIDS=("${PIDS[@]:1}"); done
wait 2>/dev/null || true
echo

echo "== 3. Lateness of 200 concurrent timed-out requests (ms past a 1 s limit, from sending to the response head)"
echo "   baseline: the same 200 requests to GET /status (answered at once), i.e. what taking 200 simultaneous"
echo "   connections in costs the server before any limit starts counting"
echo
LATE_PORT=18094
start_app $LATE_PORT --connection-handling.max-execution-time=1s --sample.report-limit=1s
wait_app $LATE_PORT
# Warm-up at full concurrency: grows Tomcat's pool to 200 threads and compiles the paths.
java bench/TimeoutLateness.java $LATE_PORT "/wait?seconds=2" 1000 200 >/dev/null
java bench/TimeoutLateness.java $LATE_PORT "/legacy-report?seconds=2" 1000 200 >/dev/null
sleep 2
printf '| %-52s | %-3s | %-6s | %-6s | %-6s | %-6s | %-12s |\n' "endpoint (Tomcat, wall clock)" n p50 p90 p99 max statuses
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------------------------------------ ----- -------- -------- -------- -------- --------------
for run in 1 2 3; do
	for path in "/status" "/wait?seconds=3" "/legacy-report?seconds=3"; do
		case $path in
			/status) label="baseline: $path (no limit reached), run $run"; limit=0 ;;
			/wait*) label="$path (interruptible sleep), run $run"; limit=1000 ;;
			*) label="$path (swallows interrupts), run $run"; limit=1000 ;;
		esac
		read -r n p50 p90 p99 max statuses < <(java bench/TimeoutLateness.java $LATE_PORT "$path" $limit 200)
		printf '| %-52s | %3s | %6s | %6s | %6s | %6s | %-12s |\n' "$label" "$n" "$p50" "$p90" "$p99" "$max" "$statuses"
		[[ $path == /status ]] || sleep 2.5 # let the handlers that ignore interrupts end
	done
done
