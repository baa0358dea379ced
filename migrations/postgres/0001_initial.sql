-- TR1L schema, PostgreSQL flavour; mirrors migrations/sqlite/0001_initial.sql. Dates are DATE,
-- months 'YYYY-MM' text, money BIGINT won, contact details AES-256-GCM envelopes
-- (crypto/pii_cipher.h) plus HMAC blind indexes as BYTEA. Lease deadlines are database time
-- (TIMESTAMPTZ compared with now()) so workers on machines with skewed clocks agree.

CREATE TABLE customer (
  user_id          BIGINT   PRIMARY KEY,
  name             TEXT     NOT NULL,
  birth_date       DATE     NOT NULL,
  email_ciphertext BYTEA,
  email_index      BYTEA,
  phone_ciphertext BYTEA,
  phone_index      BYTEA,
  plan_code        TEXT,
  welfare_code     TEXT,
  status           TEXT     NOT NULL CHECK (status IN ('ACTIVE', 'WITHDRAWN', 'BANNED')),
  role             TEXT     NOT NULL CHECK (role IN ('USER', 'ADMIN', 'GUEST')),
  send_day         SMALLINT CHECK (send_day BETWEEN 1 AND 31),
  quiet_from       SMALLINT CHECK (quiet_from BETWEEN 0 AND 23),
  quiet_to         SMALLINT CHECK (quiet_to BETWEEN 0 AND 23)
);
CREATE INDEX customer_email_index ON customer (email_index);
CREATE INDEX customer_phone_index ON customer (phone_index);
-- Settlement reads only billable customers; this lets partition bounds and billing pages walk
-- them in id order without touching the others.
CREATE INDEX customer_billable ON customer (user_id)
  WHERE status = 'ACTIVE' AND role = 'USER' AND plan_code IS NOT NULL;

-- The identity columns stand in for SQLite's rowid: they keep the operator's load order, which
-- settlement reads back so a customer's bill lines come out in the same order on every run.
CREATE TABLE contract (
  contract_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     BIGINT NOT NULL REFERENCES customer (user_id),
  start_date  DATE   NOT NULL,
  end_date    DATE   NOT NULL CONSTRAINT contract_ends_after_start CHECK (end_date >= start_date)
);
CREATE INDEX contract_user ON contract (user_id, contract_id);

CREATE TABLE addon_subscription (
  subscription_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         BIGINT NOT NULL REFERENCES customer (user_id),
  option_code     TEXT   NOT NULL,
  start_date      DATE   NOT NULL,
  end_date        DATE   NOT NULL CONSTRAINT addon_subscription_ends_after_start CHECK (end_date >= start_date)
);
CREATE INDEX addon_subscription_user ON addon_subscription (user_id, subscription_id);

CREATE TABLE military_service (
  user_id    BIGINT PRIMARY KEY REFERENCES customer (user_id),
  start_date DATE   NOT NULL,
  end_date   DATE   CONSTRAINT military_service_ends_after_start CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TABLE data_usage (
  user_id BIGINT NOT NULL REFERENCES customer (user_id),
  month   TEXT   NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  used_mb BIGINT NOT NULL CHECK (used_mb >= 0),
  PRIMARY KEY (user_id, month)
);

-- The run gate of every monthly job, and the partitions workers lease.
CREATE TABLE job_run (
  job         TEXT        NOT NULL,
  month       TEXT        NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status      TEXT        NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED')),
  partitions  INTEGER     NOT NULL CHECK (partitions > 0),
  started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at TIMESTAMPTZ,
  PRIMARY KEY (job, month),
  CONSTRAINT job_run_finished_when_completed CHECK ((status = 'COMPLETED') = (finished_at IS NOT NULL))
);

-- A partition covers user ids (low_exclusive, high_inclusive]; everything up to checkpoint is
-- committed. owner/lease_expires_at describe the current lease (both NULL when none was taken
-- or it was given up).
CREATE TABLE job_partition (
  job              TEXT        NOT NULL,
  month            TEXT        NOT NULL,
  partition        INTEGER     NOT NULL CHECK (partition >= 0),
  low_exclusive    BIGINT      NOT NULL,
  high_inclusive   BIGINT      NOT NULL,
  checkpoint       BIGINT      NOT NULL,
  status           TEXT        NOT NULL CHECK (status IN ('PENDING', 'DONE')),
  owner            TEXT,
  lease_expires_at TIMESTAMPTZ,
  PRIMARY KEY (job, month, partition),
  FOREIGN KEY (job, month) REFERENCES job_run (job, month),
  CONSTRAINT job_partition_range_not_empty CHECK (low_exclusive < high_inclusive),
  CONSTRAINT job_partition_checkpoint_in_range CHECK (checkpoint BETWEEN low_exclusive AND high_inclusive)
);

-- Bills carry every amount as computed (a FAILED bill keeps whatever was computed before the
-- failure). No foreign key to customer: a bill is a record of what was charged and the COPY of a
-- settlement chunk should not pay a lookup per row.
CREATE TABLE bill (
  month             TEXT   NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  user_id           BIGINT NOT NULL,
  status            TEXT   NOT NULL CHECK (status IN ('ISSUED', 'FAILED')),
  plan_code         TEXT   NOT NULL,
  plan_name         TEXT,
  plan_charge       BIGINT,
  excess_data       BIGINT,
  addons            BIGINT,
  subtotal          BIGINT,
  contract_discount BIGINT,
  military_discount BIGINT,
  welfare_discount  BIGINT,
  total             BIGINT CHECK (total >= 0),
  supply_value      BIGINT,
  vat               BIGINT,
  lines             TEXT,  -- JSON array of {kind, code, name, amount} (adapters/sql/bill_lines_codec.h)
  error_code        TEXT,
  error_message     TEXT,
  PRIMARY KEY (month, user_id),
  CONSTRAINT bill_error_code_exactly_when_failed CHECK ((status = 'FAILED') = (error_code IS NOT NULL)),
  CONSTRAINT bill_total_when_issued CHECK (status = 'FAILED' OR total IS NOT NULL)
);
