#!/usr/bin/env bash
# What it costs to hand close callbacks to the callback threads, virtual (Java 21+) or
# platform, for bursts of 1, 200 and 2,000 departures.
#
#   bench/callback-handoff.sh        # prints one table per JDK found
#
# Environment: ROUNDS (default 15), JDKS (java executables; default the PATH's java and
# Temurin 25 where installed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-15}
./mvnw -B -q -pl autoconfigure test-compile dependency:build-classpath \
	-Dmdep.outputFile="$PWD/autoconfigure/target/bench-classpath.txt" >/dev/null
cp="autoconfigure/target/test-classes:autoconfigure/target/classes:$(cat autoconfigure/target/bench-classpath.txt)"
JDKS=${JDKS:-"java $( [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java )"}
for jdk in $JDKS; do
	"$jdk" -cp "$cp" io.github.connectionhandling.request.CallbackHandoffBench "$ROUNDS"
	echo
done
