#!/usr/bin/env bash
# Self-test for scripts/servers/minio.sh: starts MinIO in a temp dir and proves with curl's SigV4
# signing that the writer/reader identities are least-privilege; always stops it. Non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
minio="$here/minio.sh"
dir="$(mktemp -d "${TMPDIR:-/tmp}/tr1l-minio-selftest.XXXXXX")"
failures=0

cleanup() {
  local rc=$?
  "$minio" stop "$dir" || rc=1
  if ((rc == 0 && failures == 0)); then rm -rf "$dir"; else echo "minio-selftest: kept $dir for inspection" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$minio" install
started=$SECONDS
"$minio" start "$dir"
echo "minio-selftest: server ready and configured in $((SECONDS - started))s"
# shellcheck source=/dev/null
source "$dir/env"

work="$dir/selftest"
mkdir -p "$work"
empty_sha="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# s3 KEY SECRET METHOD PATH [CURL_ARGS...]: signed request; prints the HTTP status, body in $work/resp.
# The credentials reach curl through a config on stdin, not through argv.
s3() {
  local key="$1" secret="$2" method="$3" path="$4"
  shift 4
  curl -sS -o "$work/resp" -w '%{http_code}' -X "$method" --max-time 20 \
    --aws-sigv4 "aws:amz:$TR1L_TEST_S3_REGION:s3" -K - "$@" "$TR1L_TEST_S3_ENDPOINT$path" \
    <<<"user = \"$key:$secret\""
}

# expect NAME STATUS [ERROR_CODE] -- s3 args...
expect() {
  local name="$1" want_status="$2" want_code="$3" status
  shift 4
  status="$(s3 "$@" || true)"
  if [[ "$status" != "$want_status" ]] || { [[ -n "$want_code" ]] && ! grep -q "<Code>$want_code</Code>" "$work/resp"; }; then
    echo "FAIL  $name: got HTTP $status, want $want_status ${want_code}; body: $(head -c 400 "$work/resp" 2>/dev/null)" >&2
    failures=$((failures + 1))
  else
    echo "ok    $name (HTTP $status${want_code:+ $want_code})"
  fi
}

W=("$TR1L_TEST_S3_WRITER_ACCESS_KEY" "$TR1L_TEST_S3_WRITER_SECRET_KEY")
R=("$TR1L_TEST_S3_READER_ACCESS_KEY" "$TR1L_TEST_S3_READER_SECRET_KEY")
object="/$TR1L_TEST_S3_BUCKET/selftest/invoice-0001.html"
printf '<html><body>Invoice 0001 %s</body></html>\n' "$RANDOM$RANDOM" >"$work/body"
body_sha="$(sha256sum "$work/body" | cut -d' ' -f1)"
put_args=(--data-binary "@$work/body" -H "Content-Type: text/html" -H "x-amz-content-sha256: $body_sha")
get_args=(-H "x-amz-content-sha256: $empty_sha")

expect "writer PUT object" 200 "" -- "${W[@]}" PUT "$object" "${put_args[@]}"
expect "writer GET object denied" 403 AccessDenied -- "${W[@]}" GET "$object" "${get_args[@]}"
expect "writer LIST bucket denied" 403 AccessDenied -- "${W[@]}" GET "/$TR1L_TEST_S3_BUCKET?list-type=2" "${get_args[@]}"
expect "writer DELETE object denied" 403 AccessDenied -- "${W[@]}" DELETE "$object" "${get_args[@]}"
expect "reader GET object" 200 "" -- "${R[@]}" GET "$object" "${get_args[@]}"
if ! cmp -s "$work/resp" "$work/body"; then
  echo "FAIL  reader GET returned different bytes than were PUT" >&2
  failures=$((failures + 1))
fi
expect "reader PUT object denied" 403 AccessDenied -- "${R[@]}" PUT "/$TR1L_TEST_S3_BUCKET/selftest/by-reader.html" "${put_args[@]}"
expect "reader DELETE object denied" 403 AccessDenied -- "${R[@]}" DELETE "$object" "${get_args[@]}"
expect "writer wrong secret PUT" 403 SignatureDoesNotMatch -- "${W[0]}" "${W[1]}x" PUT "$object" "${put_args[@]}"
expect "reader wrong secret GET" 403 SignatureDoesNotMatch -- "${R[0]}" "WRONG${R[1]:5}" GET "$object" "${get_args[@]}"
expect "unknown access key GET" 403 InvalidAccessKeyId -- "NOSUCHKEY0000000000" "${R[1]}" GET "$object" "${get_args[@]}"
expect "tampered body PUT (hash mismatch)" 400 XAmzContentSHA256Mismatch -- "${W[@]}" PUT "$object" \
  --data-binary "@$work/body" -H "x-amz-content-sha256: $empty_sha"

# Multipart: the writer may start and abort an upload (s3:PutObject + s3:AbortMultipartUpload).
expect "writer initiate multipart upload" 200 "" -- "${W[@]}" POST "/$TR1L_TEST_S3_BUCKET/selftest/big.pdf?uploads=" "${get_args[@]}"
upload_id="$(sed -n 's:.*<UploadId>\([^<]*\)</UploadId>.*:\1:p' "$work/resp")"
if [[ -z "$upload_id" ]]; then
  echo "FAIL  no UploadId in multipart initiate response" >&2
  failures=$((failures + 1))
else
  upload_id_enc="$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$upload_id")"
  expect "writer list parts of own upload" 200 "" -- "${W[@]}" GET "/$TR1L_TEST_S3_BUCKET/selftest/big.pdf?uploadId=$upload_id_enc" "${get_args[@]}"
  expect "writer abort multipart upload" 204 "" -- "${W[@]}" DELETE "/$TR1L_TEST_S3_BUCKET/selftest/big.pdf?uploadId=$upload_id_enc" "${get_args[@]}"
fi

# Anonymous access is refused.
status="$(curl -sS -o "$work/resp" -w '%{http_code}' --max-time 20 "$TR1L_TEST_S3_ENDPOINT$object" || true)"
if [[ "$status" == 403 ]]; then echo "ok    anonymous GET denied (HTTP 403)"; else
  echo "FAIL  anonymous GET: HTTP $status, want 403" >&2
  failures=$((failures + 1))
fi

# Root secret is not visible in the process list; the server listens on loopback only.
pid="$(cat "$TR1L_TEST_S3_PID_FILE")"
if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$TR1L_TEST_S3_ROOT_SECRET_KEY"; then
  echo "FAIL  root secret appears on the minio command line" >&2
  failures=$((failures + 1))
else
  echo "ok    root secret not on the command line"
fi
if ! command -v ss >/dev/null 2>&1; then
  echo "skip  loopback-only check (ss not installed)"
else
  listening="$(ss -Hltnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' || true)"
  if [[ -z "$listening" ]] || grep -qvE '^(127\.0\.0\.1|\[::1\]):' <<<"$listening"; then
    echo "FAIL  minio listens on: ${listening:-nothing} (want loopback only)" >&2
    failures=$((failures + 1))
  else
    echo "ok    listening on loopback only ($(tr '\n' ' ' <<<"$listening"))"
  fi
fi

"$minio" stop "$dir"
if kill -0 "$pid" 2>/dev/null; then
  echo "FAIL  minio pid $pid still running after stop" >&2
  failures=$((failures + 1))
fi
"$minio" stop "$dir" # stopping twice is a no-op

if ((failures > 0)); then
  echo "minio-selftest: $failures check(s) failed" >&2
  exit 1
fi
echo "minio-selftest: OK"
