-- 005-failures.sql: why requests failed (issue 11, items 2 and 5).
--
-- run_failures: each distinct failure message of an endpoint of a run, with its count and the first
-- and last second it was seen (Locust's Failures tab). Bounded by the engine (metrics/failures.h):
-- at most 32 distinct messages per endpoint and 256 per run; the failures that found no room are one
-- row per endpoint and kind with other = 1 and message '(other messages)'. So, per endpoint, the
-- counts add up to its failures, and per kind to its fail_* column (refused: fail_refused, ...;
-- http_status: fail_http_status; check: failures by a failRequest check alone).
-- Written while the run goes (each second, the rows that changed, with the counts of the run so far,
-- in the same transaction as the second's samples) and again whole when it ends.
CREATE TABLE run_failures (
	run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	endpoint      INTEGER NOT NULL CHECK (endpoint >= 1),   -- endpoints.idx
	kind          TEXT    NOT NULL CHECK (kind IN ('refused', 'timeout', 'reset', 'dns', 'tls',
	                  'too_large', 'blocked', 'other', 'http_status', 'check')),
	other         INTEGER NOT NULL DEFAULT 0 CHECK (other IN (0, 1)),
	message       TEXT    NOT NULL,  -- libcurl's words ("Failed to connect to 127.0.0.1 port 9:
	                                 -- Couldn't connect to server"), "HTTP 503", 'check "x" failed';
	                                 -- at most 200 bytes
	count         INTEGER NOT NULL CHECK (count >= 0),
	first_second  INTEGER NOT NULL,
	last_second   INTEGER NOT NULL,
	PRIMARY KEY (run_id, endpoint, kind, other, message)
) WITHOUT ROWID;

-- The early warning that (nearly) every request fails: judged once, on the run's first seconds (at
-- least 10 requests, from 2 s in), and recorded when it fired; the run goes on.
CREATE TABLE run_failure_alarms (
	run_id    INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
	second    INTEGER NOT NULL,  -- the run's second it was judged at (requests so far include it)
	requests  INTEGER NOT NULL,
	failures  INTEGER NOT NULL,
	endpoint  INTEGER NOT NULL,  -- endpoints.idx of the most frequent failure
	kind      TEXT    NOT NULL,
	message   TEXT    NOT NULL,
	text      TEXT    NOT NULL   -- "every request fails: connection refused: ... (GET /; 2301 of
	                             -- 2301 requests failed in the first 2 s)"
);
