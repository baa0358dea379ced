#!/usr/bin/env bash
# PostgreSQL's share of a delivery, without Kafka or tr1l: on a throwaway server, applies the
# migrations (all of them, or those up to UPTO, e.g. UPTO=0003 for the schema before the hot-path
# migration), stores TARGETS dispatch targets of realistic width, then replays the delivery
# store's statements (postgres_delivery_store.cpp: due read, queue-and-publish, claim, record)
# batch by batch in one PL/pgSQL procedure, and reports the microseconds per target of the whole
# cycle and how many target and attempt updates were HOT. Older schemas get today's statements. The
# statements mirror the adapter's; keep them in step when the adapter changes.
# Usage: bench/delivery_rows.sh   (or TARGETS=200000 BATCH=500 UPTO=0003 bench/delivery_rows.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
targets=${TARGETS:-200000}
batch=${BATCH:-500}
upto=${UPTO:-9999}
work=$(mktemp -d /tmp/tr1l-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  bash "$root/scripts/servers/postgres.sh" stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bash "$root/scripts/servers/postgres.sh" start "$work/postgres" >/dev/null
# shellcheck disable=SC1091
source "$work/postgres/env"
sql() { psql -X -q -v ON_ERROR_STOP=1 "$TR1L_TEST_POSTGRES_URL" "$@"; }

applied=()
for file in "$root"/migrations/postgres/*.sql; do
  name=$(basename "$file")
  [[ "${name%%_*}" > "$upto" ]] && break
  sql -f "$file"
  applied+=("$name")
done

# ~420-byte rows like the invoice job's: two AES-GCM envelopes, object keys and SHA-256 digests.
sql -c "INSERT INTO dispatch_target (month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
          email_bucket, email_key, email_size, email_sha256, sms_bucket, sms_key, sms_size, sms_sha256,
          send_day, quiet_from, quiet_to)
        SELECT '2026-10', id, 'READY', 1, decode(repeat(md5(id::text), 5), 'hex'), decode(repeat(md5(id::text), 3), 'hex'),
               'tr1l-invoices', '2026-10/' || id || '/email/bill.gz', 4100, repeat(md5(id::text), 2),
               'tr1l-invoices', '2026-10/' || id || '/sms/bill.txt', 300, repeat(md5(id::text), 2),
               1 + id % 28, 22, 7
        FROM generate_series(1, $targets) AS id" \
    -c "VACUUM ANALYZE dispatch_target"

sql <<'EOF'
CREATE PROCEDURE delivery_cycle(batch integer) LANGUAGE plpgsql AS $$
DECLARE
  users bigint[]; months text[]; rounds integer[]; count integer; found integer; last_user bigint := 0;
BEGIN
  LOOP
    SELECT array_agg(user_id ORDER BY user_id) INTO users FROM (
      SELECT user_id FROM dispatch_target
      WHERE month = '2026-10' AND user_id > last_user AND sent_at IS NULL AND status IN ('READY', 'RETRY')
        AND (status = 'READY' OR next_attempt_at <= 0) AND COALESCE(send_day, 1) <= 31
        AND NOT (quiet_from IS NOT NULL AND quiet_to IS NOT NULL
                 AND ((quiet_from < quiet_to AND 12 >= quiet_from AND 12 < quiet_to)
                   OR (quiet_from > quiet_to AND (12 >= quiet_from OR 12 < quiet_to))))
      ORDER BY user_id LIMIT batch FOR UPDATE SKIP LOCKED) AS due;
    EXIT WHEN users IS NULL;
    count := array_length(users, 1);
    last_user := users[count];
    months := array_fill('2026-10'::text, ARRAY[count]);
    rounds := array_fill(1, ARRAY[count]);

    -- dispatch: queue and publish
    WITH claim AS (
      SELECT * FROM unnest(users, rounds, array_fill('EMAIL'::text, ARRAY[count]), array_fill(1, ARRAY[count]))
        AS c (user_id, round, channel, policy_version)
    ), queued AS (
      UPDATE dispatch_target AS t
      SET status = 'QUEUED', round = c.round, channel = c.channel, policy_version = c.policy_version,
          attempts = t.attempts + 1, next_attempt_at = NULL, updated_at = to_timestamp(1)
      FROM claim AS c WHERE t.month = '2026-10' AND t.user_id = c.user_id
      RETURNING t.user_id, t.round, t.channel, t.policy_version
    )
    INSERT INTO delivery_attempt (month, user_id, round, channel, policy_version, status, published_at)
    SELECT '2026-10', user_id, round, channel, policy_version, 'PUBLISHED', 1 FROM queued;
    COMMIT;

    -- delivery: claim (a fenced update that brings the targets along)
    WITH request AS (
      SELECT * FROM unnest(months, users, rounds, array_fill('EMAIL'::text, ARRAY[count]),
                           array_fill('PUBLISHED'::text, ARRAY[count]))
        AS r (month, user_id, round, channel, expected_status)
    ), claimed AS (
      UPDATE delivery_attempt AS a SET status = 'SENDING', owner = 'bench-host:4242:0123abcd', started_at = 2
      FROM request AS r
      WHERE a.user_id = r.user_id AND a.month = r.month AND a.round = r.round
        AND a.channel = r.channel AND a.status = r.expected_status
      RETURNING a.month, a.user_id, a.round
    )
    SELECT count(target.user_id) INTO found FROM claimed
    LEFT JOIN LATERAL (
      SELECT t.* FROM dispatch_target AS t WHERE t.month = claimed.month AND t.user_id = claimed.user_id OFFSET 0
    ) AS target ON true;
    COMMIT;

    -- delivery: record (a fenced update of the attempts, and their targets move on)
    WITH outcome AS (
      SELECT * FROM unnest(months, users, rounds, array_fill(3::bigint, ARRAY[count]),
                           array_fill('SENDING'::text, ARRAY[count]))
        AS o (month, user_id, round, finished_at, expected_status)
    ), finished AS (
      UPDATE delivery_attempt AS a SET status = 'SENT', error = NULL, finished_at = o.finished_at
      FROM outcome AS o
      WHERE a.user_id = o.user_id AND a.month = o.month AND a.round = o.round
        AND a.status = o.expected_status AND a.owner = 'bench-host:4242:0123abcd'
      RETURNING o.*
    )
    UPDATE dispatch_target AS t
    SET status = 'SENT', sent_at = f.finished_at, updated_at = to_timestamp(f.finished_at)
    FROM finished AS f WHERE t.month = f.month AND t.user_id = f.user_id;
    COMMIT;
  END LOOP;
END $$;
EOF

start=$(date +%s.%N)
sql -c "CALL delivery_cycle($batch)"
end=$(date +%s.%N)
sql -c "SELECT pg_stat_force_next_flush()" >/dev/null
sleep 1
read -r sent updates hot attempt_updates attempt_hot < <(psql -X -At -F ' ' "$TR1L_TEST_POSTGRES_URL" -c "
  SELECT (SELECT count(*) FROM dispatch_target WHERE status = 'SENT'), t.n_tup_upd, t.n_tup_hot_upd,
         a.n_tup_upd, a.n_tup_hot_upd
  FROM pg_stat_user_tables AS t, pg_stat_user_tables AS a
  WHERE t.relname = 'dispatch_target' AND a.relname = 'delivery_attempt'")
[[ "$sent" -eq "$targets" ]] || { echo "delivery_rows.sh: $sent of $targets targets SENT" >&2; exit 1; }
echo "PostgreSQL delivery cycle: $targets targets, batches of $batch, migrations ${applied[0]} … ${applied[-1]}"
awk -v a="$start" -v b="$end" -v n="$targets" -v u="$updates" -v h="$hot" -v au="$attempt_updates" -v ah="$attempt_hot" 'BEGIN {
  printf "%.1f s, %.1f µs per target (one backend, wall clock); HOT updates: %d of %d to targets, %d of %d to attempts\n",
    b - a, (b - a) * 1e6 / n, h, u, ah, au }'
