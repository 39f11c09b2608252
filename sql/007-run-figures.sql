-- 007: each run's headline figures, so that a test's trend (GET /api/tests/{id}/trend) reads one
-- small row per run and never re-reads histograms or parses summaries.
--
-- run_figures: one row per endpoint of a run and one for the total (endpoint 0), written by the store
-- job that records the run's final state (runs/run_store.c, run_store_state), in the same
-- transaction as its summary; every run that ended with measurements has them (passed, failed,
-- stopped, and a run the daemon's shutdown ended); a run that never sent load (cancelled, error,
-- aborted by a crash) has none. The latency figures come from the run's whole-run histogram, as the
-- summary's do; they are NULL when no request of that endpoint completed.
CREATE TABLE run_figures (
	run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	endpoint     INTEGER NOT NULL,  -- endpoints.idx; 0 = total (a trend matches endpoints by name)
	requests     INTEGER NOT NULL,  -- completed requests
	failures     INTEGER NOT NULL,  -- of which failed (k6 http_req_failed)
	error_rate   REAL    NOT NULL,  -- failures / requests; 0 when requests = 0
	rps          REAL    NOT NULL,  -- requests / duration
	lat_mean_us  INTEGER,           -- request duration (k6 http_req_duration), whole run
	lat_p50_us   INTEGER,
	lat_p95_us   INTEGER,
	lat_p99_us   INTEGER,
	duration_us  INTEGER NOT NULL,  -- how long the run sent load (the same on every row of a run)
	vus          INTEGER,           -- (total) the most VUs active at once; NULL on endpoint rows
	PRIMARY KEY (run_id, endpoint)
) WITHOUT ROWID;

-- Runs that ended before this version: their figures from the stored summary (rampage.total,
-- rampage.endpoints[i] is endpoint i + 1; values there are milliseconds and per second). A summary
-- that is not JSON or has no rampage.total (none written by this daemon lacks one) gives no row:
-- that run is not in its test's trend. Latencies of an endpoint with no completed request are NULL, as above.
INSERT INTO run_figures (run_id, endpoint, requests, failures, error_rate, rps, lat_mean_us,
    lat_p50_us, lat_p95_us, lat_p99_us, duration_us, vus)
SELECT r.id, 0,
       json_extract(r.summary, '$.rampage.total.requests'),
       coalesce(json_extract(r.summary, '$.rampage.total.failed'), 0),
       CASE WHEN json_extract(r.summary, '$.rampage.total.requests') > 0
            THEN 1.0 * coalesce(json_extract(r.summary, '$.rampage.total.failed'), 0)
                 / json_extract(r.summary, '$.rampage.total.requests') ELSE 0 END,
       coalesce(json_extract(r.summary, '$.rampage.total.rate'), 0),
       CASE WHEN json_extract(r.summary, '$.rampage.total.requests') > 0 THEN
            round(json_extract(r.summary, '$.rampage.total.duration.avg') * 1000) END,
       CASE WHEN json_extract(r.summary, '$.rampage.total.requests') > 0 THEN
            round(json_extract(r.summary, '$.rampage.total.duration.med') * 1000) END,
       CASE WHEN json_extract(r.summary, '$.rampage.total.requests') > 0 THEN
            round(json_extract(r.summary, '$.rampage.total.duration."p(95)"') * 1000) END,
       CASE WHEN json_extract(r.summary, '$.rampage.total.requests') > 0 THEN
            round(json_extract(r.summary, '$.rampage.total.duration."p(99)"') * 1000) END,
       coalesce(round(json_extract(r.summary, '$.state.testRunDurationMs') * 1000), 0),
       json_extract(r.summary, '$.metrics.vus.values.max')
FROM (SELECT id, CASE WHEN json_valid(summary) THEN summary ELSE '{}' END AS summary
      FROM runs WHERE summary IS NOT NULL) r
WHERE json_extract(r.summary, '$.rampage.total.requests') IS NOT NULL;

INSERT INTO run_figures (run_id, endpoint, requests, failures, error_rate, rps, lat_mean_us,
    lat_p50_us, lat_p95_us, lat_p99_us, duration_us, vus)
SELECT r.id, e.key + 1,
       coalesce(json_extract(e.value, '$.requests'), 0),
       coalesce(json_extract(e.value, '$.failed'), 0),
       CASE WHEN json_extract(e.value, '$.requests') > 0
            THEN 1.0 * coalesce(json_extract(e.value, '$.failed'), 0)
                 / json_extract(e.value, '$.requests') ELSE 0 END,
       coalesce(json_extract(e.value, '$.rate'), 0),
       CASE WHEN json_extract(e.value, '$.requests') > 0 THEN
            round(json_extract(e.value, '$.duration.avg') * 1000) END,
       CASE WHEN json_extract(e.value, '$.requests') > 0 THEN
            round(json_extract(e.value, '$.duration.med') * 1000) END,
       CASE WHEN json_extract(e.value, '$.requests') > 0 THEN
            round(json_extract(e.value, '$.duration."p(95)"') * 1000) END,
       CASE WHEN json_extract(e.value, '$.requests') > 0 THEN
            round(json_extract(e.value, '$.duration."p(99)"') * 1000) END,
       coalesce(round(json_extract(r.summary, '$.state.testRunDurationMs') * 1000), 0),
       NULL
FROM (SELECT id, CASE WHEN json_valid(summary) THEN summary ELSE '{}' END AS summary
      FROM runs WHERE summary IS NOT NULL) r, json_each(r.summary, '$.rampage.endpoints') e
WHERE json_extract(r.summary, '$.rampage.total.requests') IS NOT NULL;
