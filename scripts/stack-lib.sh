# shellcheck shell=bash
# Shared helpers for scripts/stack (sourced, not run). Progress goes to stderr; stdout is kept for env lines.

STACK_DIR="$ROOT/.stack"
LOG_DIR="$STACK_DIR/logs"
RUN_DIR="$STACK_DIR/run"
CACHE_DIR="$STACK_DIR/cache"
# A second clone on the same machine (CI) reuses downloads and builds from here instead of starting over.
MACHINE_CACHE="${NEXURAL_STACK_MACHINE_CACHE:-/var/cache/nexural-stack}"

KAFKA_PORT="${NEXURAL_STACK_KAFKA_PORT:-39092}"
KAFKA_CONTROLLER_PORT="${NEXURAL_STACK_KAFKA_CONTROLLER_PORT:-39093}"
REGISTRY_PORT="${NEXURAL_STACK_REGISTRY_PORT:-38081}"
REGISTRY_MANAGEMENT_PORT="${NEXURAL_STACK_REGISTRY_MANAGEMENT_PORT:-38082}"
PG_PORT="${NEXURAL_STACK_PG_PORT:-35432}"
REDIS_PORT="${NEXURAL_STACK_REDIS_PORT:-6379}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

now() { date +%s.%N; }
# Seconds since a timestamp taken with `now`, one decimal.
since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'; }

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found; $2"
}

APT_UPDATED=0
apt_update_once() {
  [[ $APT_UPDATED -eq 1 ]] && return 0
  log "apt-get update"
  apt-get -o DPkg::Lock::Timeout=600 update -q >"$LOG_DIR/apt.log" 2>&1 || die "apt-get update failed; tail of $LOG_DIR/apt.log:
$(tail -n 20 "$LOG_DIR/apt.log")"
  APT_UPDATED=1
}

# Installs the Debian packages of the list that are not installed yet (root only).
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $EUID -eq 0 ]] || die "missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
  apt_update_once
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 ||
    die "apt-get install ${missing[*]} failed; tail of $LOG_DIR/apt.log:
$(tail -n 20 "$LOG_DIR/apt.log")"
}

# Prints the path of a cached folder NAME, building it with the function BUILD (called with the target
# folder) when neither .stack/cache nor the machine-level cache has it. A build lands in a temporary folder
# and is renamed when complete, so an interrupted build is never mistaken for a finished one; a cached
# folder without the file KEY (a path inside it) is not trusted either.
cached_dir() {
  local name="$1" build="$2" key="$3" local_path="$CACHE_DIR/$1" target tmp
  if [[ -f "$local_path/.complete" && -e "$local_path/$key" ]]; then
    printf '%s\n' "$local_path"
    return 0
  fi
  rm -rf "$local_path"
  if [[ -f "$MACHINE_CACHE/$name/.complete" && -e "$MACHINE_CACHE/$name/$key" ]]; then
    ln -s "$MACHINE_CACHE/$name" "$local_path"
    printf '%s\n' "$local_path"
    return 0
  fi
  if mkdir -p "$MACHINE_CACHE" 2>/dev/null && [[ -w "$MACHINE_CACHE" ]]; then target="$MACHINE_CACHE/$name"; else target="$local_path"; fi
  tmp="$target.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  "$build" "$tmp" || {
    rm -rf "$tmp"
    die "building $name failed"
  }
  [[ -e "$tmp/$key" ]] || die "building $name left no $key"
  touch "$tmp/.complete"
  # Another checkout may have finished the same build meanwhile: keep the first one.
  if [[ -f "$target/.complete" && -e "$target/$key" ]]; then
    rm -rf "$tmp"
  else
    rm -rf "$target"
    mv -T "$tmp" "$target"
  fi
  [[ "$target" == "$local_path" ]] || ln -s "$target" "$local_path"
  printf '%s\n' "$local_path"
}

# A PID file names a live process of ours only if that process still runs in the folder we started it in:
# a recycled PID belongs to someone else and must never be signalled.
pid_of() {
  local pidfile="$RUN_DIR/$1.pid" dir="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$(readlink -f "$dir")" ]] || return 1
  printf '%s\n' "$pid"
}

# Major version of the JDK at a home folder, read from its release file (no JVM start).
java_major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null; }

# The java binary of the first JDK of at least MIN_MAJOR in: PREFERRED_HOME (when set), JAVA_HOME, the java on
# the PATH, /usr/lib/jvm/*.
find_java() {
  local min_major="$1" preferred="${2:-}" home major
  for home in $preferred ${JAVA_HOME:-} "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/*; do
    [[ -x "$home/bin/java" ]] || continue
    major=$(java_major "$home")
    if [[ -n "$major" ]] && ((major >= min_major)); then
      printf '%s\n' "$home/bin/java"
      return 0
    fi
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until CHECK (a command) succeeds; fails with the tail of LOGFILE when the process dies or TIMEOUT passes.
wait_ready() {
  local name="$1" pid="$2" timeout="$3" logfile="$4" started="$5"
  shift 5
  while ! "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      die "$name exited during startup; last lines of $logfile:
$(tail -n 40 "$logfile" 2>/dev/null)"
    fi
    if awk -v s="$started" -v e="$(now)" -v t="$timeout" 'BEGIN { exit !(e - s > t) }'; then
      die "$name not ready after ${timeout}s; last lines of $logfile:
$(tail -n 40 "$logfile" 2>/dev/null)"
    fi
    sleep 0.3
  done
}

# Sends SIGNAL (default TERM), waits up to TIMEOUT seconds, then KILL.
stop_pid() {
  local name="$1" pid="$2" timeout="${3:-30}" signal="${4:-TERM}" waited=0
  kill -"$signal" "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= timeout * 10)); then
      log "$name (pid $pid) ignored $signal for ${timeout}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Starts a command detached in its own session (so a Ctrl-C in the caller's terminal does not reach it),
# in folder DIR, with output appended to LOGFILE and without the stack's lock fd; prints its PID.
spawn() {
  local dir="$1" logfile="$2"
  shift 2
  (cd "$dir" && exec setsid "$@" </dev/null >>"$logfile" 2>&1 9>&-) &
  printf '%s\n' "$!"
}

status_line() { printf '%-12s %-5s %-10s %s\n' "$1" "$2" "${3:-}" "${4:-}"; }
