# shellcheck shell=bash
# TimescaleDB: a PostgreSQL cluster of our own (own data dir and port, the machine's cluster is left alone)
# with the timescaledb extension, installed from Debian when it offers a package for the local major, else
# built from Debian trixie's source package (Apache edition) against the local major.

PG_LOG="$LOG_DIR/timescaledb.log"
PG_DATABASE=nexural

pg_major() {
  if [[ -n "${NEXURAL_STACK_PG_MAJOR:-}" ]]; then
    printf '%s\n' "$NEXURAL_STACK_PG_MAJOR"
    return 0
  fi
  local dir major=""
  for dir in /usr/lib/postgresql/*/bin/postgres; do
    [[ -x "$dir" ]] || continue
    dir=${dir#/usr/lib/postgresql/}
    dir=${dir%%/*}
    if [[ -z "$major" ]] || ((dir > major)); then major=$dir; fi
  done
  [[ -n "$major" ]] && printf '%s\n' "$major"
}

# PostgreSQL refuses to run as root: as root, its commands run as the postgres user (setpriv execs in place,
# so a PID we record is the server's own).
AS_PG=()
[[ $EUID -eq 0 ]] && id -u postgres >/dev/null 2>&1 && AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups)

# The postgres user must be able to enter the data and socket folders. A checkout under a folder it cannot
# enter (such as /root) keeps its cluster under /var/tmp instead, in a folder named after the checkout.
if [[ ${#AS_PG[@]} -eq 0 ]] || "${AS_PG[@]}" test -x "$ROOT" 2>/dev/null; then
  PG_DATA="$STACK_DIR/pg"
  PG_SOCKET_DIR="$RUN_DIR/pg"
else
  PG_HOME="/var/tmp/nexural-stack-$(printf '%s' "$STACK_DIR" | cksum | cut -d ' ' -f 1)"
  PG_DATA="$PG_HOME/pg"
  PG_SOCKET_DIR="$PG_HOME/run"
fi

build_timescaledb() {
  local out="$1" mirror src buildlog="$LOG_DIR/timescaledb-build.log"
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n "$mirror" ]] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n "$mirror" ]] || mirror=http://deb.debian.org/debian
  log "timescaledb: fetching Debian trixie's source package from $mirror (apt config of the system untouched)"
  mkdir -p "$out/apt/lists/partial" "$out/src"
  printf 'deb-src %s trixie main\n' "$mirror" >"$out/apt/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$out/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$out/apt/lists")
  {
    apt-get "${apt_opts[@]}" update &&
      (cd "$out/src" && apt-get "${apt_opts[@]}" source --download-only timescaledb)
  } >"$buildlog" 2>&1 || {
    log "fetching the timescaledb source failed; tail of $buildlog:"
    tail -n 20 "$buildlog" >&2
    return 1
  }
  (cd "$out/src" && tar -xf timescaledb_*.orig.tar.xz) || return 1
  src=$(find "$out/src" -mindepth 1 -maxdepth 1 -type d -name 'timescaledb*' | head -n 1)
  log "timescaledb: building $(basename "$src") against PostgreSQL $PG_MAJOR (log: $buildlog)"
  {
    cd "$src" &&
      ./bootstrap -DPG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" -DAPACHE_ONLY=ON -DREGRESS_CHECKS=OFF \
        -DTAP_CHECKS=OFF -DUSE_TELEMETRY=OFF -DSEND_TELEMETRY_DEFAULT=OFF -DCMAKE_BUILD_TYPE=Release &&
      make -C build -j "$(nproc)" &&
      make -C build install DESTDIR="$out/root"
  } >>"$buildlog" 2>&1 || {
    log "building timescaledb failed; tail of $buildlog:"
    tail -n 30 "$buildlog" >&2
    return 1
  }
  rm -rf "$out/apt" "$src"
}

timescaledb_extension_installed() { [[ -f "/usr/share/postgresql/$PG_MAJOR/extension/timescaledb.control" ]]; }

timescaledb_prepare() {
  PG_MAJOR=$(pg_major) || true
  if [[ -z "$PG_MAJOR" ]]; then
    apt_install postgresql
    PG_MAJOR=$(pg_major) || die "no PostgreSQL server under /usr/lib/postgresql after installing it"
  fi
  PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
  timescaledb_extension_installed && return 0
  [[ $EUID -eq 0 ]] || die "timescaledb is not installed for PostgreSQL $PG_MAJOR, and installing it needs root"

  local name="timescaledb-pg$PG_MAJOR" staged
  local key="root/usr/share/postgresql/$PG_MAJOR/extension/timescaledb.control"
  if [[ ! -e "$CACHE_DIR/$name/$key" && ! -e "$MACHINE_CACHE/$name/$key" ]]; then
    apt_update_once
    if apt-cache policy "postgresql-$PG_MAJOR-timescaledb" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      apt_install "postgresql-$PG_MAJOR-timescaledb"
      timescaledb_extension_installed && return 0
      die "postgresql-$PG_MAJOR-timescaledb installed but timescaledb.control is missing"
    fi
    apt_install "postgresql-server-dev-$PG_MAJOR" cmake make gcc xz-utils
  fi
  staged=$(cached_dir "$name" build_timescaledb "$key")
  log "timescaledb: installing into /usr (lib and extension folders of PostgreSQL $PG_MAJOR)"
  cp -a "$staged/root/." /
  timescaledb_extension_installed || die "timescaledb.control still missing after installing $staged"
}

timescaledb_pid() { pid_of timescaledb "$PG_DATA"; }

# A server killed without a shutdown leaves postmaster.pid behind, and PostgreSQL refuses to start while
# the PID in it exists — which a just-killed server's zombie does for a moment, and a recycled PID may do
# for good. Returns 1 when a server of ours runs there after all (its PID file is then rewritten).
clear_stale_lock() {
  local lock="$PG_DATA/postmaster.pid" pid tries=0
  [[ -f "$lock" ]] || return 0
  pid=$(head -n 1 "$lock")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  while kill -0 "$pid" 2>/dev/null && ((tries < 50)); do
    if [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$(readlink -f "$PG_DATA")" ]]; then
      printf '%s\n' "$pid" >"$RUN_DIR/timescaledb.pid"
      TSDB_PID=$pid
      TSDB_STARTED=""
      return 1
    fi
    sleep 0.2
    tries=$((tries + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "timescaledb: PID $pid in $lock belongs to another process now; removing the stale lock file"
    rm -f "$lock"
  fi
}

timescaledb_start() {
  if TSDB_PID=$(timescaledb_pid); then
    TSDB_STARTED=""
    return 0
  fi
  port_open "$PG_PORT" && die "port $PG_PORT is taken by a process this stack did not start"
  mkdir -p "$PG_SOCKET_DIR"
  if [[ ${#AS_PG[@]} -gt 0 ]]; then
    chown postgres:postgres "$PG_SOCKET_DIR"
    "${AS_PG[@]}" test -w "$PG_SOCKET_DIR" || die "the postgres user cannot write to $PG_SOCKET_DIR"
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    [[ ${#AS_PG[@]} -gt 0 ]] && chown postgres:postgres "$PG_DATA"
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
      die "initdb failed; last lines of $PG_LOG:
$(tail -n 20 "$PG_LOG")"
  fi
  clear_stale_lock || return 0
  TSDB_STARTED=$(now)
  TSDB_PID=$(spawn "$PG_DATA" "$PG_LOG" "${AS_PG[@]}" "$PG_BIN/postgres" -D "$PG_DATA" -c listen_addresses=127.0.0.1 \
    -p "$PG_PORT" -k "$PG_SOCKET_DIR" -c shared_preload_libraries=timescaledb)
  printf '%s\n' "$TSDB_PID" >"$RUN_DIR/timescaledb.pid"
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

timescaledb_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres; }

timescaledb_wait() {
  if [[ -z "$TSDB_STARTED" ]]; then
    log "timescaledb already running (pid $TSDB_PID)"
    return 0
  fi
  wait_ready timescaledb "$TSDB_PID" "${NEXURAL_STACK_TIMEOUT:-180}" "$PG_LOG" "$TSDB_STARTED" timescaledb_ready
  if [[ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" ]]; then
    psql_admin -d postgres -c "CREATE DATABASE $PG_DATABASE" >>"$PG_LOG" 2>&1 ||
      die "creating database $PG_DATABASE failed; last lines of $PG_LOG:
$(tail -n 20 "$PG_LOG")"
  fi
  psql_admin -d "$PG_DATABASE" -c 'CREATE EXTENSION IF NOT EXISTS timescaledb' >>"$PG_LOG" 2>&1 ||
    die "CREATE EXTENSION timescaledb failed; last lines of $PG_LOG:
$(tail -n 20 "$PG_LOG")"
  log "timescaledb (PostgreSQL $PG_MAJOR) ready on 127.0.0.1:$PG_PORT in $(since "$TSDB_STARTED")s"
}

timescaledb_stop() {
  local pid
  if pid=$(timescaledb_pid); then
    log "stopping timescaledb (pid $pid)"
    # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to disconnect.
    stop_pid timescaledb "$pid" 60 INT
  fi
  rm -f "$RUN_DIR/timescaledb.pid"
}

timescaledb_status() {
  local pid
  if pid=$(timescaledb_pid); then
    status_line timescaledb up "pid $pid" "127.0.0.1:$PG_PORT (PostgreSQL $(pg_major), database $PG_DATABASE)"
  else
    status_line timescaledb down
  fi
}
