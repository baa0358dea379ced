-- Dispatch targets: written by `tr1l invoice`, read by dispatch and delivery (never the customer
-- tables). Destinations are re-encrypted for this row; objects are located by bucket and key and
-- verified by size and SHA-256 before sending.
CREATE TABLE dispatch_target (
  month            TEXT    NOT NULL,
  user_id          INTEGER NOT NULL,
  status           TEXT    NOT NULL,
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
  PRIMARY KEY (month, user_id)
) WITHOUT ROWID;
CREATE INDEX dispatch_target_status ON dispatch_target (month, status);
