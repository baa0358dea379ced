-- Dispatch targets: written by `tr1l invoice`, read by dispatch and delivery (never the customer
-- tables). Destinations are re-encrypted for this row; objects are located by bucket and key and
-- verified by size and SHA-256 before sending.
CREATE TABLE dispatch_target (
  month            TEXT        NOT NULL,
  user_id          BIGINT      NOT NULL,
  status           TEXT        NOT NULL,
  invoice_revision INTEGER     NOT NULL CHECK (invoice_revision >= 1),
  email_ciphertext BYTEA,
  phone_ciphertext BYTEA,
  email_bucket     TEXT,
  email_key        TEXT,
  email_size       BIGINT,
  email_sha256     TEXT,
  sms_bucket       TEXT,
  sms_key          TEXT,
  sms_size         BIGINT,
  sms_sha256       TEXT,
  send_day         SMALLINT CHECK (send_day BETWEEN 1 AND 31),
  quiet_from       SMALLINT CHECK (quiet_from BETWEEN 0 AND 23),
  quiet_to         SMALLINT CHECK (quiet_to BETWEEN 0 AND 23),
  error            TEXT,
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (month, user_id)
);
CREATE INDEX dispatch_target_status ON dispatch_target (month, status);
