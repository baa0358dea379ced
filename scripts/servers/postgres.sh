#!/usr/bin/env bash
# Starts/stops a throwaway PostgreSQL 15 server for TR1L integration tests: a fresh cluster in
# DIR/data on 127.0.0.1:<free port>, unix socket in DIR, fsync off, database tr1l_test, and
# DIR/env exporting TR1L_TEST_POSTGRES_URL. Quiet on success; prints the server log on failure.
# TR1L_POSTGRES_OPTIONS adds server options ("-c name=value ..."), e.g. for a benchmark's profile.
set -euo pipefail

usage() {
  cat >&2 <<'EOF_USAGE'
usage: postgres.sh start DIR    initialise and start a server in DIR, write DIR/env
       postgres.sh stop DIR     stop the server started in DIR (no-op if not running)
EOF_USAGE
  exit 2
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/ports.sh
source "$script_dir/../lib/ports.sh"

pg_bin="${TR1L_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
database="tr1l_test"
superuser="postgres"

die() { echo "postgres.sh: $*" >&2; exit 1; }

show_log() { # show_log FILE [LINES]
  if [[ -f "$1" ]]; then
    echo "---- last ${2:-40} lines of $1 ----" >&2
    tail -n "${2:-40}" "$1" >&2
    echo "----" >&2
  fi
}

# initdb and the server refuse to run as root: as root, run them as the postgres system user.
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

server_running() { # server_running DATA_DIR
  [[ -f "$1/postmaster.pid" ]] && as_server_user "$pg_bin/pg_ctl" -D "$1" status >/dev/null 2>&1
}

cmd_start() {
  [[ $# -eq 1 ]] || usage
  [[ -x "$pg_bin/initdb" ]] || die "PostgreSQL server binaries not found in $pg_bin (install postgresql-15)"
  mkdir -p "$1"
  local dir data log port
  dir="$(cd "$1" && pwd)"
  data="$dir/data"
  log="$dir/server.log"
  if server_running "$data"; then
    die "already running in $dir; run: postgres.sh stop $dir"
  fi

  # The server user must own DIR: it holds the data directory, the log and the unix socket.
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    # Every parent must be traversable by the postgres user.
    local parent="$dir"
    while [[ "$parent" != "/" ]]; do
      parent="$(dirname "$parent")"
      runuser -u postgres -- test -x "$parent" || die "postgres user cannot reach $parent (chmod o+x it)"
    done
  fi
  chmod 0755 "$dir"
  rm -rf "$data" "$dir/env"
  : >"$log"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$log"; fi

  if ! as_server_user "$pg_bin/initdb" -D "$data" -U "$superuser" -A trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1; then
    show_log "$dir/initdb.log"
    die "initdb failed"
  fi

  port="$(free_port)"
  if ! as_server_user "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${TR1L_POSTGRES_OPTIONS:-}" \
    start >"$dir/pg_ctl.log" 2>&1; then
    show_log "$dir/pg_ctl.log" 20
    show_log "$log"
    die "server did not start on 127.0.0.1:$port"
  fi

  if ! as_server_user "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$superuser" -d postgres \
    -c "CREATE DATABASE $database" >"$dir/psql.log" 2>&1; then
    show_log "$dir/psql.log" 20
    show_log "$log"
    cmd_stop "$dir"
    die "creating database $database failed"
  fi

  {
    echo "# PostgreSQL test server started by scripts/servers/postgres.sh; source this file."
    printf 'export TR1L_TEST_POSTGRES_URL=%q\n' "postgresql://$superuser@127.0.0.1:$port/$database"
    printf 'export TR1L_TEST_POSTGRES_DATA=%q\n' "$data"
    printf 'export TR1L_TEST_POSTGRES_LOG=%q\n' "$log"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  [[ -d "$1" ]] || return 0
  local dir data
  dir="$(cd "$1" && pwd)"
  data="$dir/data"
  server_running "$data" || return 0
  if ! as_server_user "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >"$dir/pg_ctl.log" 2>&1; then
    show_log "$dir/pg_ctl.log" 20
    show_log "$dir/server.log"
    die "pg_ctl stop failed for $data"
  fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
