-- Claiming an attempt (PUBLISHED to SENDING) changes its status, owner and start time. The
-- sweeper's two partial indexes were keyed on the status, so every claim also wrote a new primary
-- key entry and a new sweeper index entry. One partial index on the attempts not yet finished
-- answers both of the sweeper's questions (which published requests may have been lost, which
-- sends are stuck): a claim then changes no indexed column and PostgreSQL updates the row in
-- place (HOT) when its page has room, which the fill factor keeps. Only recording the outcome,
-- which sets finished_at, leaves that index. The unfinished attempts are the ones in flight, so
-- the sweeper filters the status among few rows.
DROP INDEX delivery_attempt_waiting;
DROP INDEX delivery_attempt_sending;
ALTER TABLE delivery_attempt
  ADD CONSTRAINT delivery_attempt_finished_once_ended CHECK ((status IN ('PUBLISHED', 'SENDING')) = (finished_at IS NULL));
CREATE INDEX delivery_attempt_unfinished ON delivery_attempt (published_at, month, user_id, round)
  WHERE finished_at IS NULL;
ALTER TABLE delivery_attempt SET (fillfactor = 35);
