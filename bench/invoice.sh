#!/usr/bin/env bash
# Invoice benchmark: seeds USERS customers (default 100,000) into the embedded SQLite default,
# settles the month, then times `tr1l invoice` (render, gzip, store, record targets) to a local
# directory and to a throwaway MinIO (scripts/servers/minio.sh, writer identity), and times the
# reference: s5cmd (scripts/servers/s5cmd.sh) uploading the very same objects — the local
# directory's tree, keys identical under a fresh prefix — to the same MinIO with the same writer
# credentials. Wall time, CPU and peak RSS come from GNU time (-v); MinIO's CPU from /proc.
#
# Usage: bench/invoice.sh              (or: make bench BENCH=invoice)
# Environment: USERS (100000), MONTH (2026-10), REPEATS (1; each repetition gets a fresh MinIO and
# runs ours and s5cmd back to back: ours first in odd-numbered runs, s5cmd first in even ones;
# FIRST_RUN (1) numbers the first run, so FIRST_RUN=2 starts with s5cmd), S5CMD_WORKERS ("32 default":
# --numworkers values, "default" = s5cmd's own 256), BENCH_MAX_LOAD (1.5) / BENCH_MAX_WAIT (1200 s):
# before each group of measurements wait, polling every 30 s, until the 1-minute load average is
# at most BENCH_MAX_LOAD and no other `tr1l` process runs, then go on anyway (the load is printed
# with every row).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tr1l="$root/build/tr1l"
users=${USERS:-100000}
month=${MONTH:-2026-10}
repeats=${REPEATS:-1}
first_run=${FIRST_RUN:-1}
s5cmd_workers=${S5CMD_WORKERS:-"32 default"}
max_load=${BENCH_MAX_LOAD:-1.5}
max_wait=${BENCH_MAX_WAIT:-1200}
bucket=tr1l-invoices

[[ -x "$tr1l" ]] || { echo "invoice.sh: $tr1l missing; run make" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "invoice.sh: GNU time (/usr/bin/time) missing; apt-get install time" >&2; exit 1; }
bash "$root/scripts/servers/minio.sh" install
s5cmd=$(bash "$root/scripts/servers/s5cmd.sh" path)

work=$(mktemp -d /tmp/tr1l-bench-invoice.XXXXXX)
chmod 755 "$work"
minio_dir=""
cleanup() {
  [[ -n "$minio_dir" ]] && bash "$root/scripts/servers/minio.sh" stop "$minio_dir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "invoice.sh: $*" >&2; }

load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits for a quiet machine (see the header); logs what else is running either way.
wait_quiet() {
  local waited=0
  # Busy: the load is above the limit, or another `tr1l` (someone else's benchmark) is running.
  while awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l > m) }' || pgrep -x tr1l >/dev/null; do
    if ((waited >= max_wait)); then
      log "load $(load1) (limit $max_load), other tr1l: $(pgrep -x tr1l | wc -l) after ${waited}s; measuring anyway"
      break
    fi
    log "load $(load1) (limit $max_load), other tr1l: $(pgrep -x tr1l | wc -l); waiting (${waited}s of ${max_wait}s)"
    sleep 30
    waited=$((waited + 30))
  done
  log "uptime:$(uptime)"
  log "busiest processes now:"
  ps -eo pid,pcpu,etime,args --sort=-pcpu | head -6 | cut -c1-150 >&2
  local others
  others=$(pgrep -a tr1l || true)
  [[ -n "$others" ]] && log "other tr1l processes running (may skew the numbers):"$'\n'"$others"
  return 0
}

# CPU seconds (user + system) the MinIO server has used so far; 0 when none is running.
minio_cpu() {
  local pid
  pid=$(cat "${TR1L_TEST_S3_PID_FILE:-/nonexistent}" 2>/dev/null) || { echo 0; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$pid/stat" 2>/dev/null || echo 0
}

# measure WHAT OBJECTS_FN CMD...: runs CMD under GNU time -v, prints one table row.
# OBJECTS_FN is a command that prints how many objects the run stored (counted afterwards).
measure() {
  local what=$1 count_fn=$2 load cpu_before cpu_after status=0
  shift 2
  load=$(load1)
  cpu_before=$(minio_cpu)
  /usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err" || status=$?
  cpu_after=$(minio_cpu)
  load="$load→$(load1)"
  # tr1l invoice exits 3 when some targets FAILED (none do with seeded data, which has contacts).
  if ((status != 0)); then
    cat "$work/out" >&2
    tail -n 20 "$work/err" >&2
    log "$what failed with exit status $status"
    return 1
  fi
  [[ -s "$work/out" ]] && sed 's/^/    /' "$work/out" >&2
  local objects
  objects=$("$count_fn")
  awk -F': ' -v run="$rep" -v what="$what" -v n="$objects" -v load="$load" -v server="$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.1f", b - a }')" '
    /Elapsed \(wall clock\) time/ {
      k = split($2, p, ":"); wall = 0
      for (i = 1; i <= k; i++) wall = wall * 60 + p[i]
    }
    /User time \(seconds\)/ { cpu += $2 }
    /System time \(seconds\)/ { cpu += $2 }
    /Maximum resident set size/ { rss = $2 / 1024 }
    function th(x,   s) {  # thousands separators (mawk has no %\047d)
      s = sprintf("%d", x)
      while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
      return s
    }
    END {
      printf "| %s | %s | %s | %.1f | %s | %.0f | %.1f | %s | %s |\n",
        run, what, th(n), wall, th(wall > 0 ? n / wall : 0), rss, cpu, (server == "0.0" ? "–" : server), load
    }' "$work/time" | tee -a "$work/table"
}

# Object keys under a directory tree, relative to it, sorted (hidden temporaries excluded).
tree_keys() { (cd "$1" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort); }
# Object keys MinIO holds under a prefix of the bucket (single-drive layout: KEY/xl.meta).
minio_keys() {
  (cd "$minio_data/$bucket/$1" && find . -name xl.meta | sed -e 's|^\./||' -e 's|/xl\.meta$||' | LC_ALL=C sort)
}

count_tree() { tree_keys "$tree" | wc -l; }
count_prefix() {
  # Verifies the upload is complete and has exactly the local tree's keys.
  if ! cmp -s <(minio_keys "$current_prefix") "$work/keys"; then
    log "keys under s3://$bucket/$current_prefix differ from the local tree"
    diff <(minio_keys "$current_prefix") "$work/keys" | head -5 >&2
    return 1
  fi
  wc -l <"$work/keys"
}

# A copy of the settled home, so every tr1l invoice run starts from the same uninvoiced month.
fresh_home() { rm -rf "$work/home"; cp -a "$work/seeded" "$work/home"; }

run_tr1l_s3() {
  fresh_home
  TR1L_HOME="$work/home" \
    TR1L_OBJECT_STORE="s3://$bucket?endpoint=$TR1L_TEST_S3_ENDPOINT&region=$TR1L_TEST_S3_REGION&path_style=1" \
    AWS_ACCESS_KEY_ID="$TR1L_TEST_S3_WRITER_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$TR1L_TEST_S3_WRITER_SECRET_KEY" \
    measure "tr1l invoice → MinIO" count_minio_month "$tr1l" invoice --month "$month"
}
count_minio_month() {
  if ! cmp -s <(minio_keys "$month" | sed "s|^|$month/|") "$work/keys"; then
    log "keys under s3://$bucket/$month/ differ from the local tree"
    return 1
  fi
  wc -l <"$work/keys"
}

run_s5cmd() {  # WORKERS ("default" or a number)
  local workers=$1 flags=()
  [[ $workers != default ]] && flags=(--numworkers "$workers")
  current_prefix="ref-s5cmd-$workers-r$rep"
  AWS_ACCESS_KEY_ID="$TR1L_TEST_S3_WRITER_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$TR1L_TEST_S3_WRITER_SECRET_KEY" \
    AWS_REGION="$TR1L_TEST_S3_REGION" \
    measure "s5cmd cp, $( [[ $workers == default ]] && echo "default workers (256)" || echo "--numworkers $workers")" \
    count_prefix "$s5cmd" --endpoint-url "$TR1L_TEST_S3_ENDPOINT" --log error "${flags[@]}" \
    cp "$tree/*" "s3://$bucket/$current_prefix/"
}

unset TR1L_DATABASE_URL TR1L_OBJECT_STORE TR1L_CONFIG TR1L_KEY_FILE TR1L_KEYS AWS_PROFILE AWS_SESSION_TOKEN \
  AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null  # the env identity only
export TR1L_LOG_LEVEL=${TR1L_LOG_LEVEL:-warn}

echo "tr1l invoice benchmark: $users customers, month $month, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ { print $2 }') GiB, $(uname -srm)"
echo "s5cmd $("$s5cmd" version) ($s5cmd); MinIO $(go version -m "${TR1L_CACHE:-$HOME/.cache/tr1l}/bin/minio" 2>/dev/null | awk '$1 == "mod" { print $3 }')"

export TR1L_HOME="$work/seeded"
log "seeding $users customers and settling $month"
"$tr1l" seed --users "$users" --month "$month" --seed 1 >/dev/null
"$tr1l" settle --month "$month" >/dev/null
unset TR1L_HOME

echo
header="| run | what | objects | wall s | objects/s | peak RSS MiB | client CPU s | MinIO CPU s | load 1m start→end |
|---|---|---|---|---|---|---|---|---|"
echo "$header"

for ((rep = first_run; rep < first_run + repeats; rep++)); do
  wait_quiet
  # Ours to a local directory: this tree is what the reference uploads.
  tree="$work/tree"
  rm -rf "$tree"
  fresh_home
  TR1L_HOME="$work/home" TR1L_OBJECT_STORE="file://$tree" \
    measure "tr1l invoice → local directory" count_tree "$tr1l" invoice --month "$month"
  tree_keys "$tree" >"$work/keys"
  log "local tree: $(wc -l <"$work/keys") objects, $(find "$tree" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }') MiB"

  minio_dir="$work/minio"
  rm -rf "$minio_dir"
  bash "$root/scripts/servers/minio.sh" start "$minio_dir" >/dev/null
  # shellcheck disable=SC1091
  source "$minio_dir/env"
  minio_data="$minio_dir/data"
  wait_quiet
  if ((rep % 2 == 1)); then
    run_tr1l_s3
    for workers in $s5cmd_workers; do run_s5cmd "$workers"; done
  else
    for workers in $s5cmd_workers; do run_s5cmd "$workers"; done
    run_tr1l_s3
  fi
  bash "$root/scripts/servers/minio.sh" stop "$minio_dir" >/dev/null
  rm -rf "$minio_dir" "$tree" "$work/home"
  unset TR1L_TEST_S3_PID_FILE
done

echo
echo "All measurements ($repeats repetition(s), $users customers):"
echo "$header"
cat "$work/table"
