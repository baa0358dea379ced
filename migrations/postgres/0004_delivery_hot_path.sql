-- The delivery hot path. Every delivery updates its target twice (QUEUED, then SENT) and writes its
-- attempt three times (PUBLISHED, SENDING, SENT); on the zero-latency benchmark these row writes
-- are most of PostgreSQL's CPU (docs/BENCHMARKS.md, "Cheaper row writes"). This migration makes
-- them cheaper without changing what the tables mean.

-- Status changes leave every index of dispatch_target untouched, so PostgreSQL can write the new
-- row version into the same page without new index entries (a HOT update) when the page has room.
-- A batch updates every row of a page in one transaction, so the page must hold a second,
-- slightly longer copy of all of them: more than half of each page is kept free. The due index
-- therefore no longer depends on the status: it holds the targets not yet sent, and the due query
-- filters READY and RETRY among them (a dispatch pass pages through it in user order, so it passes
-- over queued rows once). Only the final update to SENT leaves the due index, and only it is not
-- HOT. Counts by status read the month's rows through the primary key instead of a status index.
DROP INDEX dispatch_target_status;
DROP INDEX dispatch_target_due;
CREATE INDEX dispatch_target_due ON dispatch_target (month, user_id, (COALESCE(send_day, 1)))
  WHERE sent_at IS NULL;
ALTER TABLE dispatch_target SET (fillfactor = 45);

-- Attempts are keyed user first: nearly every key comparison is then settled by an integer, not
-- by the month's text. The foreign key to dispatch_target is dropped: it cost a row lock on the
-- target for every attempt inserted, and the statement that inserts attempts
-- (postgres_delivery_store.cpp, kQueueAndPublish) takes its rows from the targets it has just
-- updated, so an attempt without a target cannot be written. Nothing deletes targets.
ALTER TABLE delivery_attempt DROP CONSTRAINT delivery_attempt_month_user_id_fkey;
ALTER TABLE delivery_attempt DROP CONSTRAINT delivery_attempt_pkey, ADD PRIMARY KEY (user_id, month, round);
