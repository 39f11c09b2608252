-- 011: events, markers of a run (docs/api.md, "Events"): a moment of a running run marked over the
-- API (POST /api/runs/{id}/events, `rampage mark`) or a timed event of the definition (`events`: the
-- engine sent its request at that time and records the response's status). The run page draws them
-- on every chart; the summary gives each its finding (failed requests and p99 around it).
-- Written by the run manager, deleted with the run; at most 1,000 per run (the manager counts).
CREATE TABLE run_events (
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	at_ms       INTEGER NOT NULL CHECK (at_ms >= 0),     -- since runs.started_ms (run time)
	second      INTEGER NOT NULL CHECK (second >= 0),    -- as samples.second: at_ms / 1000
	name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
	source      TEXT NOT NULL CHECK (source IN ('api', 'definition')),
	trigger     TEXT CHECK (trigger IS NULL OR trigger IN ('api', 'cli', 'dashboard')),  -- api: who posted it
	status      INTEGER,                                 -- definition: the request's HTTP status; NULL: none
	error       TEXT,                                    -- definition: why its request got no response
	created_ms  INTEGER NOT NULL                         -- wall clock, ms since the epoch
);
CREATE INDEX run_events_by_run ON run_events (run_id, at_ms);
