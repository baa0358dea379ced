-- Dispatch and delivery (SPEC §6): versioned channel policies, the delivery state of each dispatch
-- target, and one attempt per (month, user, round). Every time here is unix seconds from the
-- job's clock (simulated by `tr1l run`), never the database's now(). ports/delivery_store.h
-- describes the state machine.

-- At most one ACTIVE policy, enforced here rather than trusted to the callers.
CREATE TABLE dispatch_policy (
  version      INTEGER PRIMARY KEY CHECK (version >= 1),
  channels     TEXT    NOT NULL,  -- "EMAIL,SMS,KAKAO": round n uses the n-th channel
  state        TEXT    NOT NULL CHECK (state IN ('DRAFT', 'ACTIVE', 'RETIRED')),
  created_at   BIGINT  NOT NULL,
  activated_at BIGINT,
  retired_at   BIGINT
);
CREATE UNIQUE INDEX dispatch_policy_one_active ON dispatch_policy (state) WHERE state = 'ACTIVE';

-- READY and FAILED belong to the invoice job, the rest to dispatch and delivery. `round` is the
-- round of the latest attempt while QUEUED, the round to try next while RETRY; `channel` is the
-- latest attempt's; `last_error` why the latest failed round failed.
ALTER TABLE dispatch_target
  ADD COLUMN round           INTEGER NOT NULL DEFAULT 0 CHECK (round >= 0),
  ADD COLUMN channel         TEXT CHECK (channel IN ('EMAIL', 'SMS', 'KAKAO')),
  ADD COLUMN policy_version  INTEGER,
  ADD COLUMN attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN next_attempt_at BIGINT,
  ADD COLUMN last_error      TEXT,
  ADD COLUMN sent_at         BIGINT,
  ADD CONSTRAINT dispatch_target_status_known
    CHECK (status IN ('READY', 'FAILED', 'QUEUED', 'RETRY', 'SENT', 'EXHAUSTED'));

-- The dispatcher's due query walks this index in user id order. Only READY and RETRY rows are in
-- it, so claimed targets drop out and a claim never re-reads the rows claimed before it; the send
-- day is a key column so targets whose day has not come are skipped inside the index.
CREATE INDEX dispatch_target_due ON dispatch_target (month, user_id, (COALESCE(send_day, 1)))
  WHERE status IN ('READY', 'RETRY');

-- The duplicate guard: a round of a target is sent at most once, however often its request is
-- delivered. PUBLISHED → SENDING (claimed by a delivery worker) → SENT | FAILED | UNKNOWN.
CREATE TABLE delivery_attempt (
  month          TEXT    NOT NULL,
  user_id        BIGINT  NOT NULL,
  round          INTEGER NOT NULL CHECK (round >= 0),
  channel        TEXT    NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'KAKAO')),
  policy_version INTEGER NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('PUBLISHED', 'SENDING', 'SENT', 'FAILED', 'UNKNOWN')),
  published_at   BIGINT  NOT NULL,
  started_at     BIGINT,
  finished_at    BIGINT,
  owner          TEXT,  -- the delivery worker (common/worker_identity) while SENDING and after
  error          TEXT,
  PRIMARY KEY (month, user_id, round),
  FOREIGN KEY (month, user_id) REFERENCES dispatch_target (month, user_id),
  CONSTRAINT delivery_attempt_owner_once_claimed CHECK ((status = 'PUBLISHED') = (owner IS NULL))
);
-- The sweeper's two questions: which published requests may have been lost, which sends are stuck.
-- Both list oldest first, ties in key order.
CREATE INDEX delivery_attempt_waiting ON delivery_attempt (published_at, month, user_id, round)
  WHERE status = 'PUBLISHED';
CREATE INDEX delivery_attempt_sending ON delivery_attempt (started_at, month, user_id, round)
  WHERE status = 'SENDING';
