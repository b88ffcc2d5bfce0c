# shellcheck shell=bash
# Redis: the machine's own server on 127.0.0.1:6379 when it answers; otherwise one of ours on the same port
# (Debian's redis-server, loopback only, nothing persisted).

REDIS_DIR="$STACK_DIR/redis"
REDIS_LOG="$LOG_DIR/redis.log"

redis_answers() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_prepare() {
  command -v redis-cli >/dev/null 2>&1 && redis_answers && return 0
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
}

redis_pid() { pid_of redis "$REDIS_DIR"; }

redis_start() {
  REDIS_STARTED=""
  REDIS_PID=$(redis_pid) && return 0
  redis_answers && return 0
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is open but does not answer PING like Redis"
  mkdir -p "$REDIS_DIR"
  REDIS_STARTED=$(now)
  REDIS_PID=$(spawn "$REDIS_DIR" "$REDIS_LOG" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
    --appendonly no --dir "$REDIS_DIR" --daemonize no)
  printf '%s\n' "$REDIS_PID" >"$RUN_DIR/redis.pid"
}

redis_wait() {
  if [[ -z "$REDIS_STARTED" ]]; then
    log "redis already running on 127.0.0.1:$REDIS_PORT${REDIS_PID:+ (pid $REDIS_PID)}"
    return 0
  fi
  wait_ready redis "$REDIS_PID" "${NEXURAL_STACK_TIMEOUT:-180}" "$REDIS_LOG" "$REDIS_STARTED" redis_answers
  log "redis ready on 127.0.0.1:$REDIS_PORT in $(since "$REDIS_STARTED")s"
}

redis_stop() {
  local pid
  if pid=$(redis_pid); then
    log "stopping redis (pid $pid)"
    stop_pid redis "$pid" 30
  fi
  rm -f "$RUN_DIR/redis.pid"
}

redis_status() {
  local pid
  if pid=$(redis_pid); then
    status_line redis up "pid $pid" "127.0.0.1:$REDIS_PORT (started by this stack)"
  elif redis_answers; then
    status_line redis up external "127.0.0.1:$REDIS_PORT (not started by this stack; left alone by down)"
  else
    status_line redis down
  fi
}
