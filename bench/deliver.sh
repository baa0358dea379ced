#!/usr/bin/env bash
# Dispatch + delivery benchmark on PostgreSQL: seeds, settles and invoices USERS customers
# (default 1,000,000) once, then for each measurement resets every target to READY and times
#   1. zero-latency "mock" channels on Kafka: `tr1l deliver` consuming while `tr1l dispatch`
#      claims and publishes every target (end to end: dispatch start → last outcome recorded);
#   2. the same on the in-process bus (`tr1l run`, dispatcher and delivery in one process);
#   3. the original system's mock — 1 s latency on every channel, 1 % e-mail failure — on Kafka
#      through `tr1l run` (retry rounds included) with CONCURRENCY sends in flight.
# The reset also clears send days and quiet hours so a single instant makes every target due:
# this measures throughput, not the calendar. Usage: bench/deliver.sh  (or USERS=100000 ...;
# PARTS="kafka inproc latency" selects measurements; KAFKA_PASSES (2) repeats the Kafka one;
# DELIVER_PROCESSES ("1"; "1 2" for both) runs that many `tr1l deliver` members of the group,
# each with DELIVER_CONCURRENCY (32) senders;
# TR1L_KAFKA_EXTRA_PROPERTIES goes to the broker's configuration).
# After the table, the CPU each Kafka pass cost per delivery: PostgreSQL, broker, dispatch, deliver.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tr1l="${TR1L_BIN:-$root/build/tr1l}"  # TR1L_BIN: another build, for A/B comparisons
users=${USERS:-1000000}
month=${MONTH:-2026-10}
parts=${PARTS:-"kafka inproc latency"}
concurrency=${CONCURRENCY:-1200}
kafka_passes=${KAFKA_PASSES:-2}
deliver_processes=${DELIVER_PROCESSES:-1}
deliver_concurrency=${DELIVER_CONCURRENCY:-32}
work=$(mktemp -d /tmp/tr1l-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  bash "$root/scripts/servers/kafka.sh" stop "$work/kafka" >/dev/null 2>&1 || true
  bash "$root/scripts/servers/postgres.sh" stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rss_of() { awk '{ printf "%.0f", $2 / 1024 }' "$1"; }
# CPU seconds a server has used so far: the process, its live children, and the children it has
# reaped (PostgreSQL's backends end with the client's connection; their time moves to the
# postmaster's cutime/cstime, fields 16 and 17 of /proc/PID/stat).
ticks=$(getconf CLK_TCK)
server_cpu_seconds() {  # pid
  { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"
    for child in $(ps -o pid= --ppid "$1"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk -v hz="$ticks" '{ total += $1 } END { printf "%.2f", total / hz }'
}
client_cpu_seconds() { awk '{ total += $3 + $4 } END { printf "%.2f", total }' "$@"; }  # /usr/bin/time files
per_delivery_us() { awk -v s="$1" -v n="$targets" 'BEGIN { printf "%.0f", s * 1e6 / n }'; }

# A database server sized for the data, as an operator would run it: PostgreSQL's default 128 MB
# of shared buffers holds less than one month's dispatch targets at 200,000 customers, and then
# most page visits go through the kernel's cache (docs/BENCHMARKS.md). Delivery writes ~3 GB of
# WAL per million targets, so the default max_wal_size (1 GB) forces a checkpoint every ~20 s
# ("checkpoints are occurring too frequently"); 8 GB leaves checkpoints to the 5-minute timer,
# spread over it. TR1L_POSTGRES_OPTIONS=" " runs the defaults. The server logs its checkpoints
# and autovacuum runs; those that fall inside a timed pass are printed after it.
export TR1L_POSTGRES_OPTIONS=${TR1L_POSTGRES_OPTIONS:-"-c shared_buffers=2GB -c max_wal_size=8GB -c log_checkpoints=on -c log_autovacuum_min_duration=0"}
bash "$root/scripts/servers/postgres.sh" start "$work/postgres" >/dev/null
# shellcheck disable=SC1091
source "$work/postgres/env"
bash "$root/scripts/servers/kafka.sh" install >/dev/null
bash "$root/scripts/servers/kafka.sh" start "$work/kafka" >/dev/null
# shellcheck disable=SC1091
source "$work/kafka/env"
postgres_pid=$(head -1 "$work/postgres/data/postmaster.pid")
kafka_pid=$(cat "$work/kafka/kafka.pid")

export TR1L_DATABASE_URL="$TR1L_TEST_POSTGRES_URL"
export TR1L_HOME="$work/home"
export TR1L_EMAIL_CHANNEL=mock TR1L_SMS_CHANNEL=mock TR1L_KAKAO_CHANNEL=mock
export TR1L_LOG_LEVEL=warn

echo "preparing $users customers (seed, settle, invoice)..." >&2
# Each step's summary is shown only if it fails (an invoice directory out of space or inodes, …).
quietly() { "$@" >"$work/step.out" || { cat "$work/step.out" >&2; echo "deliver.sh: failed: $*" >&2; exit 1; }; }
quietly "$tr1l" seed --users "$users" --month "$month" --seed 1
quietly "$tr1l" settle --month "$month" --threads 2
quietly "$tr1l" invoice --month "$month" --threads 2
targets=$(psql -tAq "$TR1L_DATABASE_URL" -c "SELECT count(*) FROM dispatch_target WHERE month = '$month'")

reset_targets() {
  psql -q "$TR1L_DATABASE_URL" \
    -c "DELETE FROM delivery_attempt" \
    -c "UPDATE dispatch_target SET status = 'READY', round = 0, channel = NULL, policy_version = NULL, attempts = 0,
        next_attempt_at = NULL, last_error = NULL, sent_at = NULL, send_day = NULL, quiet_from = NULL, quiet_to = NULL" \
    -c "VACUUM ANALYZE" >/dev/null
}

report() {  # what, seconds, rss list
  local rate
  rate=$(awk -v n="$targets" -v s="$2" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$targets" "$2" "$rate" "$3"
}

echo "tr1l dispatch + delivery benchmark: $targets targets, $(nproc) cores, $(uname -srm)"
echo
echo "| measurement | targets | seconds | deliveries/s | peak RSS MiB |"
echo "|---|---|---|---|---|"

cpu_lines=()
if [[ " $parts " == *" kafka "* ]]; then
  # The broker starts cold: its JIT compiler takes a good share of the two cores during the first
  # pass, which a long-running broker does not pay. Each pass is reported; the last one is warm.
  for processes in $deliver_processes; do
    for pass in $(seq 1 "$kafka_passes"); do
      label="$processes deliver process$([[ $processes == 1 ]] || echo es), pass $pass of $kafka_passes"
      reset_targets
      export TR1L_BUS="kafka://$TR1L_TEST_KAFKA_BROKERS?topic_prefix=bench$(date +%s).&partitions=12"
      # The consumers are up before dispatch starts, as in production where they always are:
      # the clock starts once every `tr1l deliver` has joined the group and holds its partitions
      # (a process's own start-up still counts in its CPU). `deliver --until-idle` exits once
      # nothing has arrived for 3 s after joining, and logs, on the wall clock, when it recorded
      # its last outcome: the latest of those is the end. Nothing polls the database meanwhile.
      deliver_pids=()
      for member in $(seq 1 "$processes"); do
        TR1L_LOG_LEVEL=info /usr/bin/time -f "%e %M %U %S" -o "$work/deliver$member.time" "$tr1l" deliver --concurrency "$deliver_concurrency" \
          --until-idle >"$work/deliver$member.out" 2>"$work/deliver$member.err" &
        deliver_pids+=($!)
      done
      for _ in $(seq 1 300); do
        joined=0
        for member in $(seq 1 "$processes"); do
          grep -q "assigned [1-9][0-9]* partition" "$work/deliver$member.err" && joined=$((joined + 1))
        done
        [[ $joined == "$processes" ]] && break
        sleep 0.1
      done
      log_lines_before=$(wc -l <"$work/postgres/server.log")
      postgres_before=$(server_cpu_seconds "$postgres_pid")
      kafka_before=$(server_cpu_seconds "$kafka_pid")
      started=$(now)
      /usr/bin/time -f "%e %M %U %S" -o "$work/dispatch.time" "$tr1l" dispatch --month "$month" --at 2026-11-30T12:00 \
        >"$work/dispatch.out"
      dispatched=$(now)
      wait "${deliver_pids[@]}" || true
      sleep 1  # the backends of the exited clients are reaped
      postgres_cpu=$(awk -v a="$postgres_before" -v b="$(server_cpu_seconds "$postgres_pid")" 'BEGIN { print b - a }')
      kafka_cpu=$(awk -v a="$kafka_before" -v b="$(server_cpu_seconds "$kafka_pid")" 'BEGIN { print b - a }')
      dispatch_cpu=$(client_cpu_seconds "$work/dispatch.time")
      deliver_cpu=$(client_cpu_seconds "$work"/deliver*.time)
      total_cpu=$(awk -v a="$postgres_cpu" -v b="$kafka_cpu" -v c="$dispatch_cpu" -v d="$deliver_cpu" 'BEGIN { print a + b + c + d }')
      cpu_lines+=("$(printf '| %s | %s | %s | %s | %s | %s |' "$label" "$(per_delivery_us "$postgres_cpu")" \
        "$(per_delivery_us "$kafka_cpu")" "$(per_delivery_us "$dispatch_cpu")" "$(per_delivery_us "$deliver_cpu")" \
        "$(per_delivery_us "$total_cpu")")")
      cat "$work"/deliver*.out >&2
      tail -n +"$((log_lines_before + 1))" "$work/postgres/server.log" |
        grep -E "checkpoint starting|automatic (aggressive )?vacuum of table \"[^\"]*public|automatic analyze of table \"[^\"]*public" |
        sed "s/^/  PostgreSQL during $label: /" >&2 || true
      finished=$(cat "$work"/deliver*.err | grep -o 'last outcome recorded at unix time [0-9.]*' | grep -o '[0-9.]*$' |
        sort -n | tail -1)
      sent=$(psql -tAq "$TR1L_DATABASE_URL" -c "SELECT count(*) FROM dispatch_target WHERE status = 'SENT'")
      [[ "$sent" == "$targets" ]] || echo "deliver.sh: only $sent of $targets targets SENT" >&2
      rss=$(for member in $(seq 1 "$processes"); do echo "$(rss_of "$work/deliver$member.time")"; done | paste -sd+ -)
      report "Kafka, zero-latency mock, dispatch alone ($label)" "$(seconds_between "$started" "$dispatched")" \
        "$(rss_of "$work/dispatch.time")"
      report "Kafka, zero-latency mock, dispatch → last outcome ($label)" "$(seconds_between "$started" "${finished:-$started}")" \
        "$rss (deliver)"
    done
  done
fi

if [[ " $parts " == *" inproc "* ]]; then
  reset_targets
  export TR1L_BUS=inproc
  /usr/bin/time -f "%e %M" -o "$work/run.time" "$tr1l" run --month "$month" >"$work/run.out" 2>"$work/run.err"
  grep "deliver:" "$work/run.out" >&2
  seconds=$(grep -o '; [0-9.]* s (' "$work/run.out" | tail -1 | tr -dc '0-9.')
  report "in-process bus, zero-latency mock (tr1l run)" "$seconds" "$(rss_of "$work/run.time")"
fi

if [[ " $parts " == *" latency "* ]]; then
  reset_targets
  export TR1L_BUS="kafka://$TR1L_TEST_KAFKA_BROKERS?topic_prefix=latency$(date +%s).&partitions=12"
  export TR1L_DELIVERY_CONCURRENCY="$concurrency"
  /usr/bin/time -f "%e %M" -o "$work/run.time" "$tr1l" run --month "$month" \
    --latency email=1s,sms=1s,kakao=1s --fail email=0.01 >"$work/run.out" 2>"$work/run.err"
  grep "deliver:\|targets" "$work/run.out" >&2
  seconds=$(grep -o '; [0-9.]* s (' "$work/run.out" | tail -1 | tr -dc '0-9.')
  report "Kafka, 1 s latency, 1 % e-mail failure, $concurrency in flight (tr1l run)" "$seconds" "$(rss_of "$work/run.time")"
fi

if [[ ${#cpu_lines[@]} -gt 0 ]]; then
  echo
  echo "CPU per delivery on the Kafka passes, in µs (servers: the process and its children; the"
  echo "kernel's own work, such as loopback networking, is partly outside these):"
  echo
  echo "| pass | PostgreSQL | Kafka broker | tr1l dispatch | tr1l deliver | total |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${cpu_lines[@]}"
fi
