-- 009: schedules come alive (daemon/sched/: the cron parser, the schedules, the scheduler thread),
-- and every fire is recorded.
--
-- What 001 says of `schedules`, made true or corrected here:
--   * "The scheduler thread keeps a copy of the enabled rows and writes next_fire_ms / last_fire_ms
--     back after each fire": it does, in the SAME transaction that queues the fire's run and records
--     the fire in `schedule_fires` (below), with a compare-and-set on next_fire_ms, so a kill -9 at
--     any moment neither loses a fire nor runs one twice.
--   * "so a restart neither repeats nor skips a fire": a restart repeats none; the fires that fell
--     due while the daemon was down (or found more than a minute late: the clock jumped) are missed
--     fires, and the schedule's catch-up policy decides (catchup below): they are recorded, never
--     silently skipped.
--   * cron: five fields, or six with a leading seconds field, read as cronie reads them
--     (docs/api.md, "Schedules"); @aliases are accepted and stored as written.
--   * timezone: the daemon always writes an IANA name (default "UTC"); NULL, which no version wrote,
--     reads as UTC, not as the daemon's local zone.
--   * enabled = 0 is a paused schedule (the API's `paused`); next_fire_ms is then NULL.
--   * next_fire_ms is the next due time not yet handled (started, skipped or missed); NULL when paused
--     or when the expression never fires again (`0 0 30 2 *`). last_fire_ms is the due time of the
--     last fire handled.

-- What to do with a fire that falls due while the schedule's previous run is still queued or
-- running: 'skip' records it as skipped (with the reason), 'queue' queues a run as usual (it waits
-- in the run queue, runs.max_concurrent_runs, like any run).
ALTER TABLE schedules ADD COLUMN overlap TEXT NOT NULL DEFAULT 'skip'
	CHECK (overlap IN ('skip', 'queue'));
-- What to do with fires missed while the daemon was down: 'latest' starts one run for the most recent
-- of them if it is not older than the max age; 'none' starts nothing. Either way the missed fires
-- are recorded, collapsed into one row per outage.
ALTER TABLE schedules ADD COLUMN catchup TEXT NOT NULL DEFAULT 'latest'
	CHECK (catchup IN ('none', 'latest'));
-- The max age of a fire 'latest' still starts, in seconds; NULL = schedules.catchup_max_age of the
-- configuration (default 6 h).
ALTER TABLE schedules ADD COLUMN catchup_max_age_s INTEGER CHECK (catchup_max_age_s > 0);
-- The schedule's own notification targets, {"when": "always|failure|change", "webhooks": [urls]};
-- NULL: none. Stored and validated loosely here (when is one of the words, URLs parse); deliveries
-- are the webhooks module's, which reads this column.
ALTER TABLE schedules ADD COLUMN notify TEXT CHECK (notify IS NULL OR json_valid(notify));

-- Every fire of a schedule, once: the due time it was for and what became of it. Written by the
-- scheduler thread in the transaction that queues the run (started), or alone (skipped, missed).
--   started  a run was queued for it (run_id; NULL once that run is deleted)
--   skipped  overlap 'skip' and the previous run was still queued or running (reason names it)
--   missed   the daemon was not running when it fell due, or found it more than a minute late; the
--            fires of one outage are ONE row: due_ms the first, last_due_ms the last, count how many
--            ("missed 43,200 fires between A and B"), so a frequent schedule cannot flood the table
CREATE TABLE schedule_fires (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	schedule_id  INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
	due_ms       INTEGER NOT NULL,   -- when it was due (missed: the outage's first due time)
	last_due_ms  INTEGER,            -- missed: the outage's last due time; NULL otherwise
	count        INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),  -- fires this row stands for
	outcome      TEXT    NOT NULL CHECK (outcome IN ('started', 'skipped', 'missed')),
	reason       TEXT,               -- why skipped or missed, or "catch-up" for a late start
	run_id       INTEGER REFERENCES runs (id) ON DELETE SET NULL,
	recorded_ms  INTEGER NOT NULL,   -- when the scheduler recorded it (wall clock)
	-- a due time is handled once: a second record of it is refused, whatever the bug
	UNIQUE (schedule_id, due_ms)
);
-- The fire history of a schedule, newest first (keyset pagination on id).
CREATE INDEX schedule_fires_by_schedule ON schedule_fires (schedule_id, id DESC);
-- Deleting a run sets run_id NULL: an index lookup, not a scan.
CREATE INDEX schedule_fires_by_run ON schedule_fires (run_id);
-- The scheduler's start-up read: the enabled schedules.
CREATE INDEX schedules_by_enabled ON schedules (enabled, id);
