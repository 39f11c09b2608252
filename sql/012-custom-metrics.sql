-- 012-custom-metrics.sql: the per-second values of a run's custom metrics (issue 15, "Realistic users,
-- part two": a definition's `metrics`, fed by steps' `record`; daemon/runs/run_custom.h writes and
-- reads them). One row per custom metric per second in which the run was measured, written with
-- that second's samples by the store's writer thread; GET /api/runs/{id}/custom-metrics reads them.
-- Sub-metrics (thresholds' tags) are not kept per second: their whole-run values are in the summary.
CREATE TABLE custom_samples (
	run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	metric   TEXT    NOT NULL,             -- the name declared in `metrics`
	second   INTEGER NOT NULL,             -- as samples.second
	type     TEXT    NOT NULL CHECK (type IN ('trend', 'counter', 'rate', 'gauge')),
	count    INTEGER NOT NULL,             -- values recorded in the second
	sum      REAL    NOT NULL,             -- their sum (a counter's count)
	min      REAL,                         -- NULL: no value in the second
	max      REAL,
	last     REAL,                         -- the latest value (a gauge's)
	passes   INTEGER NOT NULL,             -- values that were not 0 (a rate's passes)
	missing  INTEGER NOT NULL,             -- values that could not be read
	p50      REAL,                         -- a trend's percentiles in the second; NULL otherwise
	p95      REAL,
	p99      REAL,
	PRIMARY KEY (run_id, metric, second)
) WITHOUT ROWID;
