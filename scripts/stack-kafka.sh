# shellcheck shell=bash
# Kafka: a single-node KRaft broker (broker+controller in one JVM) from the Maven Central jars.

KAFKA_VERSION="${NEXURAL_STACK_KAFKA_VERSION:-4.4.0}"
KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_GC="${NEXURAL_STACK_KAFKA_GC:-zgc}"

build_kafka_libs() {
  local out="$1"
  cp "$ROOT/scripts/kafka/pom.xml" "$out/pom.xml"
  log "kafka $KAFKA_VERSION: resolving the broker classpath with Maven"
  mvn -B -q -f "$out/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/libs" >"$LOG_DIR/kafka-mvn.log" 2>&1 || {
    log "mvn failed; tail of $LOG_DIR/kafka-mvn.log:"
    tail -n 30 "$LOG_DIR/kafka-mvn.log" >&2
    return 1
  }
}

# The broker's JVM and collector. Generational ZGC (Java 21+) stops the broker for a few ms at most where G1
# paused it 10-60 ms every 1-4 s under the benches' load, in the middle of alerts' round trips
# (pipeline/runtime/processor/README.md, "the broker's collector"); G1 on Java 17 remains as `g1`.
kafka_java() {
  case "$KAFKA_GC" in
    zgc)
      KAFKA_JAVA=$(find_java 21 "${NEXURAL_STACK_KAFKA_JAVA_HOME:-}") ||
        die "generational ZGC needs Java 21+; none found in NEXURAL_STACK_KAFKA_JAVA_HOME, JAVA_HOME or /usr/lib/jvm (NEXURAL_STACK_KAFKA_GC=g1 runs Java 17)"
      KAFKA_GC_OPTS=(-XX:+UseZGC)
      # generational by default from Java 23, the only mode from 24 (which ignores the flag with a warning)
      if (($(java_major "$(dirname "$(dirname "$KAFKA_JAVA")")") < 23)); then
        KAFKA_GC_OPTS+=(-XX:+ZGenerational)
      fi
      ;;
    g1)
      KAFKA_JAVA=$(find_java 17 "${NEXURAL_STACK_KAFKA_JAVA_HOME:-}") ||
        die "Kafka needs Java 17+; none found in NEXURAL_STACK_KAFKA_JAVA_HOME, JAVA_HOME or /usr/lib/jvm"
      KAFKA_GC_OPTS=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20)
      ;;
    *) die "NEXURAL_STACK_KAFKA_GC=$KAFKA_GC: zgc or g1" ;;
  esac
}

kafka_prepare() {
  require_cmd java "install a JDK 17+ (apt-get install openjdk-17-jre-headless)"
  kafka_java
  require_cmd mvn "install Maven (apt-get install maven)"
  KAFKA_HOME=$(cached_dir "kafka-$KAFKA_VERSION" build_kafka_libs "libs/kafka_2.13-$KAFKA_VERSION.jar")
}

kafka_pid() { pid_of kafka "$KAFKA_DIR"; }

kafka_start() {
  if KAFKA_PID=$(kafka_pid); then
    KAFKA_STARTED=""
    return 0
  fi
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by a process this stack did not start"
  fi
  mkdir -p "$KAFKA_DIR/data"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$KAFKA_DIR/data|g" \
    "$ROOT/scripts/kafka/server.properties" >"$KAFKA_DIR/server.properties"
  local java_opts=(-Xms256m -Xmx512m "${KAFKA_GC_OPTS[@]}" -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.xml"
    -cp "$KAFKA_HOME/libs/*")
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding. One starting with '-'
    # (1 in 64) is taken by StorageTool's argument parser for an option, so draw again.
    local cluster_id
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    while [[ $cluster_id == -* ]]; do
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    done
    (cd "$KAFKA_DIR" && "$KAFKA_JAVA" "${java_opts[@]}" kafka.tools.StorageTool format --standalone \
      --cluster-id "$cluster_id" --config "$KAFKA_DIR/server.properties" >>"$KAFKA_LOG" 2>&1) ||
      die "formatting Kafka storage failed; last lines of $KAFKA_LOG:
$(tail -n 20 "$KAFKA_LOG")"
  fi
  KAFKA_STARTED=$(now)
  KAFKA_PID=$(spawn "$KAFKA_DIR" "$KAFKA_LOG" "$KAFKA_JAVA" "${java_opts[@]}" kafka.Kafka "$KAFKA_DIR/server.properties")
  printf '%s\n' "$KAFKA_PID" >"$RUN_DIR/kafka.pid"
}

# Ready = a client gets cluster metadata (kafkajs when installed, else the broker's own log line plus TCP).
kafka_ready() {
  if [[ -f "$ROOT/node_modules/kafkajs/package.json" ]]; then
    (cd "$ROOT" && node scripts/stack-probe.mjs kafka "127.0.0.1:$KAFKA_PORT")
  else
    grep -q 'Kafka Server started' "$KAFKA_LOG" && port_open "$KAFKA_PORT"
  fi
}

kafka_wait() {
  if [[ -z "$KAFKA_STARTED" ]]; then
    log "kafka already running (pid $KAFKA_PID)"
    return 0
  fi
  wait_ready kafka "$KAFKA_PID" "${NEXURAL_STACK_TIMEOUT:-180}" "$KAFKA_LOG" "$KAFKA_STARTED" kafka_ready
  log "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT in $(since "$KAFKA_STARTED")s"
}

kafka_stop() {
  local pid
  if pid=$(kafka_pid); then
    log "stopping kafka (pid $pid)"
    stop_pid kafka "$pid" 60
  fi
  rm -f "$RUN_DIR/kafka.pid"
}

kafka_status() {
  local pid
  if pid=$(kafka_pid); then
    status_line kafka up "pid $pid" "127.0.0.1:$KAFKA_PORT (kafka $KAFKA_VERSION)"
  else
    status_line kafka down
  fi
}
