-- 006: changes made to a run while it ran (docs/api.md, "Changing a running run's VUs").
--
-- A constant-vus scenario's VUs can be changed while it runs (PATCH /api/runs/{id}, `rampage vus`,
-- the dashboard's Users control). Each change is one row, so the stored definition plus its changes
-- describe the run: from second `second` on, scenario `scenario` ran `to_value` VUs instead of
-- `from_value`. Written by the run manager when the engine took the change, deleted with the run.
CREATE TABLE run_changes (
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	at_ms       INTEGER NOT NULL CHECK (at_ms >= 0),     -- since runs.started_ms (run time)
	second      INTEGER NOT NULL CHECK (second >= 0),    -- as samples.second: at_ms / 1000
	scenario    TEXT NOT NULL,                           -- its name in the definition
	field       TEXT NOT NULL DEFAULT 'vus' CHECK (field IN ('vus')),
	from_value  INTEGER NOT NULL,
	to_value    INTEGER NOT NULL,
	trigger     TEXT NOT NULL CHECK (trigger IN ('api', 'cli', 'dashboard')),
	changed_ms  INTEGER NOT NULL                         -- wall clock, ms since the epoch
);
CREATE INDEX run_changes_by_run ON run_changes (run_id, id);
