/*
 * api_priv.h: the router and what handlers share, for the files that implement routes (routes.c,
 * api_tests.c, api_runs.c, api_run_data.c, api_trend.c, prometheus.c). Every function here runs on the api thread
 * (MHD's internal thread), inside a handler. Handlers answer HTTP; what they read of the runs comes
 * from runs/run_query.h, and nothing here is shared between handler files but through api.c.
 *
 * Adding a route is one line in the table in routes.c:
 *
 *     { "GET",  "/api/runs/{id}", get_run },
 *     { "POST", "/api/tests",     post_test },
 *
 * A pattern is literal segments and `{name}` segments; a `{name}` segment matches a non-negative
 * decimal integer (at most 18 digits) and lands in req->params[] in pattern order. Matching is
 * exact (no trailing slash, no prefix). For a request the router:
 *
 *   1. percent-decodes the path (the query is separate): a bad escape or %00 gives 400 bad_request;
 *   2. refuses a body larger than limits.max_request_body with 413 payload_too_large (before
 *      routing; MHD then closes the connection); then, if API tokens are configured, answers 401
 *      unauthorized to a request that needs a token and lacks a valid one (see api.c, security.h);
 *   3. finds the routes whose pattern matches: none gives 404 not_found under /api/ (other paths
 *      are static files for GET and HEAD, 405 otherwise); patterns that match but not for this
 *      method give 405 method_not_allowed with an `Allow` header listing the methods (GET implies
 *      HEAD). HEAD runs the GET handler; MHD sends the headers only;
 *   4. reads the whole body (NUL-terminated, at most limits.max_request_body) and calls the handler
 *      once, after the body is complete (MHD's second call: answering in the first call would cost
 *      keep-alive).
 *
 * The handler must answer exactly once with one of the api_reply_* calls. Errors are JSON
 * everywhere: {"error":{"code":"not_found","message":"..."}}.
 */
#ifndef RAMPAGE_API_PRIV_H
#define RAMPAGE_API_PRIV_H

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/api.h"

#define API_PARAMS_MAX  4               /* {name} segments per pattern */

struct buf;
struct conf;
struct plan;
struct runq;
struct sched;
struct store;
struct testdef_errors;

/* What a handler gets. Everything it points to lives until the request completes. */
struct api_request {
	const char *method;              /* "GET", "POST"...; "HEAD" reaches GET handlers */
	const char *path;                /* percent-decoded, without the query: "/api/runs/12" */
	long long params[API_PARAMS_MAX];/* the {name} segments, in pattern order */
	int nparams;
	const char *body;                /* the request body, NUL-terminated; "" if none */
	size_t body_len;
	sqlite3 *db;                     /* the api thread's read-only connection (NULL without store) */
	struct store *store;             /* for writes (through the store's mailbox); may be NULL */
	struct runq *runq;               /* the run queue (runs/runq.h); may be NULL */
	struct sched *sched;             /* the scheduler (sched/sched.h); may be NULL */
	const struct conf *cfg;
	struct api *api;
	struct MHD_Connection *conn;     /* for anything the helpers below do not cover */
};

typedef void api_handler_fn(struct api_request *req);

struct api_route {
	const char *method;              /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern;             /* "/api/runs/{id}/ticks" */
	api_handler_fn *handler;
};

/* The route table (routes.c). */
extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/* ---- the handlers (the table in routes.c) */

/* api_agents.c: the configured agents, probed */
api_handler_fn api_agents_list;

/* api_tests.c: saved tests */
api_handler_fn api_tests_list, api_tests_create, api_tests_validate, api_tests_get, api_tests_put,
    api_tests_delete;
/* api_runs.c: starting, listing, stopping, deleting runs */
api_handler_fn api_runs_create_for_test, api_runs_create, api_runs_list, api_runs_get,
    api_runs_stop, api_runs_delete;
/* api_run_vus.c: changing a running run's VUs */
api_handler_fn api_runs_patch;
/* api_run_data.c: what a run measured */
api_handler_fn api_runs_samples, api_runs_samples_csv, api_runs_endpoints, api_runs_summary,
    api_runs_latency;
/* api_run_events.c: a run's markers (POST marks a moment of a running run) */
api_handler_fn api_runs_events_post, api_runs_events_get;
/* api_run_failures.c: why a run's requests failed */
api_handler_fn api_runs_failures;
api_handler_fn api_runs_custom_metrics;
api_handler_fn api_runs_monitors;
api_handler_fn api_runs_monitors_csv;
api_handler_fn api_runs_findings;     /* api_run_findings.c */
/* api_trend.c: a test's runs as a trend, with change points */
api_handler_fn api_tests_trend;
/* api_compare.c: baselines and comparisons */
api_handler_fn api_runs_compare, api_tests_baseline_get, api_tests_baseline_put,
    api_tests_baseline_delete;
/* Sets run's "baseline" key (GET /api/runs/{id}): {"run_id", "mode", "verdict", "comparable"},
   null when the run has no saved test. */
void api_compare_annotate(struct api_request *req, json_t *run);
/* api_schedules.c: schedules and their fires */
api_handler_fn api_schedules_list, api_schedules_create, api_schedules_get, api_schedules_put,
    api_schedules_patch, api_schedules_delete, api_schedules_run, api_schedules_fires,
    api_schedules_preview;
/* api_notify.c: webhooks (a test's notify field, a run's deliveries) */
api_handler_fn api_tests_patch, api_runs_notifications;
/* api_reports.c: a finished run's reports (docs/reports.md). */
api_handler_fn api_runs_junit, api_runs_report;
/* prometheus.c: GET /metrics */
api_handler_fn api_prometheus_metrics;

/* ---- answering (exactly one reply per request) */

/* Answers status with body as JSON. Steals body (like json_object_set_new); NULL body is a bug. */
void api_reply_json_new(struct api_request *req, unsigned status, json_t *body);
/* Answers status with {"error":{"code":code,"message":<formatted>}}. */
void api_reply_error(struct api_request *req, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Answers status with a copy of len bytes of data, labelled content_type. */
void api_reply_raw(struct api_request *req, unsigned status, const char *content_type,
    const void *data, size_t len);
/* Answers status with a prepared MHD response (files, streams). Takes ownership of resp. */
void api_reply_response(struct api_request *req, unsigned status, struct MHD_Response *resp);
/* Adds a header (copied) to the reply that follows; at most 8 per request. */
void api_add_header(struct api_request *req, const char *name, const char *value);

/* Answers 400 bad_request naming a query parameter: {"error":{"code","message":"<name>: <formatted>",
   "parameter":name}}. */
void api_reply_bad_param(struct api_request *req, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Answers 400 {"error":{"code":code,"message":"<what>: <first error>","errors":[{path,message}]}}. */
void api_reply_invalid(struct api_request *req, const char *code, const char *what,
    const struct testdef_errors *errs);
/* Answers status {"error":{"code", "message":"<field>: <why>", "field", "errors":[{path,message}]}}:
   one field of a request body that cannot be taken (PATCH /api/runs/{id}, POST .../events). */
void api_reply_field(struct api_request *req, unsigned status, const char *code, const char *field,
    const char *why);
/* Answers 500 internal "<what>: <cause>"; cause NULL: the read connection's last error. */
void api_reply_db_error(struct api_request *req, const char *what, const char *cause);
/* Answers 200 with b's text (taken: b is left empty), labelled content_type. b must not be full
   (core/buf.h): a cut document is never sent; the handler answers its own error instead. */
void api_reply_buf(struct api_request *req, const char *content_type, struct buf *b);
/* A JSON string of s; bytes that are not UTF-8 become '?'. */
json_t *api_json_text(const char *s);

/* ---- reading the request */

/* A request header (case-insensitive name), or NULL. */
const char *api_header(struct api_request *req, const char *name);
/* A query argument, percent- and '+'-decoded, or NULL if absent (or if it decodes to a NUL). */
const char *api_query(struct api_request *req, const char *name);
/*
 * The body parsed as JSON, or NULL after answering 400 bad_request (the caller then just returns).
 * The caller owns the result (json_decref).
 */
json_t *api_body_json(struct api_request *req);
/* Seconds since api_start. */
int64_t api_uptime_s(const struct api *api);
/* Whether the database and run queue are there; if not, answers 503 and returns false. */
bool api_need_store(struct api_request *req);
/*
 * Validates def under the daemon's security policy (runs/run_plan.h): the plan (caller frees), or
 * NULL after answering 400 invalid_definition.
 */
struct plan *api_definition_plan(struct api_request *req, json_t *def);

/* Whether every query parameter is one of allowed (NULL-terminated) and has a value; if not,
   answers 400 bad_request naming it ("parameter") and returns false. */
bool api_params_ok(struct api_request *req, const char *const *allowed);
/* A query parameter's decoded value: 1 present (*out), 0 absent, -1 after answering 400. */
int api_param_str(struct api_request *req, const char *name, const char **out);
/* An integer parameter in [lo, hi]: 1 present (*out), 0 absent, -1 after answering 400. */
int api_param_int(struct api_request *req, const char *name, long long lo, long long hi,
    long long *out);

/* Keyset cursors of paginated lists: opaque to clients, they hold the last id of a page. */
#define API_CURSOR_MAX 48
/* Encodes "after id" as a cursor. */
void api_cursor_encode(int64_t id, char out[API_CURSOR_MAX]);
/* Decodes a cursor a client sent back: 0 and *id, or -1 when it is not one this API gave. */
int api_cursor_decode(const char *s, int64_t *id);

/* ---- pure helpers, exported for tests/unit/test_http.c */

/*
 * Percent-decodes a URL path into out (size > strlen(raw)). -1 on a malformed escape or one that
 * decodes to NUL. No '+' translation: that is for queries only.
 */
int api_decode_path(const char *raw, char *out, size_t size);
/* Whether path matches pattern; fills params/nparams from the {name} segments. 1 or 0. */
int api_match(const char *pattern, const char *path, long long params[API_PARAMS_MAX], int *nparams);

#endif
