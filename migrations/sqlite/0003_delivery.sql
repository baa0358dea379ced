-- Dispatch and delivery (SPEC §6): versioned channel policies, the delivery state of each dispatch
-- target, and one attempt per (month, user, round). Every time here is unix seconds from the
-- job's clock (simulated by `tr1l run`), never the database's. ports/delivery_store.h describes
-- the state machine.

-- At most one ACTIVE policy, enforced here rather than trusted to the callers.
CREATE TABLE dispatch_policy (
  version      INTEGER PRIMARY KEY CHECK (version >= 1),
  channels     TEXT    NOT NULL,  -- "EMAIL,SMS,KAKAO": round n uses the n-th channel
  state        TEXT    NOT NULL CHECK (state IN ('DRAFT', 'ACTIVE', 'RETIRED')),
  created_at   INTEGER NOT NULL,
  activated_at INTEGER,
  retired_at   INTEGER
);
CREATE UNIQUE INDEX dispatch_policy_one_active ON dispatch_policy (state) WHERE state = 'ACTIVE';

-- SQLite cannot add a CHECK to an existing column, so dispatch_target is rebuilt with the
-- delivery columns and the full list of statuses (SQLite's documented create-copy-drop-rename).
-- READY and FAILED belong to the invoice job, the rest to dispatch and delivery. `round` is the
-- round of the latest attempt while QUEUED, the round to try next while RETRY; `channel` is the
-- latest attempt's; `last_error` why the latest failed round failed.
CREATE TABLE dispatch_target_rebuilt (
  month            TEXT    NOT NULL,
  user_id          INTEGER NOT NULL,
  status           TEXT    NOT NULL
                   CHECK (status IN ('READY', 'FAILED', 'QUEUED', 'RETRY', 'SENT', 'EXHAUSTED')),
  invoice_revision INTEGER NOT NULL CHECK (invoice_revision >= 1),
  email_ciphertext BLOB,
  phone_ciphertext BLOB,
  email_bucket     TEXT,
  email_key        TEXT,
  email_size       INTEGER,
  email_sha256     TEXT,
  sms_bucket       TEXT,
  sms_key          TEXT,
  sms_size         INTEGER,
  sms_sha256       TEXT,
  send_day         INTEGER CHECK (send_day BETWEEN 1 AND 31),
  quiet_from       INTEGER CHECK (quiet_from BETWEEN 0 AND 23),
  quiet_to         INTEGER CHECK (quiet_to BETWEEN 0 AND 23),
  error            TEXT,
  updated_at       TEXT    NOT NULL,
  round            INTEGER NOT NULL DEFAULT 0 CHECK (round >= 0),
  channel          TEXT    CHECK (channel IN ('EMAIL', 'SMS', 'KAKAO')),
  policy_version   INTEGER,
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  INTEGER,
  last_error       TEXT,
  sent_at          INTEGER,
  PRIMARY KEY (month, user_id)
) WITHOUT ROWID;
INSERT INTO dispatch_target_rebuilt (month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
                                     email_bucket, email_key, email_size, email_sha256,
                                     sms_bucket, sms_key, sms_size, sms_sha256,
                                     send_day, quiet_from, quiet_to, error, updated_at)
SELECT month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
       email_bucket, email_key, email_size, email_sha256,
       sms_bucket, sms_key, sms_size, sms_sha256,
       send_day, quiet_from, quiet_to, error, updated_at
FROM dispatch_target;
DROP TABLE dispatch_target;
ALTER TABLE dispatch_target_rebuilt RENAME TO dispatch_target;
CREATE INDEX dispatch_target_status ON dispatch_target (month, status);

-- The dispatcher's due query walks this index in user id order. Only READY and RETRY rows are in
-- it, so claimed targets drop out and a claim never re-reads the rows claimed before it; the
-- schedule columns are in it so rows that are not due are skipped without reading the table.
CREATE INDEX dispatch_target_due
  ON dispatch_target (month, user_id, status, send_day, quiet_from, quiet_to, next_attempt_at)
  WHERE status IN ('READY', 'RETRY');

-- The duplicate guard: a round of a target is sent at most once, however often its request is
-- delivered. PUBLISHED → SENDING (claimed by a delivery worker) → SENT | FAILED | UNKNOWN.
CREATE TABLE delivery_attempt (
  month          TEXT    NOT NULL,
  user_id        INTEGER NOT NULL,
  round          INTEGER NOT NULL CHECK (round >= 0),
  channel        TEXT    NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'KAKAO')),
  policy_version INTEGER NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('PUBLISHED', 'SENDING', 'SENT', 'FAILED', 'UNKNOWN')),
  published_at   INTEGER NOT NULL,
  started_at     INTEGER,
  finished_at    INTEGER,
  owner          TEXT,  -- the delivery worker (common/worker_identity) while SENDING and after
  error          TEXT,
  PRIMARY KEY (month, user_id, round),
  FOREIGN KEY (month, user_id) REFERENCES dispatch_target (month, user_id),
  CONSTRAINT delivery_attempt_owner_once_claimed CHECK ((status = 'PUBLISHED') = (owner IS NULL))
) WITHOUT ROWID;
-- The sweeper's two questions: which published requests may have been lost, which sends are stuck.
-- Both list oldest first, ties in key order (the primary key ends every index of this table).
CREATE INDEX delivery_attempt_waiting ON delivery_attempt (published_at) WHERE status = 'PUBLISHED';
CREATE INDEX delivery_attempt_sending ON delivery_attempt (started_at) WHERE status = 'SENDING';
