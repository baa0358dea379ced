#!/usr/bin/env bash
# Settlement benchmark: seeds USERS customers (default 1,000,000) and times `tr1l settle` on the
# embedded SQLite default and on a throwaway PostgreSQL server, reporting wall time, customers/s
# and peak RSS (GNU time). Usage: bench/settle.sh   (or: USERS=200000 bench/settle.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tr1l="$root/build/tr1l"
users=${USERS:-1000000}
month=${MONTH:-2026-10}
threads_list=${THREADS:-"1 2"}
backends=${BACKENDS:-"sqlite postgres"}
work=$(mktemp -d /tmp/tr1l-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  bash "$root/scripts/servers/postgres.sh" stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Runs a command under GNU time; prints "<wall seconds> <peak RSS MiB>".
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    cat "$work/out" "$work/err" >&2
    return 1
  }
  awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' "$work/time"
}

report() {  # backend, threads, wall, rss
  local rate
  rate=$(awk -v n="$billed" -v s="$3" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$billed" "$3" "$rate" "$4"
}

echo "tr1l settle benchmark: $users customers, month $month, $(nproc) cores, $(uname -srm)"
echo
echo "| backend | threads | bills | wall s | bills/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|"

# SQLite: seed once, copy the database for each thread count so every run starts unsettled.
if [[ " $backends " == *" sqlite "* ]]; then
export TR1L_HOME="$work/sqlite-seed"
export TR1L_DATABASE_URL=""
read -r seed_seconds seed_rss < <(measure "$tr1l" seed --users "$users" --month "$month" --seed 1)
echo "seed sqlite: ${seed_seconds}s, peak RSS ${seed_rss} MiB" >&2
for threads in $threads_list; do
  export TR1L_HOME="$work/sqlite-$threads"
  cp -r "$work/sqlite-seed" "$TR1L_HOME"
  read -r seconds rss < <(measure "$tr1l" settle --month "$month" --threads "$threads")
  billed=$("$tr1l" export bills --month "$month" | tail -n +2 | wc -l)
  report sqlite "$threads" "$seconds" "$rss"
  rm -rf "$TR1L_HOME"
done
fi

# PostgreSQL: one seeded database; each run clears the month's bills and run state first.
if [[ " $backends " == *" postgres "* ]]; then
bash "$root/scripts/servers/postgres.sh" start "$work/postgres" >/dev/null
# shellcheck disable=SC1091
source "$work/postgres/env"
export TR1L_DATABASE_URL="$TR1L_TEST_POSTGRES_URL"
export TR1L_HOME="$work/pg-home"
read -r seed_seconds seed_rss < <(measure "$tr1l" seed --users "$users" --month "$month" --seed 1)
echo "seed postgres: ${seed_seconds}s, peak RSS ${seed_rss} MiB" >&2
for threads in $threads_list; do
  psql -q "$TR1L_DATABASE_URL" -c "DELETE FROM bill" -c "DELETE FROM job_partition" -c "DELETE FROM job_run" \
    -c "VACUUM ANALYZE" >/dev/null
  read -r seconds rss < <(measure "$tr1l" settle --month "$month" --threads "$threads")
  billed=$("$tr1l" export bills --month "$month" | tail -n +2 | wc -l)
  report postgres "$threads" "$seconds" "$rss"
done
fi
