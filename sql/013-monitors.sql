-- 013-monitors.sql: the per-second values of a run's monitors (issue 14: the definition's
-- `monitors`, the target's own metrics scraped during the run; daemon/runs/run_monitors.h writes
-- and reads them). One row per monitored value per second in which the run was measured, written
-- with that second's samples by the store's writer thread; GET /api/runs/{id}/monitors reads them.
CREATE TABLE monitor_samples (
	run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	name     TEXT    NOT NULL,             -- the value's name in `monitors`
	second   INTEGER NOT NULL,             -- as samples.second
	monitor  TEXT    NOT NULL,             -- the monitor's name (its URL when it has none)
	kind     TEXT    NOT NULL CHECK (kind IN ('gauge', 'rate')),  -- rate: a counter per second
	value    REAL,                         -- NULL: no value in the second
	scrapes  INTEGER NOT NULL,             -- scrapes in the second
	gaps     INTEGER NOT NULL,             -- of them, failed or without the value
	PRIMARY KEY (run_id, name, second)
) WITHOUT ROWID;
