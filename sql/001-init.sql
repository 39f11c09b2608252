-- 001-init.sql: the whole schema of Rampage, version 1.
--
-- This file is documentation as much as code: every table says what a row is, who writes it and who
-- reads it. The daemon embeds it at build time and applies it inside one transaction when a database's
-- PRAGMA user_version is below 1 (daemon/store/store.c sets user_version itself; a migration file never
-- does). Later versions add sql/002-....sql files; a published file is never edited.
--
-- Conventions
--   * Timestamps are wall-clock milliseconds since the Unix epoch (columns named *_ms).
--   * Durations are microseconds (columns named *_us).
--   * JSON columns hold TEXT that the daemon produced or validated; SQLite does not check them.
--   * ids shown to users (tests, runs, schedules) are AUTOINCREMENT so that a deleted id is never given
--     to a new row: a bookmarked /runs/42 never silently shows another run.
--   * Everything that belongs to a run is deleted with it (ON DELETE CASCADE); the connection sets
--     PRAGMA foreign_keys=ON. Every foreign key has an index on its child column so that a cascade is an
--     index lookup, not a table scan.
--   * Plain tables, not STRICT: configure accepts SQLite 3.31, and STRICT needs 3.37.
--
-- Volume the design is sized for: an 8-hour run with 10 endpoints writes one `samples` row per endpoint
-- per second plus one total row, 11 rows a second in one transaction, ~320k rows per run; charts read
-- one endpoint of one run as a single index range scan.

-- A saved test: a named definition that runs are started from (POST /api/tests).
CREATE TABLE tests (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT    NOT NULL,
	definition  TEXT    NOT NULL,  -- JSON test definition as validated by testdef (docs/test-definition.md)
	created_ms  INTEGER NOT NULL,
	updated_ms  INTEGER NOT NULL   -- last change of name or definition
);
-- The CLI and the dashboard find tests by name (names are not unique: the id is the identity).
CREATE INDEX tests_by_name ON tests (name);

-- A recurring start of a test. The scheduler thread keeps a copy of the enabled rows and writes
-- next_fire_ms / last_fire_ms back after each fire, so a restart neither repeats nor skips a fire.
CREATE TABLE schedules (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	test_id       INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
	cron          TEXT    NOT NULL,  -- five-field cron expression ("*/15 9-17 * * 1-5")
	timezone      TEXT,              -- IANA zone the expression is read in; NULL = the daemon's local zone
	enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	overrides     TEXT,              -- JSON merged over the test's definition at fire time; NULL = none
	next_fire_ms  INTEGER,           -- NULL when disabled or when the expression never fires again
	last_fire_ms  INTEGER,           -- NULL until the first fire
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL
);
CREATE INDEX schedules_by_test ON schedules (test_id);

-- One execution of a test. The definition is copied into the row when the run is queued (with any
-- overrides applied) and never changes afterwards: editing or deleting the test does not rewrite
-- history, and every number of the run can be explained from its own row.
--
-- States and who moves a run between them (one transition function in the run queue):
--   queued   -> running -> stopping -> passed | failed | stopped
--   queued   -> stopped                  (cancelled before it started)
--   any non-final state -> error         (the run could not go on: bad target, internal failure)
--   running | stopping  -> aborted       (set by store_open: the daemon died while the run was live)
--   passed = every threshold held; failed = a threshold failed; stopped = a user stopped it.
-- Runs still `queued` when the daemon stops (or crashes) stay `queued`: nothing of theirs has
-- happened yet, so the run queue picks them up again in id order at the next start instead of the
-- store inventing an outcome for them.
CREATE TABLE runs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	test_id       INTEGER REFERENCES tests (id) ON DELETE SET NULL,      -- NULL: inline run, or test deleted
	schedule_id   INTEGER REFERENCES schedules (id) ON DELETE SET NULL,  -- set when trigger = 'schedule'
	name          TEXT    NOT NULL,  -- the test's name when queued (lists need no JSON parsing)
	definition    TEXT    NOT NULL,  -- JSON snapshot of the definition actually run; immutable
	state         TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN
	                  ('queued', 'running', 'stopping', 'passed', 'failed', 'stopped', 'aborted', 'error')),
	trigger       TEXT    NOT NULL CHECK (trigger IN ('api', 'schedule', 'cli')),
	note          TEXT,              -- free text from the user who started it
	tags          TEXT    NOT NULL DEFAULT '{}',  -- JSON object of string tags ({"env": "staging"})
	queued_ms     INTEGER NOT NULL,
	started_ms    INTEGER,           -- first second of load; NULL while queued. samples.second counts from here
	ended_ms      INTEGER,           -- set with the final state
	summary       TEXT,              -- JSON end-of-run summary (k6 handleSummary shape); NULL until ended
	thresholds    TEXT,              -- JSON threshold results: [{metric, expression, ok, value}...]
	error         TEXT               -- why the run ended in `error` or `aborted`; NULL otherwise
);
-- "Runs of this test, newest first" (test page, baseline picker): ids grow with queue time.
CREATE INDEX runs_by_test ON runs (test_id, id DESC);
-- "Runs in this state" (the queue: queued in id order; running runs; crash recovery at open).
CREATE INDEX runs_by_state ON runs (state, id);
CREATE INDEX runs_by_schedule ON runs (schedule_id);

-- The endpoints of a run: each distinct request the scenario makes, numbered from 1 in definition
-- order when the run starts. Sample rows carry this small integer instead of a name. Index 0 is never
-- stored here: in the tables below, endpoint 0 means "all endpoints of the run together".
CREATE TABLE endpoints (
	run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	idx     INTEGER NOT NULL CHECK (idx >= 1),
	name    TEXT    NOT NULL,  -- the request's name in the definition, or "METHOD /path/template"
	method  TEXT    NOT NULL,  -- GET, POST, ...
	PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

-- One second of one endpoint of a run (endpoint 0: the total of all endpoints), written by the store
-- thread once a second from the run controller's merged tick. The key is the clustering order
-- (WITHOUT ROWID), so "one endpoint of one run, seconds a..b" reads contiguous pages.
--
-- Counters count events that completed in that second. Latency columns are NULL when the second had no
-- completed request. Columns marked (total) are only meaningful on the endpoint-0 row and are 0 or
-- NULL on endpoint rows.
CREATE TABLE samples (
	run_id              INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	endpoint            INTEGER NOT NULL,  -- endpoints.idx; 0 = total
	second              INTEGER NOT NULL,  -- seconds since runs.started_ms; 0 is the first second

	requests            INTEGER NOT NULL DEFAULT 0,  -- completed requests (with or without a response)
	failures            INTEGER NOT NULL DEFAULT 0,  -- requests counted as failed (k6 http_req_failed):
	                                                 -- no response, or a status the test expects not
	-- requests that got no response, by cause (their sum is <= failures):
	fail_refused        INTEGER NOT NULL DEFAULT 0,  -- connection refused
	fail_timeout        INTEGER NOT NULL DEFAULT 0,  -- connect or response timeout
	fail_reset          INTEGER NOT NULL DEFAULT 0,  -- connection reset / closed mid-response
	fail_dns            INTEGER NOT NULL DEFAULT 0,  -- name resolution failed
	fail_tls            INTEGER NOT NULL DEFAULT 0,  -- TLS handshake or certificate failure
	fail_other          INTEGER NOT NULL DEFAULT 0,
	-- responses by status class (1xx finals and invalid codes are not counted here; see run_status_codes)
	status_2xx          INTEGER NOT NULL DEFAULT 0,
	status_3xx          INTEGER NOT NULL DEFAULT 0,
	status_4xx          INTEGER NOT NULL DEFAULT 0,
	status_5xx          INTEGER NOT NULL DEFAULT 0,
	bytes_sent          INTEGER NOT NULL DEFAULT 0,  -- request bytes on the wire (headers + body)
	bytes_received      INTEGER NOT NULL DEFAULT 0,  -- response bytes on the wire (headers + body)
	iterations          INTEGER NOT NULL DEFAULT 0,  -- (total) scenario iterations completed
	iterations_dropped  INTEGER NOT NULL DEFAULT 0,  -- (total) open model: iterations due but no VU free
	late_starts         INTEGER NOT NULL DEFAULT 0,  -- (total) open model: iterations started behind schedule
	vus                 INTEGER,                     -- (total) active VUs at the end of the second
	checks_passed       INTEGER NOT NULL DEFAULT 0,  -- checks on this endpoint's responses (total: all)
	checks_failed       INTEGER NOT NULL DEFAULT 0,

	-- request duration (k6 http_req_duration: sending + waiting + receiving), from the intended start
	-- for open-model iterations (coordinated omission corrected); percentiles from the histogram below
	lat_mean_us         INTEGER,
	lat_p50_us          INTEGER,
	lat_p90_us          INTEGER,
	lat_p95_us          INTEGER,
	lat_p99_us          INTEGER,
	lat_max_us          INTEGER,
	-- means of the request's phases (k6 http_req_blocked, _connecting, _tls_handshaking, _sending,
	-- _waiting, _receiving)
	blocked_us          INTEGER,
	connecting_us       INTEGER,
	tls_us              INTEGER,
	sending_us          INTEGER,
	waiting_us          INTEGER,
	receiving_us        INTEGER,

	-- health of the load generator itself, so a chart can tell "target slow" from "generator saturated"
	cpu_pct             REAL,     -- (total) CPU time the daemon used in the second, % of one core
	loop_lag_us         INTEGER,  -- (total) worst event-loop lag of any worker in the second

	PRIMARY KEY (run_id, endpoint, second)
) WITHOUT ROWID;

-- The latency histogram of each samples row (serialised metrics/hist: log-linear, mergeable), so that
-- a windowed threshold ("p(95) < 300 over any 30 s") or a zoomed chart can merge exact histograms
-- instead of averaging percentiles. Kept out of `samples` on purpose: a blob of a few hundred bytes per
-- row would spread a chart's range scan over several times more pages (and overflow pages), and charts
-- never need it. Same key, written in the same transaction as its samples row.
CREATE TABLE sample_histograms (
	run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	endpoint  INTEGER NOT NULL,  -- as samples.endpoint
	second    INTEGER NOT NULL,  -- as samples.second
	hist      BLOB    NOT NULL,
	PRIMARY KEY (run_id, endpoint, second)
) WITHOUT ROWID;

-- Whole-run histograms, merged from every second at the end of the run; the summary's percentiles
-- and the baseline comparison come from these (exact, not averaged). `metric` names which duration:
-- 'duration' (http_req_duration) now; later ones ('waiting', 'iteration', ...) need no migration.
CREATE TABLE run_histograms (
	run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	endpoint  INTEGER NOT NULL,  -- endpoints.idx; 0 = total
	metric    TEXT    NOT NULL DEFAULT 'duration',
	hist      BLOB    NOT NULL,  -- serialised metrics/hist
	PRIMARY KEY (run_id, endpoint, metric)
) WITHOUT ROWID;

-- Responses per exact HTTP status code over the whole run (written at the end, or updated as it goes).
CREATE TABLE run_status_codes (
	run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	endpoint  INTEGER NOT NULL,  -- endpoints.idx; 0 = total
	status    INTEGER NOT NULL,  -- 100..599; 0 = no response (see samples.fail_*)
	count     INTEGER NOT NULL,
	PRIMARY KEY (run_id, endpoint, status)
) WITHOUT ROWID;

-- Results of each named check over the whole run (k6 checks).
CREATE TABLE run_checks (
	run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	name    TEXT    NOT NULL,
	passes  INTEGER NOT NULL DEFAULT 0,
	fails   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- The run a test's later runs are compared with. At most one per test; deleting the test or the run
-- removes it.
CREATE TABLE baselines (
	test_id  INTEGER PRIMARY KEY REFERENCES tests (id) ON DELETE CASCADE,
	run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	set_ms   INTEGER NOT NULL
);
CREATE INDEX baselines_by_run ON baselines (run_id);
