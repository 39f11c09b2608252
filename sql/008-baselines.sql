-- 008: baselines (issue 13). A test's baseline is the run its later runs are compared with.
--
-- `baselines` (001) keeps the current pinned baseline of each test, one row at most; it gains the
-- note the user gave when pinning it. `baseline_history` keeps every pin ever made, newest last:
-- when it was set, the note, and when it was cleared or replaced (cleared_ms; NULL while it is the
-- current one). Deleting a run keeps its history rows (run_id becomes NULL: "a run since deleted");
-- deleting the test deletes them. Both are written by the API's store jobs (daemon/runs/baseline.c)
-- in one transaction, so the current row and the open history row always agree.
ALTER TABLE baselines ADD COLUMN note TEXT;

CREATE TABLE baseline_history (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	test_id     INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
	run_id      INTEGER REFERENCES runs (id) ON DELETE SET NULL,
	note        TEXT,
	set_ms      INTEGER NOT NULL,
	cleared_ms  INTEGER            -- NULL: still the test's baseline
);
CREATE INDEX baseline_history_by_test ON baseline_history (test_id, id);
CREATE INDEX baseline_history_by_run ON baseline_history (run_id);

-- A saved test's comparison settings (settings of the saved test, not of its definition: editing
-- the definition keeps them, and a run's snapshot does not carry them).
--   baseline_mode: 'pinned' compares with the run in `baselines`; 'last-passed' with the most
--     recent run of the test in state `passed` queued before the run compared.
--   compare_floors: the practical floors of a verdict, JSON {"latency": 0.05, "throughput": 0.03,
--     "error_rate": 0.001} (ratios, and an absolute rate); NULL: those defaults.
ALTER TABLE tests ADD COLUMN baseline_mode TEXT NOT NULL DEFAULT 'pinned'
	CHECK (baseline_mode IN ('pinned', 'last-passed'));
ALTER TABLE tests ADD COLUMN compare_floors TEXT
	CHECK (compare_floors IS NULL OR json_valid(compare_floors));
