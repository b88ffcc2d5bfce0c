# shellcheck shell=bash
# Schema Registry: Apicurio Registry 3.x (Quarkus app from Maven Central), in-memory storage,
# reached through its Confluent-compatible API at /apis/ccompat/v7.

REGISTRY_VERSION="${NEXURAL_STACK_REGISTRY_VERSION:-3.3.3}"
REGISTRY_DIR="$STACK_DIR/registry"
REGISTRY_LOG="$LOG_DIR/registry.log"

build_registry() {
  local out="$1"
  log "apicurio registry $REGISTRY_VERSION: downloading with Maven"
  mvn -B -q dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" \
    -DoutputDirectory="$out" >"$LOG_DIR/registry-mvn.log" 2>&1 || {
    log "mvn failed; tail of $LOG_DIR/registry-mvn.log:"
    tail -n 30 "$LOG_DIR/registry-mvn.log" >&2
    return 1
  }
  tar -xzf "$out/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz" -C "$out"
  rm -f "$out/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz"
  [[ -f "$out/quarkus-run.jar" ]] || {
    log "no quarkus-run.jar in the Apicurio archive"
    return 1
  }
}

registry_prepare() {
  require_cmd java "install a JDK 17+ (apt-get install openjdk-17-jre-headless)"
  # Apicurio Registry 3.3 is compiled for Java 21; Debian 12's default JDK is 17, so look for a newer one.
  REGISTRY_JAVA=$(find_java 21 "${NEXURAL_STACK_REGISTRY_JAVA_HOME:-}") ||
    die "Apicurio Registry $REGISTRY_VERSION needs Java 21+; none found in NEXURAL_STACK_REGISTRY_JAVA_HOME, JAVA_HOME or /usr/lib/jvm"
  require_cmd mvn "install Maven (apt-get install maven)"
  require_cmd curl "install curl (apt-get install curl)"
  REGISTRY_HOME=$(cached_dir "apicurio-registry-$REGISTRY_VERSION" build_registry quarkus-run.jar)
}

registry_pid() { pid_of registry "$REGISTRY_DIR"; }

registry_start() {
  if REGISTRY_PID=$(registry_pid); then
    REGISTRY_STARTED=""
    return 0
  fi
  if port_open "$REGISTRY_PORT" || port_open "$REGISTRY_MANAGEMENT_PORT"; then
    die "port $REGISTRY_PORT or $REGISTRY_MANAGEMENT_PORT is taken by a process this stack did not start"
  fi
  mkdir -p "$REGISTRY_DIR/tmp"
  # The default storage (sql on an in-memory H2 database) keeps nothing across restarts.
  # Deletions are enabled so tests can remove the subjects they create.
  local java_opts=(-Xms128m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir="$REGISTRY_DIR/tmp"
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT"
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT"
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
    -Dapicurio.rest.deletion.group.enabled=true -Dapicurio.rest.deletion.artifact.enabled=true
    -Dapicurio.rest.deletion.artifact-version.enabled=true
    -Dapicurio.storage.snapshot.location="$REGISTRY_DIR/tmp" -Dapicurio.import.work-dir="$REGISTRY_DIR/tmp"
    -Dquarkus.http.access-log.enabled=false)
  REGISTRY_STARTED=$(now)
  REGISTRY_PID=$(spawn "$REGISTRY_DIR" "$REGISTRY_LOG" "$REGISTRY_JAVA" "${java_opts[@]}" -jar "$REGISTRY_HOME/quarkus-run.jar")
  printf '%s\n' "$REGISTRY_PID" >"$RUN_DIR/registry.pid"
}

registry_ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects"; }

registry_wait() {
  if [[ -z "$REGISTRY_STARTED" ]]; then
    log "registry already running (pid $REGISTRY_PID)"
    return 0
  fi
  wait_ready registry "$REGISTRY_PID" "${NEXURAL_STACK_TIMEOUT:-180}" "$REGISTRY_LOG" "$REGISTRY_STARTED" registry_ready
  log "apicurio registry $REGISTRY_VERSION ready on 127.0.0.1:$REGISTRY_PORT in $(since "$REGISTRY_STARTED")s"
}

registry_stop() {
  local pid
  if pid=$(registry_pid); then
    log "stopping registry (pid $pid)"
    stop_pid registry "$pid" 30
  fi
  rm -f "$RUN_DIR/registry.pid"
}

registry_status() {
  local pid
  if pid=$(registry_pid); then
    status_line registry up "pid $pid" "127.0.0.1:$REGISTRY_PORT (apicurio $REGISTRY_VERSION, in-memory)"
  else
    status_line registry down
  fi
}
