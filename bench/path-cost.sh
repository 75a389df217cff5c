#!/usr/bin/env bash
# What connection-handling.enabled=true adds to a short request in the starter's own code,
# in-process, without HTTP (bench/PathCost.java): ns and bytes per request on the request
# thread, and CPU per request of the whole process (the starter's threads included), for
# enabled=false, enabled with the request on its thread's slot (platform worker threads),
# and enabled with the request queued (virtual threads, async; every request until
# session 8). Prints a table; about a minute.
#
#   bench/path-cost.sh [rounds=9] [requests per round=200000]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-9}
PER_ROUND=${2:-200000}
OUT=bench/target/path-cost
mkdir -p "$OUT"
./mvnw -B -q -ntp -pl autoconfigure compile dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" \
	-Dmdep.includeScope=runtime >/dev/null
java -Xms512m -Xmx512m -XX:+UseG1GC -cp "autoconfigure/target/classes:$(cat "$OUT/cp.txt")" bench/PathCost.java \
	"$ROUNDS" "$PER_ROUND" >"$OUT/raw.txt"
printf '| %-16s | %12s | %12s | %12s | %16s | %14s |\n' variant "ns median" "ns min" "ns max" "process CPU ns" "bytes/request"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------ -------------- -------------- -------------- ------------------ ----------------
while read -r variant med min max cpu bytes; do
	printf '| %-16s | %12s | %12s | %12s | %16s | %14s |\n' "$variant" "$med" "$min" "$max" "$cpu" "$bytes"
done <"$OUT/raw.txt"
