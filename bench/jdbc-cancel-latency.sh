#!/usr/bin/env bash
# How long after a client closes its connection a running `SELECT 1 FROM pg_sleep(30)`
# is cancelled (the controller sees the driver's 57014 failure), on a real PostgreSQL
# server on loopback. Target: < 100 ms. Needs the server .ci/run sets up (the same
# CH_PG_URL, CH_PG_USER, CH_PG_PASSWORD; defaults match .ci/run's).
# Usage: bench/jdbc-cancel-latency.sh [rounds]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-30}"
./mvnw -B -q -pl autoconfigure test -Dtest='PostgresCancellationTests#benchCancelLatency' \
	-Dsurefire.failIfNoSpecifiedTests=false -Dbench.rounds="$rounds" | grep '^bench '
