#!/usr/bin/env bash
# How long after a client leaves the upstream of the call its blocking handler makes sees
# that call's connection close: RestClient on each HTTP client Spring Boot's builders make
# (Apache HttpClient 5, Jetty, JDK) and WebClient (Reactor Netty), on Tomcat, against a
# plain upstream server on loopback (the *CancellationTests' SlowUpstream). Target: < 50 ms.
# Prints a markdown table. Usage: bench/client-abort-latency.sh [rounds]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-30}"
tests='TomcatHttpComponentsCancellationTests#benchAbortLatency,TomcatJettyClientCancellationTests#benchAbortLatency'
tests="$tests,TomcatJdkClientCancellationTests#benchAbortLatency,TomcatDirectClientCancellationTests#benchAbortLatency"
out="$(./mvnw -B -q -o -pl autoconfigure test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
	-Dbench.rounds="$rounds" 2>&1 | grep '^bench client-abort-latency' || true)"
if [ -z "$out" ]; then
	echo "no bench output: run ./mvnw -pl autoconfigure test -Dtest='$tests' -Dbench.rounds=$rounds to see why" >&2
	exit 1
fi
echo "| client (Tomcat, blocking handler) | rounds | upstream sees close: median | p99 | max |"
echo "|---|---:|---:|---:|---:|"
echo "$out" | sed -E 's/.*client=([^ ]+) rounds=([0-9]+) median=([0-9.]+) p99=([0-9.]+) max=([0-9.]+)/| \1 | \2 | \3 ms | \4 ms | \5 ms |/'
