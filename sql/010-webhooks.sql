-- 010-webhooks.sql: when a run ends, a JSON document is POSTed to webhooks (issue 12,
-- "Notifications"; daemon/runs/webhook.h says who writes and reads each table).
--
-- tests.notify: the saved test's own webhook targets, {"when": "always|failure|change",
-- "webhooks": ["https://...", ...]}; NULL: none. A field of the test, not of its definition, so
-- `rampage run FILE` never sees it. Set by PATCH /api/tests/{id}, validated there (each URL in
-- webhooks.allow).
ALTER TABLE tests ADD COLUMN notify TEXT CHECK (notify IS NULL OR json_valid(notify));

-- The delivery queue: one row per (ended run, webhook URL) that the run's targets chose. Written by
-- the store's writer thread when the run's end is decided (the run manager only enqueues that
-- decision), then by the delivery thread after each attempt. Rows never leave the queue by
-- themselves: they are the history GET /api/runs/{id}/notifications shows, and go with their run.
CREATE TABLE notifications (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- also the X-Rampage-Delivery header
	run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	url              TEXT    NOT NULL,
	event            TEXT    NOT NULL DEFAULT 'run.ended',  -- X-Rampage-Event
	body             TEXT    NOT NULL,  -- the exact bytes sent (and signed), the same on every attempt
	state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_ms  INTEGER,           -- pending: when the next attempt is due; NULL otherwise
	last_status      INTEGER,           -- HTTP status of the last attempt; NULL: none came back
	last_error       TEXT,              -- why the last attempt failed; NULL after a delivery
	created_ms       INTEGER NOT NULL,
	delivered_ms     INTEGER            -- set with state delivered
);
CREATE INDEX notifications_by_run ON notifications (run_id);
-- The delivery thread's question: "what is due next?" (pending rows by due time).
CREATE INDEX notifications_pending ON notifications (next_attempt_ms) WHERE state = 'pending';

-- Ended runs whose targets were decided (rows queued above, or none chosen). At start the delivery
-- thread decides every ended run missing here: a run whose end was recorded just before a crash, and
-- runs store_open turned `aborted`. Runs that ended before this version count as decided.
CREATE TABLE run_notify (
	run_id      INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
	decided_ms  INTEGER NOT NULL
);
INSERT INTO run_notify (run_id, decided_ms)
	SELECT id, COALESCE(ended_ms, queued_ms) FROM runs WHERE state NOT IN ('queued', 'running', 'stopping');
