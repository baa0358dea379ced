#!/usr/bin/env bash
# Runs every test, the way `make test` and CI do: first the unit tests under AddressSanitizer and
# UndefinedBehaviorSanitizer, then, with the real servers the integration tests need started on
# loopback (throwaway PostgreSQL, MinIO, a Kafka broker, an SMTP sink and a fake SMS/KakaoTalk
# gateway), every suite through ctest; the servers are stopped however it ends.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build_dir=${BUILD_DIR:-build}

echo "== unit tests under ASan/UBSan"
make --no-print-directory test-asan

work=$(mktemp -d /tmp/tr1l-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  bash scripts/servers/fake-gateway.sh stop "$work/gateway" >/dev/null 2>&1 || true
  bash scripts/servers/smtp-sink.sh stop "$work/smtp" >/dev/null 2>&1 || true
  bash scripts/servers/kafka.sh stop "$work/kafka" >/dev/null 2>&1 || true
  bash scripts/servers/minio.sh stop "$work/minio" >/dev/null 2>&1 || true
  bash scripts/servers/postgres.sh stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting PostgreSQL"
bash scripts/servers/postgres.sh start "$work/postgres"
# shellcheck disable=SC1091
source "$work/postgres/env"

echo "== starting MinIO"
# Built from the Go module proxy into a cache the first time (minutes), then reused.
bash scripts/servers/minio.sh install
bash scripts/servers/minio.sh start "$work/minio"
# shellcheck disable=SC1091
source "$work/minio/env"

echo "== starting Kafka"
# Broker jars from Maven Central into the same cache the first time (under a minute), then reused.
bash scripts/servers/kafka.sh install
bash scripts/servers/kafka.sh start "$work/kafka"
# shellcheck disable=SC1091
source "$work/kafka/env"

echo "== starting the SMTP sink and the fake SMS/KakaoTalk gateway"
bash scripts/servers/smtp-sink.sh start "$work/smtp"
# shellcheck disable=SC1091
source "$work/smtp/env"
bash scripts/servers/fake-gateway.sh start "$work/gateway"
# shellcheck disable=SC1091
source "$work/gateway/env"

# Integration tests fail instead of skipping when a server they need is missing.
export TR1L_REQUIRE_SERVERS=1

echo "== unit and integration tests"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900
