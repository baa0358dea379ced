#!/usr/bin/env bash
# Installs (builds from the Go module proxy) and starts/stops a throwaway MinIO S3 server for
# TR1L integration tests, with bucket tr1l-invoices and least-privilege writer/reader identities.
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: minio.sh install        build minio + mc into ${TR1L_CACHE:-$HOME/.cache/tr1l}/bin
       minio.sh start DIR      start MinIO on 127.0.0.1:<free port>, data and DIR/env in DIR
       minio.sh stop DIR       stop the server started in DIR (no-op if not running)
EOF
  exit 2
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/ports.sh
source "$script_dir/../lib/ports.sh"
# shellcheck source=../lib/go_binaries.sh
source "$script_dir/../lib/go_binaries.sh"

# Pinned versions: the @latest pseudo-versions the reachable Go proxy serves (it refuses RELEASE.*
# tag and commit queries with 403 "This module version is not available"). Built with Go 1.26.8.
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
MC_VERSION="v0.0.0-20250313080218-cf909e1063a9"

cache_dir="${TR1L_CACHE:-$HOME/.cache/tr1l}"
bin_dir="$cache_dir/bin"
minio_bin="$bin_dir/minio"
mc_bin="$bin_dir/mc"
stamp_file="$bin_dir/.minio-mc.stamp"
stamp_text="minio@$MINIO_VERSION mc@$MC_VERSION"
start_timeout="${TR1L_MINIO_START_TIMEOUT:-60}"
bucket="tr1l-invoices"
region="us-east-1"

die() { echo "minio.sh: $*" >&2; exit 1; }

show_log() { # show_log FILE [LINES]
  if [[ -f "$1" ]]; then
    echo "---- last ${2:-40} lines of $1 ----" >&2
    tail -n "${2:-40}" "$1" >&2
    echo "----" >&2
  fi
}

# Random upper-case hex string of the given length (no SIGPIPE-prone pipelines under pipefail).
random_hex() {
  local hex
  hex="$(od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s' "${hex:0:$1}" | tr 'a-f' 'A-F'
}

cmd_install() {
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp_text" && -x "$minio_bin" && -x "$mc_bin" ]] &&
    binary_has_version "$minio_bin" github.com/minio/minio "$MINIO_VERSION" &&
    binary_has_version "$mc_bin" github.com/minio/mc "$MC_VERSION"; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "go is not installed (needed to build MinIO)"
  mkdir -p "$bin_dir" "$cache_dir/logs"
  rm -f "$stamp_file"
  local log="$cache_dir/logs/minio-install.log" module version
  : >"$log"
  echo "minio.sh: building minio@$MINIO_VERSION and mc@$MC_VERSION (first time takes minutes; log: $log)" >&2
  for module in minio mc; do
    if [[ $module == minio ]]; then version="$MINIO_VERSION"; else version="$MC_VERSION"; fi
    # Static binaries like MinIO's own release builds; -trimpath keeps them reproducible.
    if ! CGO_ENABLED=0 GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -trimpath" \
      go install "github.com/minio/$module@$version" >>"$log" 2>&1; then
      show_log "$log"
      die "go install github.com/minio/$module@$version failed"
    fi
  done
  binary_has_version "$minio_bin" github.com/minio/minio "$MINIO_VERSION" || die "$minio_bin does not report $MINIO_VERSION"
  binary_has_version "$mc_bin" github.com/minio/mc "$MC_VERSION" || die "$mc_bin does not report $MC_VERSION"
  echo "$stamp_text" >"$stamp_file"
}

pid_alive() { # pid_alive PIDFILE: prints the pid and succeeds if that process is our minio
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "minio server " || return 1
  echo "$pid"
}

# mc with its own config dir and an alias supplied through the environment (not argv).
run_mc() {
  MC_HOST_tr1l="http://$root_user:$root_password@127.0.0.1:$port" \
    "$mc_bin" --config-dir "$dir/mc" --quiet --no-color --disable-pager "$@" >>"$dir/mc.log" 2>&1
}

cmd_start() {
  [[ $# -eq 1 ]] || usage
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  local pid_file="$dir/minio.pid" log="$dir/server.log" pid
  if pid="$(pid_alive "$pid_file")"; then
    die "already running in $dir (pid $pid); run: minio.sh stop $dir"
  fi
  [[ -x "$minio_bin" && -x "$mc_bin" ]] || die "minio/mc not installed; run: minio.sh install"

  umask 077
  mkdir -p "$dir/data" "$dir/mc" "$dir/policies"
  port="$(free_port)"
  root_user="$(random_hex 20)"
  root_password="$(random_hex 40)"
  local writer_key writer_secret reader_key reader_secret
  writer_key="$(random_hex 20)"
  writer_secret="$(random_hex 40)"
  reader_key="$(random_hex 20)"
  reader_secret="$(random_hex 40)"
  : >"$dir/mc.log"

  # Credentials go through the environment only; `ps` shows just the address and data dir.
  MINIO_ROOT_USER="$root_user" MINIO_ROOT_PASSWORD="$root_password" \
    MINIO_SITE_REGION="$region" MINIO_BROWSER=off MINIO_UPDATE=off \
    nohup "$minio_bin" server --anonymous --address "127.0.0.1:$port" "$dir/data" \
    </dev/null >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pid_file"

  local deadline=$((SECONDS + start_timeout))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/minio/health/live" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log "$log"
      rm -f "$pid_file"
      die "minio exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      show_log "$log"
      cmd_stop "$dir"
      die "minio not live on 127.0.0.1:$port after ${start_timeout}s"
    fi
    sleep 0.2
  done

  cat >"$dir/policies/invoice-writer.json" <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$bucket/*"]
    }
  ]
}
EOF
  cat >"$dir/policies/invoice-reader.json" <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": ["arn:aws:s3:::$bucket/*"]
    }
  ]
}
EOF

  # The first admin call may race IAM initialisation right after "live"; retry it briefly.
  local ok=0
  while ((SECONDS < deadline)); do
    if run_mc mb --ignore-existing "tr1l/$bucket"; then ok=1; break; fi
    sleep 0.5
  done
  if ((ok == 0)) ||
    ! run_mc admin policy create tr1l invoice-writer "$dir/policies/invoice-writer.json" ||
    ! run_mc admin policy create tr1l invoice-reader "$dir/policies/invoice-reader.json" ||
    ! printf '%s\n' "$writer_secret" | run_mc admin user add tr1l "$writer_key" ||
    ! printf '%s\n' "$reader_secret" | run_mc admin user add tr1l "$reader_key" ||
    ! run_mc admin policy attach tr1l invoice-writer --user "$writer_key" ||
    ! run_mc admin policy attach tr1l invoice-reader --user "$reader_key"; then
    show_log "$dir/mc.log"
    show_log "$log" 20
    cmd_stop "$dir"
    die "configuring bucket/users with mc failed"
  fi

  {
    echo "# MinIO test server started by scripts/servers/minio.sh; source this file."
    printf 'export TR1L_TEST_S3_ENDPOINT=%q\n' "http://127.0.0.1:$port"
    printf 'export TR1L_TEST_S3_BUCKET=%q\n' "$bucket"
    printf 'export TR1L_TEST_S3_REGION=%q\n' "$region"
    printf 'export TR1L_TEST_S3_ROOT_ACCESS_KEY=%q\n' "$root_user"
    printf 'export TR1L_TEST_S3_ROOT_SECRET_KEY=%q\n' "$root_password"
    printf 'export TR1L_TEST_S3_WRITER_ACCESS_KEY=%q\n' "$writer_key"
    printf 'export TR1L_TEST_S3_WRITER_SECRET_KEY=%q\n' "$writer_secret"
    printf 'export TR1L_TEST_S3_READER_ACCESS_KEY=%q\n' "$reader_key"
    printf 'export TR1L_TEST_S3_READER_SECRET_KEY=%q\n' "$reader_secret"
    printf 'export TR1L_TEST_S3_PID_FILE=%q\n' "$pid_file"
    printf 'export TR1L_TEST_S3_LOG=%q\n' "$log"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  [[ -d "$1" ]] || return 0
  local d pid_file pid i
  d="$(cd "$1" && pwd)"
  pid_file="$d/minio.pid"
  if pid="$(pid_alive "$pid_file")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$pid_file"
}

case "${1:-}" in
  install) [[ $# -eq 1 ]] || usage; cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
