#!/usr/bin/env bash
# Self-test for scripts/servers/kafka.sh: installs, starts a broker in a temp dir, creates a topic,
# produces and consumes a message with kcat, and always stops the broker. Non-zero exit on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kafka="$here/kafka.sh"
dir="$(mktemp -d "${TMPDIR:-/tmp}/tr1l-kafka-selftest.XXXXXX")"
failed=0

cleanup() {
  local rc=$?
  "$kafka" stop "$dir" || rc=1
  if ((rc == 0 && failed == 0)); then rm -rf "$dir"; else echo "kafka-selftest: kept $dir for inspection" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "kafka-selftest: FAIL: $*" >&2
  failed=1
  [[ -f "$dir/server.log" ]] && { echo "---- last 30 lines of $dir/server.log ----" >&2; tail -n 30 "$dir/server.log" >&2; }
  exit 1
}

"$kafka" install
started=$SECONDS
"$kafka" start "$dir"
echo "kafka-selftest: broker ready in $((SECONDS - started))s"
# shellcheck source=/dev/null
source "$dir/env"
pid="$(cat "$TR1L_TEST_KAFKA_PID_FILE")"

# auto.create.topics.enable=false: producing to an unknown topic must fail.
if printf 'x\n' | timeout 20 kcat -P -b "$TR1L_TEST_KAFKA_BROKERS" -t no-such-topic \
  -X message.timeout.ms=3000 -X topic.metadata.propagation.max.ms=1000 >/dev/null 2>&1; then
  fail "produce to a missing topic succeeded (auto-create should be off)"
fi

"$kafka" topic "$dir" tr1l-selftest 3 || fail "topic creation failed"
kcat -b "$TR1L_TEST_KAFKA_BROKERS" -L -t tr1l-selftest 2>&1 | grep -q '3 partitions' ||
  fail "topic tr1l-selftest does not have 3 partitions"

message="invoice-$RANDOM-$(date +%s)"
printf 'key1:%s\n' "$message" | timeout 30 kcat -P -b "$TR1L_TEST_KAFKA_BROKERS" -t tr1l-selftest \
  -K: -X request.required.acks=all || fail "produce failed"

consumed="$(timeout 30 kcat -C -b "$TR1L_TEST_KAFKA_BROKERS" -G tr1l-selftest-group tr1l-selftest \
  -c 1 -X auto.offset.reset=earliest -f '%k:%s\n' -X session.timeout.ms=6000 2>"$dir/consume.err")" ||
  { cat "$dir/consume.err" >&2; fail "consume failed"; }
[[ "$consumed" == "key1:$message" ]] || fail "consumed '$consumed', expected 'key1:$message'"

"$kafka" stop "$dir"
if kill -0 "$pid" 2>/dev/null; then fail "broker pid $pid still running after stop"; fi
"$kafka" stop "$dir" # stopping twice is a no-op
echo "kafka-selftest: OK (topic created, message produced and consumed via group, broker stopped)"
