#!/usr/bin/env bash
# Starts/stops a local SMTP sink for TR1L integration tests (scripts/servers/smtp_sink.py on
# aiosmtpd): plain SMTP with STARTTLS on one loopback port, implicit TLS (smtps) on another, a
# throwaway self-signed certificate, AUTH with a random username and password, and every accepted
# message stored in DIR/messages. DIR/env exports
#   TR1L_TEST_SMTP_URL          smtp://127.0.0.1:PORT?from=billing@tr1l.example&starttls=off
#   TR1L_TEST_SMTPS_URL         smtps://127.0.0.1:PORT?from=billing@tr1l.example&ca_file=...
#   TR1L_TEST_SMTP_CA_FILE      the sink's certificate, to verify TLS against
#   TR1L_TEST_SMTP_USERNAME / TR1L_TEST_SMTP_PASSWORD   credentials the sink accepts
#   TR1L_TEST_SMTP_MAILDIR      where messages land (<unique>.eml with <unique>.json beside it)
# See smtp_sink.py for the recipients it refuses on purpose.
set -euo pipefail

usage() {
  cat >&2 <<'EOF_USAGE'
usage: smtp-sink.sh start DIR    start the sink, messages in DIR/messages, write DIR/env
       smtp-sink.sh stop DIR     stop the sink started in DIR (no-op if not running)
EOF_USAGE
  exit 2
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/ports.sh
source "$script_dir/../lib/ports.sh"

# Debian's interpreter: the python3 on PATH may be another install without python3-aiosmtpd.
python=/usr/bin/python3
start_timeout="${TR1L_SMTP_SINK_START_TIMEOUT:-20}"

die() { echo "smtp-sink.sh: $*" >&2; exit 1; }

show_log() { # show_log FILE [LINES]
  if [[ -f "$1" ]]; then
    echo "---- last ${2:-40} lines of $1 ----" >&2
    tail -n "${2:-40}" "$1" >&2
    echo "----" >&2
  fi
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# An exited sink stays a zombie until its reaper (not us: it was started by an earlier shell) gets
# to it, and kill -0 still succeeds on a zombie.
process_running() { # process_running PID
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

pid_alive() { # pid_alive PIDFILE: prints the pid and succeeds if that process is our sink
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  process_running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "smtp_sink.py " || return 1
  echo "$pid"
}

cmd_start() {
  [[ $# -eq 1 ]] || usage
  [[ -x "$python" ]] || die "$python not found (install python3)"
  "$python" -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd missing (install python3-aiosmtpd)"
  mkdir -p "$1"
  local dir pid_file log ready pid port tls_port username password
  dir="$(cd "$1" && pwd)"
  pid_file="$dir/smtp-sink.pid"
  log="$dir/server.log"
  ready="$dir/ready"
  if pid="$(pid_alive "$pid_file")"; then
    die "already running in $dir (pid $pid); run: smtp-sink.sh stop $dir"
  fi
  umask 077
  rm -f "$ready" "$dir/env"
  mkdir -p "$dir/messages" "$dir/tls"

  # A certificate for 127.0.0.1 and localhost that lives as long as this run needs it.
  if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=tr1l-smtp-sink" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" >"$dir/openssl.log" 2>&1; then
    show_log "$dir/openssl.log"
    die "creating the test certificate failed"
  fi
  chmod 600 "$dir/tls/key.pem"

  { read -r port; read -r tls_port; } < <(free_port 2)
  username="sink-$(random_hex 4)"
  password="$(random_hex 16)"
  # Credentials go through the environment only; `ps` shows ports and paths.
  TR1L_SINK_SMTP_USERNAME="$username" TR1L_SINK_SMTP_PASSWORD="$password" \
    nohup "$python" "$script_dir/smtp_sink.py" --port "$port" --tls-port "$tls_port" \
    --cert "$dir/tls/cert.pem" --key "$dir/tls/key.pem" --maildir "$dir/messages" --ready "$ready" \
    </dev/null >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pid_file"

  local deadline=$((SECONDS + start_timeout))
  until [[ -f "$ready" ]]; do
    if ! process_running "$pid"; then
      show_log "$log"
      rm -f "$pid_file"
      die "the sink exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      show_log "$log"
      cmd_stop "$dir"
      die "the sink was not ready on 127.0.0.1:$port after ${start_timeout}s"
    fi
    sleep 0.05
  done

  {
    echo "# SMTP sink started by scripts/servers/smtp-sink.sh; source this file."
    printf 'export TR1L_TEST_SMTP_URL=%q\n' "smtp://127.0.0.1:$port?from=billing@tr1l.example&starttls=off"
    printf 'export TR1L_TEST_SMTPS_URL=%q\n' "smtps://127.0.0.1:$tls_port?from=billing@tr1l.example&ca_file=$dir/tls/cert.pem"
    printf 'export TR1L_TEST_SMTP_CA_FILE=%q\n' "$dir/tls/cert.pem"
    printf 'export TR1L_TEST_SMTP_USERNAME=%q\n' "$username"
    printf 'export TR1L_TEST_SMTP_PASSWORD=%q\n' "$password"
    printf 'export TR1L_TEST_SMTP_MAILDIR=%q\n' "$dir/messages"
    printf 'export TR1L_TEST_SMTP_LOG=%q\n' "$log"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  [[ -d "$1" ]] || return 0
  local dir pid_file pid i
  dir="$(cd "$1" && pwd)"
  pid_file="$dir/smtp-sink.pid"
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
