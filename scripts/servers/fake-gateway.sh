#!/usr/bin/env bash
# Starts/stops the fake SMS / KakaoTalk HTTP gateway for TR1L integration tests
# (scripts/servers/fake_gateway.py, Python standard library) on a free loopback port, with a
# random bearer token it requires. DIR/env exports
#   TR1L_TEST_GATEWAY_URL     http://127.0.0.1:PORT/v1/messages
#   TR1L_TEST_GATEWAY_TOKEN   the token it accepts (give it to the sender as TR1L_GATEWAY_TOKEN)
#   TR1L_TEST_GATEWAY_LOG     received.jsonl: one line per accepted message (not per retry)
#   TR1L_TEST_GATEWAY_TRIES   tries.jsonl: one line per request and its answer
# See fake_gateway.py for the failures a test can ask for through the "to" field.
set -euo pipefail

usage() {
  cat >&2 <<'EOF_USAGE'
usage: fake-gateway.sh start DIR    start the gateway, logs in DIR, write DIR/env
       fake-gateway.sh stop DIR     stop the gateway started in DIR (no-op if not running)
EOF_USAGE
  exit 2
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/ports.sh
source "$script_dir/../lib/ports.sh"

python=/usr/bin/python3
start_timeout="${TR1L_FAKE_GATEWAY_START_TIMEOUT:-20}"

die() { echo "fake-gateway.sh: $*" >&2; exit 1; }

show_log() { # show_log FILE [LINES]
  if [[ -f "$1" ]]; then
    echo "---- last ${2:-40} lines of $1 ----" >&2
    tail -n "${2:-40}" "$1" >&2
    echo "----" >&2
  fi
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# An exited gateway stays a zombie until its reaper gets to it, and kill -0 still succeeds on a
# zombie.
process_running() { # process_running PID
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

pid_alive() { # pid_alive PIDFILE: prints the pid and succeeds if that process is our gateway
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  process_running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "fake_gateway.py " || return 1
  echo "$pid"
}

cmd_start() {
  [[ $# -eq 1 ]] || usage
  [[ -x "$python" ]] || die "$python not found (install python3)"
  mkdir -p "$1"
  local dir pid_file log ready pid port token
  dir="$(cd "$1" && pwd)"
  pid_file="$dir/fake-gateway.pid"
  log="$dir/server.log"
  ready="$dir/ready"
  if pid="$(pid_alive "$pid_file")"; then
    die "already running in $dir (pid $pid); run: fake-gateway.sh stop $dir"
  fi
  umask 077
  rm -f "$ready" "$dir/env"
  : >"$dir/received.jsonl"
  : >"$dir/tries.jsonl"

  port="$(free_port)"
  token="$(random_hex 24)"
  # The token goes through the environment only; `ps` shows the port and paths.
  TR1L_FAKE_GATEWAY_TOKEN="$token" nohup "$python" "$script_dir/fake_gateway.py" --port "$port" \
    --received "$dir/received.jsonl" --tries "$dir/tries.jsonl" --ready "$ready" \
    </dev/null >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pid_file"

  local deadline=$((SECONDS + start_timeout))
  until [[ -f "$ready" ]]; do
    if ! process_running "$pid"; then
      show_log "$log"
      rm -f "$pid_file"
      die "the gateway exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      show_log "$log"
      cmd_stop "$dir"
      die "the gateway was not ready on 127.0.0.1:$port after ${start_timeout}s"
    fi
    sleep 0.05
  done

  {
    echo "# Fake SMS/KakaoTalk gateway started by scripts/servers/fake-gateway.sh; source this file."
    printf 'export TR1L_TEST_GATEWAY_URL=%q\n' "http://127.0.0.1:$port/v1/messages"
    printf 'export TR1L_TEST_GATEWAY_TOKEN=%q\n' "$token"
    printf 'export TR1L_TEST_GATEWAY_LOG=%q\n' "$dir/received.jsonl"
    printf 'export TR1L_TEST_GATEWAY_TRIES=%q\n' "$dir/tries.jsonl"
    printf 'export TR1L_TEST_GATEWAY_SERVER_LOG=%q\n' "$log"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  [[ -d "$1" ]] || return 0
  local dir pid_file pid i
  dir="$(cd "$1" && pwd)"
  pid_file="$dir/fake-gateway.pid"
  if pid="$(pid_alive "$pid_file")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      process_running "$pid" || break
      sleep 0.05
    done
    if process_running "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file" "$dir/ready"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
