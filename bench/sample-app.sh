# Sourced by bench scripts.
#   sample_jar CONTAINER      builds the sample app for that container (tomcat or jetty) and
#                             prints the path of its jar
#   start_both JAR ON OFF DIR starts it twice, enabled on port ON and disabled on port OFF
#                             (JVM_OPTS, APP_ARGS; logs in DIR), adds both pids to PIDS
#                             and waits until both answer; the actuator of each is on a
#                             random port (the sample's own, 8081, would be taken twice)
sample_jar() {
  echo "building the sample app ($1)" >&2
  if [ "$1" = jetty ]; then
    rm -rf sample-app/target/jetty
    ./mvnw -B -q -ntp -Pjetty -pl sample-app -am package -DskipTests >&2
    ls sample-app/target/jetty/connection-handling-sample-app-*.jar | grep -v original | head -1
  else
    # A jar whose own classes did not change is not rebuilt, and keeps the old starter.
    rm -f sample-app/target/connection-handling-sample-app-*.jar*
    ./mvnw -B -q -ntp -pl sample-app -am package -DskipTests >&2
    ls sample-app/target/connection-handling-sample-app-*.jar | grep -v original | head -1
  fi
}

start_both() {
  local setting port
  for setting in true false; do
    port=$2; [ "$setting" = false ] && port=$3
    # shellcheck disable=SC2086
    java -Dmanagement.server.port=0 $JVM_OPTS -jar "$1" --server.port="$port" --connection-handling.enabled="$setting" ${APP_ARGS:-} \
      --logging.level.root=WARN --spring.main.banner-mode=off >"$4/app-$setting.log" 2>&1 &
    PIDS+=($!)
  done
  for port in "$2" "$3"; do
    for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break; sleep 0.5; done
  done
}
