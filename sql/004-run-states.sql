-- 004-run-states.sql: the run states and triggers as docs/api.md ("Run states") defines them
-- (issue 11, items 1 and 7).
--
-- What changed, and which comments of 001-init.sql no longer hold:
--   * Two new final states. `finished`: the run ended by itself and had no thresholds, so it claims
--     no verdict (001 called such a run `passed`, which said more than was checked). `cancelled`: a
--     queued run stopped before it started; it sent no load and has no summary and no samples (001
--     called it `stopped`, "cancelled before it started"). `stopped` now means only that a user
--     stopped a run while it ran; `passed` only that the run had thresholds and every one held.
--     The moves are now (one transition function, daemon/runs/run_state.c):
--       queued   -> running | cancelled | error
--       running  -> stopping | passed | failed | finished | error | aborted
--       stopping -> stopped | error | aborted
--     (001's "any non-final state -> error" and "queued -> stopped" no longer hold.) How a run's
--     thresholds stood is its verdict, computed from `thresholds` for every ended run, so a stopped
--     run still says whether they held.
--   * A new trigger, `dashboard` (the run was started from the web dashboard, which sends
--     X-Rampage-Client: dashboard); `cli` is now recorded for `rampage start`, `api` for any other
--     client.
--   * Existing rows are converted: `passed` without thresholds becomes `finished`; `stopped` that
--     never started (started_ms NULL) becomes `cancelled`.
--
-- A CHECK cannot be altered, so `runs` is rebuilt the way the SQLite documentation describes
-- (create new, copy, drop old, rename). The migration runner has foreign keys off during the
-- migration (daemon/store/migrations.h), so dropping the old table cascades into none of its
-- children (endpoints, samples, sample_histograms, run_histograms, run_status_codes, run_checks,
-- baselines), which keep pointing at `runs` by name; the runner's foreign_key_check before the
-- commit proves every child still has its run. The AUTOINCREMENT counter is carried over, so an id
-- of a deleted run is still never given again.

CREATE TABLE runs_new (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	test_id       INTEGER REFERENCES tests (id) ON DELETE SET NULL,      -- NULL: inline run, or test deleted
	schedule_id   INTEGER REFERENCES schedules (id) ON DELETE SET NULL,  -- set when trigger = 'schedule'
	name          TEXT    NOT NULL,  -- the test's name when queued (lists need no JSON parsing)
	definition    TEXT    NOT NULL,  -- JSON snapshot of the definition actually run; immutable
	state         TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN
	                  ('queued', 'running', 'stopping', 'passed', 'failed', 'finished', 'stopped',
	                   'cancelled', 'aborted', 'error')),
	trigger       TEXT    NOT NULL CHECK (trigger IN ('api', 'schedule', 'cli', 'dashboard')),
	note          TEXT,              -- free text from the user who started it
	tags          TEXT    NOT NULL DEFAULT '{}',  -- JSON object of string tags ({"env": "staging"})
	queued_ms     INTEGER NOT NULL,
	started_ms    INTEGER,           -- first second of load; NULL while queued and for a cancelled run
	ended_ms      INTEGER,           -- set with the final state
	summary       TEXT,              -- JSON end-of-run summary (k6 handleSummary shape); NULL until ended
	thresholds    TEXT,              -- JSON threshold results: [{metric, expression, ok, value}...];
	                                 -- NULL when the run had none (its verdict is then null)
	error         TEXT,              -- why the run ended in `error` or `aborted`; NULL otherwise
	missing       TEXT CHECK (missing IS NULL OR json_valid(missing))  -- seconds not stored (003)
);

INSERT INTO runs_new (id, test_id, schedule_id, name, definition, state, trigger, note, tags,
    queued_ms, started_ms, ended_ms, summary, thresholds, error, missing)
SELECT id, test_id, schedule_id, name, definition,
       CASE
           WHEN state = 'passed' AND (thresholds IS NULL OR json_array_length(thresholds) = 0)
               THEN 'finished'
           WHEN state = 'stopped' AND started_ms IS NULL THEN 'cancelled'
           ELSE state
       END,
       trigger, note, tags, queued_ms, started_ms, ended_ms, summary, thresholds, error, missing
FROM runs;

-- The counter, not max(id): the newest runs may have been deleted.
DELETE FROM sqlite_sequence WHERE name = 'runs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'runs_new', seq FROM sqlite_sequence WHERE name = 'runs';

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

-- The indexes went with the old table; the same ones, for the same reads.
-- "Runs of this test, newest first" (test page): ids grow with queue time.
CREATE INDEX runs_by_test ON runs (test_id, id DESC);
-- "Runs in this state" (the queue: queued in id order; running runs; crash recovery at open).
CREATE INDEX runs_by_state ON runs (state, id);
CREATE INDEX runs_by_schedule ON runs (schedule_id);
