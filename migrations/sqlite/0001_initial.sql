-- TR1L schema, SQLite flavour. Dates are 'YYYY-MM-DD' text, months 'YYYY-MM', money integer won.
-- Contact details are AES-256-GCM envelopes (crypto/pii_cipher.h) plus HMAC blind indexes.

CREATE TABLE customer (
  user_id          INTEGER PRIMARY KEY,
  name             TEXT    NOT NULL,
  birth_date       TEXT    NOT NULL,
  email_ciphertext BLOB,
  email_index      BLOB,
  phone_ciphertext BLOB,
  phone_index      BLOB,
  plan_code        TEXT,
  welfare_code     TEXT,
  status           TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'WITHDRAWN', 'BANNED')),
  role             TEXT    NOT NULL CHECK (role IN ('USER', 'ADMIN', 'GUEST')),
  send_day         INTEGER CHECK (send_day BETWEEN 1 AND 31),
  quiet_from       INTEGER CHECK (quiet_from BETWEEN 0 AND 23),
  quiet_to         INTEGER CHECK (quiet_to BETWEEN 0 AND 23)
);
CREATE INDEX customer_email_index ON customer (email_index);
CREATE INDEX customer_phone_index ON customer (phone_index);

CREATE TABLE contract (
  user_id    INTEGER NOT NULL REFERENCES customer (user_id),
  start_date TEXT    NOT NULL,
  end_date   TEXT    NOT NULL CHECK (end_date >= start_date)
);
CREATE INDEX contract_user ON contract (user_id);

CREATE TABLE addon_subscription (
  user_id     INTEGER NOT NULL REFERENCES customer (user_id),
  option_code TEXT    NOT NULL,
  start_date  TEXT    NOT NULL,
  end_date    TEXT    NOT NULL CHECK (end_date >= start_date)
);
CREATE INDEX addon_subscription_user ON addon_subscription (user_id);

CREATE TABLE military_service (
  user_id    INTEGER PRIMARY KEY REFERENCES customer (user_id),
  start_date TEXT    NOT NULL,
  end_date   TEXT    CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TABLE data_usage (
  user_id INTEGER NOT NULL REFERENCES customer (user_id),
  month   TEXT    NOT NULL,
  used_mb INTEGER NOT NULL CHECK (used_mb >= 0),
  PRIMARY KEY (user_id, month)
) WITHOUT ROWID;

-- The run gate of every monthly job, and the partitions workers lease.
CREATE TABLE job_run (
  job         TEXT    NOT NULL,
  month       TEXT    NOT NULL,
  status      TEXT    NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED')),
  partitions  INTEGER NOT NULL,
  started_at  TEXT    NOT NULL,
  finished_at TEXT,
  PRIMARY KEY (job, month)
);

CREATE TABLE job_partition (
  job              TEXT    NOT NULL,
  month            TEXT    NOT NULL,
  partition        INTEGER NOT NULL,
  low_exclusive    INTEGER NOT NULL,
  high_inclusive   INTEGER NOT NULL,
  checkpoint       INTEGER NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('PENDING', 'DONE')),
  owner            TEXT,
  lease_expires_ms INTEGER,  -- unix epoch milliseconds
  PRIMARY KEY (job, month, partition)
);

CREATE TABLE bill (
  month             TEXT    NOT NULL,
  user_id           INTEGER NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('ISSUED', 'FAILED')),
  plan_code         TEXT    NOT NULL,
  plan_name         TEXT,
  plan_charge       INTEGER,
  excess_data       INTEGER,
  addons            INTEGER,
  subtotal          INTEGER,
  contract_discount INTEGER,
  military_discount INTEGER,
  welfare_discount  INTEGER,
  total             INTEGER,
  supply_value      INTEGER,
  vat               INTEGER,
  lines             TEXT,  -- JSON array of {kind, code, name, amount}
  error_code        TEXT,
  error_message     TEXT,
  PRIMARY KEY (month, user_id)
) WITHOUT ROWID;
