/*
 * api_runs: the runs and their data (docs/api.md): start (from a saved test, with overrides, or
 * inline), list with keyset pagination, get, stop, delete; per-second samples (JSON or CSV, with
 * server-side downsampling that merges the per-second histograms), the per-endpoint table and the
 * k6-shaped summary. Every function runs on the api thread: reads use its read-only connection;
 * state changes go to the run manager (runq.h), which owns every transition.
 *
 * Sample rows are written as text directly (numbers and nulls only): an 8-hour run at step=1 is
 * 28,800 rows of 35 columns, and building a million JSON values to print them would cost more than
 * reading them.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "metrics/hist.h"
#include "runs/overrides.h"
#include "runs/run_store.h"
#include "runs/runq.h"
#include "testdef/testdef.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX     500
#define STEP_MAX           86400      /* seconds per window: a day */
#define SECOND_MAX         1000000000000LL
#define NOTE_MAX           4096       /* bytes */
#define TAGS_MAX           32
#define TAG_KEY_MAX        64
#define TAG_VALUE_MAX      256
#define STATES_MAX         8          /* in ?state=a,b,... */

static const char *const no_params[] = { NULL };

/* The columns of a run as lists show it (0..15); GET adds definition, summary, thresholds (16-18). */
#define RUN_COLUMNS "id, test_id, schedule_id, name, state, trigger, note, tags, queued_ms," \
	" started_ms, ended_ms, error," \
	" json_extract(summary, '$.metrics.http_reqs.values.count')," \
	" json_extract(summary, '$.metrics.http_reqs.values.rate')," \
	" json_extract(summary, '$.metrics.http_req_duration.values.\"p(95)\"')," \
	" json_extract(summary, '$.metrics.http_req_failed.values.rate')"

/* ---- query parameters */

/* Answers 400 bad_request naming a query parameter: {"error":{...,"parameter":name}}. */
static void __attribute__((format(printf, 3, 4)))
reply_bad_param(struct api_request *req, const char *name, const char *fmt, ...)
{
	char msg[512], *full;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	full = xasprintf("%s: %s", name, msg);
	api_reply_json_new(req, 400, json_pack("{s:{s:s, s:o, s:o}}", "error",
	    "code", "bad_request", "message", api_json_text(full), "parameter", api_json_text(name)));
	free(full);
}

struct param_scan {
	const char *const *allowed;
	char bad[64];
	int why;                   /* 1: unknown, 2: no value */
};

/* MHD_KeyValueIterator: stop at the first parameter that is unknown or has no value. */
static enum MHD_Result
scan_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct param_scan *ps = cls;
	int known = 0;

	(void)kind;
	for (const char *const *a = ps->allowed; *a != NULL; a++)
		if (strcmp(*a, key) == 0)
			known = 1;
	if (known && value != NULL)
		return MHD_YES;
	snprintf(ps->bad, sizeof ps->bad, "%s", key);
	ps->why = known ? 2 : 1;
	return MHD_NO;
}

bool
api_params_ok(struct api_request *req, const char *const *allowed)
{
	struct param_scan ps = { .allowed = allowed };
	char list[256] = "";

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, scan_param, &ps);
	if (ps.why == 0)
		return true;
	for (const char *const *a = allowed; *a != NULL; a++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ",
		    *a);
	if (ps.why == 2)
		reply_bad_param(req, ps.bad, "needs a value (%s=...)", ps.bad);
	else
		reply_bad_param(req, ps.bad, "unknown query parameter (this route takes: %s)",
		    list[0] != '\0' ? list : "none");
	return false;
}

/* A query parameter's decoded value: 1 present (*out), 0 absent, -1 after answering 400. */
static int
param_str(struct api_request *req, const char *name, const char **out)
{
	if (MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name) == NULL)
		return 0;
	if ((*out = api_query(req, name)) == NULL) {
		reply_bad_param(req, name, "malformed percent-encoding");
		return -1;
	}
	return 1;
}

/* An integer parameter in [lo, hi]: 1 present (*out), 0 absent, -1 after answering 400. */
static int
param_int(struct api_request *req, const char *name, long long lo, long long hi, long long *out)
{
	const char *v;
	char *end;
	long long n;
	int rc = param_str(req, name, &v);

	if (rc <= 0)
		return rc;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi || (*v < '0' || *v > '9')) {
		reply_bad_param(req, name, "expected an integer from %lld to %lld, got \"%s\"", lo, hi, v);
		return -1;
	}
	*out = n;
	return 1;
}

/* ---- cursors: opaque to clients ("base64url of r<id>") */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes the keyset position "after run id" as a cursor. */
static void
cursor_encode(int64_t id, char out[48])
{
	char raw[32];
	size_t n = (size_t)snprintf(raw, sizeof raw, "r%lld", (long long)id), o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)raw[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

/* Decodes a cursor; 0 and *id, or -1. */
static int
cursor_decode(const char *s, int64_t *id)
{
	char raw[32];
	size_t n = 0, len = strlen(s);
	unsigned v = 0;
	int bits = 0;
	char *end;

	if (len == 0 || len > 40)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(b64, s[i]);
		if (p == NULL || s[i] == '\0')
			return -1;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (char)(v >> bits & 0xff);
		}
	}
	raw[n] = '\0';
	if (raw[0] != 'r' || raw[1] < '1' || raw[1] > '9')
		return -1;
	errno = 0;
	*id = strtoll(raw + 1, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

/* ---- runs as JSON */

/* Adds what the run manager knows of a run that has not ended (position, stop, live second). */
static void
add_status(struct api_request *req, json_t *run, int64_t id, int64_t started_ms)
{
	struct runq_status s;

	if (!runq_status(req->runq, id, &s))
		return;
	if (s.state == RUN_QUEUED)
		json_object_set_new(run, "position", json_integer(s.position));
	json_object_set_new(run, "stop_requested", json_boolean(s.stop_requested));
	if (s.have_live) {
		int64_t elapsed = started_ms > 0 ? clock_wall_ms() - started_ms : s.live.elapsed_ms;
		json_object_set_new(run, "live", json_pack("{s:I, s:I, s:i, s:I, s:f, s:o, s:f, s:I, s:I}",
		    "second", (json_int_t)s.live.second,
		    "elapsed_ms", (json_int_t)elapsed,
		    "vus", s.live.vus,
		    "requests", (json_int_t)s.live.requests,
		    "rps", s.live.rps,
		    "p95_us", s.live.p95_us >= 0 ? json_integer(s.live.p95_us) : json_null(),
		    "error_rate", s.live.error_rate,
		    "total_requests", (json_int_t)s.live.total_requests,
		    "total_failures", (json_int_t)s.live.total_failures));
	}
}

/* A parsed JSON column, or fallback (a new reference) when NULL or unreadable. */
static json_t *
json_column(sqlite3_stmt *st, int col, json_t *fallback)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	json_t *v = text != NULL ? json_loadb(text, (size_t)sqlite3_column_bytes(st, col), 0, NULL) :
	    NULL;

	if (v == NULL)
		return fallback;
	json_decref(fallback);
	return v;
}

/* A run row (RUN_COLUMNS [, definition, summary]) as JSON. */
static json_t *
run_json(struct api_request *req, sqlite3_stmt *st, bool full)
{
	int64_t id = sqlite3_column_int64(st, 0);
	int64_t started = sqlite3_column_int64(st, 9);
	json_t *r = json_object();

	json_object_set_new(r, "id", json_integer(id));
	json_object_set_new(r, "test_id", api_opt_int(st, 1));
	json_object_set_new(r, "schedule_id", api_opt_int(st, 2));
	json_object_set_new(r, "name", api_opt_text(st, 3));
	json_object_set_new(r, "state", api_opt_text(st, 4));
	json_object_set_new(r, "trigger", api_opt_text(st, 5));
	json_object_set_new(r, "note", api_opt_text(st, 6));
	json_object_set_new(r, "tags", json_column(st, 7, json_object()));
	json_object_set_new(r, "queued_ms", api_opt_int(st, 8));
	json_object_set_new(r, "started_ms", api_opt_int(st, 9));
	json_object_set_new(r, "ended_ms", api_opt_int(st, 10));
	json_object_set_new(r, "error", api_opt_text(st, 11));
	json_object_set_new(r, "stats", api_run_stats(st, 12));
	add_status(req, r, id, started);
	if (full) {
		json_object_set_new(r, "definition", json_column(st, 16, json_null()));
		json_object_set_new(r, "summary", json_column(st, 17, json_null()));
		json_object_set_new(r, "thresholds", json_column(st, 18, json_null()));
	}
	return r;
}

/* One run, fully; NULL when there is none (or on a db error: *dberr). */
static json_t *
load_run(struct api_request *req, int64_t id, bool *dberr)
{
	sqlite3_stmt *st;
	json_t *r = NULL;
	int rc;

	*dberr = false;
	if (sqlite3_prepare_v2(req->db, "SELECT " RUN_COLUMNS ", definition, summary, thresholds "
	    "FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		*dberr = true;
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = run_json(req, st, true);
	else if (rc != SQLITE_DONE)
		*dberr = true;
	sqlite3_finalize(st);
	return r;
}

/* Answers 200/202 with a run, or 404. */
static void
reply_run(struct api_request *req, unsigned status, int64_t id)
{
	bool dberr;
	json_t *r = load_run(req, id, &dberr);

	if (r != NULL)
		api_reply_json_new(req, status, r);
	else if (dberr)
		api_reply_db_error(req, "reading the run");
	else
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
}

/* ---- starting runs */

/* What the body of a start request says besides the definition. */
struct start {
	struct overrides ov;
	const char *note;          /* borrowed from the body */
	char *tags;                /* JSON text (xmalloc'd), NULL: {} */
};

/* Checks a start body's keys and values; -1 after answering 400 invalid_overrides. */
static int
read_start(struct api_request *req, json_t *body, bool with_definition, struct start *s)
{
	static const char *const keys[] = { "vus", "duration", "rate", "tags", "note", "definition" };
	size_t nkeys = with_definition ? 6 : 5;
	struct testdef_errors errs;
	const char *key;
	json_t *v, *tags;

	memset(s, 0, sizeof *s);
	testdef_errors_init(&errs);
	json_object_foreach(body, key, v) {
		size_t i;
		for (i = 0; i < nkeys && strcmp(keys[i], key) != 0; i++)
			;
		if (i == nkeys)
			testdef_errors_add(&errs, key, "unknown key (a start request takes %s)",
			    with_definition ? "definition, vus, duration, rate, tags, note" :
			    "vus, duration, rate, tags, note");
	}
	overrides_parse(body, &s->ov, &errs);
	if ((v = json_object_get(body, "note")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) > NOTE_MAX)
			testdef_errors_add(&errs, "note", "expected a string of at most %d bytes", NOTE_MAX);
		else
			s->note = json_string_value(v);
	}
	if ((tags = json_object_get(body, "tags")) != NULL) {
		if (!json_is_object(tags) || json_object_size(tags) > TAGS_MAX) {
			testdef_errors_add(&errs, "tags", "expected an object of at most %d string tags",
			    TAGS_MAX);
		} else {
			json_object_foreach(tags, key, v) {
				char path[TAG_KEY_MAX + 16];
				snprintf(path, sizeof path, "tags.%s", key);
				if (strlen(key) == 0 || strlen(key) > TAG_KEY_MAX)
					testdef_errors_add(&errs, "tags", "tag names have 1 to %d bytes",
					    TAG_KEY_MAX);
				else if (!json_is_string(v) || json_string_length(v) > TAG_VALUE_MAX)
					testdef_errors_add(&errs, path, "expected a string of at most %d bytes",
					    TAG_VALUE_MAX);
			}
			s->tags = json_dumps(tags, JSON_COMPACT);
		}
	}
	if (errs.n > 0) {
		api_reply_invalid(req, "invalid_overrides", "invalid start request", &errs);
		testdef_errors_fini(&errs);
		free(s->tags);
		s->tags = NULL;
		return -1;
	}
	testdef_errors_fini(&errs);
	return 0;
}

/*
 * Applies the overrides to def, validates it and queues the run. stored_text: the definition's
 * text when it is to be kept byte for byte (a saved test with no override), else NULL.
 */
static void
start_run(struct api_request *req, json_t *def, const char *stored_text, int64_t test_id,
    struct start *s)
{
	struct testdef_errors errs;
	struct plan *plan;
	struct runq_new nr = { .test_id = test_id, .trigger = "api", .note = s->note, .tags = s->tags };
	char *text = NULL, *cause = NULL, loc[48];
	int64_t id;

	testdef_errors_init(&errs);
	if (overrides_apply(def, &s->ov, &errs) != 0) {
		api_reply_invalid(req, "invalid_overrides", "invalid start request", &errs);
		testdef_errors_fini(&errs);
		return;
	}
	testdef_errors_fini(&errs);
	if ((plan = api_definition_plan(req, def)) == NULL)
		return;
	if (stored_text == NULL || s->ov.has_vus || s->ov.has_duration || s->ov.has_rate)
		stored_text = text = json_dumps(def, JSON_COMPACT);
	nr.name = plan->name != NULL ? plan->name : "unnamed";
	nr.definition = stored_text;
	if (runq_submit(req->runq, &nr, &id, &cause) != 0) {
		api_reply_error(req, 500, "internal", "queueing the run: %s", cause);
		free(cause);
	} else {
		snprintf(loc, sizeof loc, "/api/runs/%lld", (long long)id);
		api_add_header(req, "Location", loc);
		reply_run(req, 202, id);
	}
	free(text);
	plan_free(plan);
}

/* POST /api/tests/{id}/runs: start a run of a saved test; the body (optional) holds overrides. */
void
api_runs_create_for_test(struct api_request *req)
{
	sqlite3_stmt *st;
	json_t *body = NULL, *def = NULL;
	struct start s;
	char *text = NULL;
	int rc;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (req->body_len > 0) {
		if ((body = api_body_json(req)) == NULL)
			return;
		if (!json_is_object(body)) {
			api_reply_error(req, 400, "bad_request", "the body must be a JSON object of "
			    "overrides (vus, duration, rate, tags, note)");
			goto out;
		}
	} else {
		body = json_object();
	}
	if (read_start(req, body, false, &s) != 0)
		goto out;
	if (sqlite3_prepare_v2(req->db, "SELECT definition FROM tests WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		api_reply_db_error(req, "reading the test");
		goto out_s;
	}
	sqlite3_bind_int64(st, 1, req->params[0]);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		text = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			api_reply_error(req, 404, "not_found", "no test %lld", req->params[0]);
		else
			api_reply_db_error(req, "reading the test");
		goto out_s;
	}
	if ((def = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		api_reply_error(req, 500, "internal", "test %lld holds a definition that is not JSON",
		    req->params[0]);
		goto out_s;
	}
	start_run(req, def, text, req->params[0], &s);
out_s:
	free(s.tags);
out:
	free(text);
	json_decref(def);
	json_decref(body);
}

/* POST /api/runs: start a run of an inline definition ({"definition": {...}, overrides...}). */
void
api_runs_create(struct api_request *req)
{
	json_t *body, *def;
	struct start s;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if ((body = api_body_json(req)) == NULL)
		return;
	if (!json_is_object(body)) {
		api_reply_error(req, 400, "bad_request", "the body must be a JSON object: "
		    "{\"definition\": {...}, \"vus\": ..., \"note\": ...}");
	} else if (read_start(req, body, true, &s) == 0) {
		if ((def = json_object_get(body, "definition")) == NULL) {
			struct testdef_errors errs;
			testdef_errors_init(&errs);
			testdef_errors_add(&errs, "", "a \"definition\" object is required");
			api_reply_invalid(req, "invalid_definition", "invalid definition", &errs);
			testdef_errors_fini(&errs);
		} else {
			start_run(req, def, NULL, 0, &s);
		}
		free(s.tags);
	}
	json_decref(body);
}

/* ---- listing, getting, stopping, deleting */

/* GET /api/runs?test=&state=&since=&limit=&cursor=: newest first, keyset pagination. */
void
api_runs_list(struct api_request *req)
{
	static const char *const allowed[] = { "test", "state", "since", "limit", "cursor", NULL };
	long long test = 0, since = 0, limit = LIST_LIMIT_DEFAULT;
	int has_test, has_since, nstates = 0, rc, n = 0;
	const char *states_arg = NULL, *cursor_arg = NULL;
	enum run_state states[STATES_MAX];
	int64_t after = 0, last = 0;
	char sql[1024], next[48];
	sqlite3_stmt *st;
	json_t *list;
	size_t len;

	if (!api_need_store(req) || !api_params_ok(req, allowed))
		return;
	if ((has_test = param_int(req, "test", 1, INT64_MAX, &test)) < 0 ||
	    (has_since = param_int(req, "since", 0, INT64_MAX, &since)) < 0 ||
	    param_int(req, "limit", 1, LIST_LIMIT_MAX, &limit) < 0 ||
	    param_str(req, "state", &states_arg) < 0 || param_str(req, "cursor", &cursor_arg) < 0)
		return;
	if (states_arg != NULL) {
		const char *p = states_arg;
		for (;;) {
			size_t wl = strcspn(p, ",");
			char word[16];
			int s = -1;
			if (wl < sizeof word) {
				memcpy(word, p, wl);
				word[wl] = '\0';
				s = run_state_from_name(word);
			}
			if (s < 0) {
				reply_bad_param(req, "state", "expected run states separated by commas "
				    "(queued, running, stopping, passed, failed, stopped, aborted, error), got "
				    "\"%s\"", states_arg);
				return;
			}
			if (nstates == STATES_MAX) {
				reply_bad_param(req, "state", "at most %d states", STATES_MAX);
				return;
			}
			states[nstates++] = (enum run_state)s;
			if (p[wl] == '\0')
				break;
			p += wl + 1;
		}
	}
	if (cursor_arg != NULL && cursor_decode(cursor_arg, &after) != 0) {
		reply_bad_param(req, "cursor", "not a cursor this API gave (use next_cursor from a "
		    "previous page)");
		return;
	}

	len = (size_t)snprintf(sql, sizeof sql, "SELECT " RUN_COLUMNS " FROM runs WHERE 1");
	if (has_test)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND test_id = ?1");
	if (has_since)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND queued_ms >= ?2");
	if (after > 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND id < ?3");
	for (int i = 0; i < nstates; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?%d%s", i == 0 ? " AND state IN (" :
		    ", ", 10 + i, i == nstates - 1 ? ")" : "");
	snprintf(sql + len, sizeof sql - len, " ORDER BY id DESC LIMIT ?4");
	if (sqlite3_prepare_v2(req->db, sql, -1, &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "listing runs");
		return;
	}
	sqlite3_bind_int64(st, 1, test);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, after);
	sqlite3_bind_int64(st, 4, limit + 1);
	for (int i = 0; i < nstates; i++)
		sqlite3_bind_text(st, 10 + i, run_state_name(states[i]), -1, SQLITE_STATIC);
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
		last = sqlite3_column_int64(st, 0);
		json_array_append_new(list, run_json(req, st, false));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(list);
		api_reply_db_error(req, "listing runs");
		return;
	}
	/* a row beyond `limit` was there: another page follows */
	if (rc == SQLITE_ROW)
		cursor_encode(last, next);
	api_reply_json_new(req, 200, json_pack("{s:o, s:o}", "runs", list,
	    "next_cursor", rc == SQLITE_ROW ? json_string(next) : json_null()));
}

/* GET /api/runs/{id}. */
void
api_runs_get(struct api_request *req)
{
	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	reply_run(req, 200, req->params[0]);
}

/* POST /api/runs/{id}/stop[?force=true]: 202 with the run. */
void
api_runs_stop(struct api_request *req)
{
	static const char *const allowed[] = { "force", NULL };
	const char *force_arg = NULL;
	bool force = false;
	enum run_state state;
	int64_t id = req->params[0];

	if (!api_need_store(req) || !api_params_ok(req, allowed) || param_str(req, "force", &force_arg) < 0)
		return;
	if (force_arg != NULL) {
		if (strcmp(force_arg, "true") == 0 || strcmp(force_arg, "1") == 0)
			force = true;
		else if (strcmp(force_arg, "false") != 0 && strcmp(force_arg, "0") != 0) {
			reply_bad_param(req, "force", "expected true or false, got \"%s\"", force_arg);
			return;
		}
	}
	switch (runq_stop_run(req->runq, id, force, &state)) {
	case RUNQ_OK:
		reply_run(req, 202, id);
		break;
	case RUNQ_NOT_FOUND:
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		break;
	case RUNQ_CONFLICT:
		api_reply_error(req, 409, "conflict", "run %lld has already ended (%s)", (long long)id,
		    run_state_name(state));
		break;
	case RUNQ_FAILED:
		api_reply_error(req, 500, "internal", "stopping run %lld failed", (long long)id);
		break;
	}
}

/* DELETE /api/runs/{id}: a queued run is cancelled and deleted; a running one is refused. 204. */
void
api_runs_delete(struct api_request *req)
{
	enum run_state state;
	int64_t id = req->params[0];
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	switch (runq_delete(req->runq, id, &state, &cause)) {
	case RUNQ_OK:
		api_reply_raw(req, 204, "application/json", "", 0);
		break;
	case RUNQ_NOT_FOUND:
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
		break;
	case RUNQ_CONFLICT:
		api_reply_error(req, 409, "conflict", "run %lld is %s: stop it first (POST "
		    "/api/runs/%lld/stop), then delete it once it has ended", (long long)id,
		    run_state_name(state), (long long)id);
		break;
	case RUNQ_FAILED:
		api_reply_error(req, 500, "internal", "deleting run %lld: %s", (long long)id,
		    cause != NULL ? cause : "failed");
		break;
	}
	free(cause);
}

/* ---- data: samples, endpoints, summary */

/* A growing text buffer (replies are built whole: MHD sends them). */
struct buf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap ? b->cap * 2 : 65536;
		while (b->cap - b->len <= (size_t)n)
			b->cap *= 2;
		b->p = xrealloc(b->p, b->cap);
	}
	b->len += (size_t)n;
}

/* Answers with a buffer's text (taken: MHD frees it). */
static void
reply_buf(struct api_request *req, const char *content_type, struct buf *b)
{
	struct MHD_Response *resp;

	if (b->p == NULL)
		b->p = xstrdup("");
	resp = MHD_create_response_from_buffer(b->len, b->p, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		abort();   /* out of memory */
	b->p = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	api_reply_response(req, 200, resp);
}

/* What a samples request asks for. */
struct samples_query {
	int64_t run_id;
	int endpoint;              /* 0: total */
	char *endpoint_name;
	long long from, to, step;
	bool has_to;
	bool csv;
};

/* A window of seconds being merged (step > 1). */
struct window {
	int64_t start;             /* first second of the window (a multiple of step) */
	int n;                     /* seconds merged */
	int64_t v[RUN_NCOLS];      /* SUM: sum; MAX: max */
	bool have[RUN_NCOLS];      /* MAX/MEAN columns: some row had a value */
	double cpu;                /* max cpu_pct */
	double wsum[RUN_NCOLS];    /* MEAN: sum of value x requests */
	int64_t wn[RUN_NCOLS];     /* MEAN: requests behind wsum */
	struct hist *h;
};

/* Writes one row (of step > 1 when seconds > 0) as JSON or CSV. */
static void
emit_row(struct buf *b, const struct samples_query *q, int64_t second, const struct run_row *row,
    int seconds, bool first)
{
	if (q->csv) {
		buf_add(b, "%" PRId64, second);
		for (int c = 0; c < RUN_NCOLS; c++) {
			if (row->null[c])
				buf_add(b, ",");
			else if (run_cols[c].real)
				buf_add(b, ",%.2f", row->cpu_pct);
			else
				buf_add(b, ",%" PRId64, row->v[c]);
		}
		if (q->step > 1)
			buf_add(b, ",%d", seconds);
		buf_add(b, "\r\n");
		return;
	}
	buf_add(b, "%s{\"second\":%" PRId64, first ? "" : ",", second);
	for (int c = 0; c < RUN_NCOLS; c++) {
		if (row->null[c])
			buf_add(b, ",\"%s\":null", run_cols[c].name);
		else if (run_cols[c].real)
			buf_add(b, ",\"%s\":%.2f", run_cols[c].name, row->cpu_pct);
		else
			buf_add(b, ",\"%s\":%" PRId64, run_cols[c].name, row->v[c]);
	}
	if (q->step > 1)
		buf_add(b, ",\"seconds\":%d", seconds);
	buf_add(b, "}");
}

/* Reads the value columns (from column 1 on) of a samples row. */
static void
read_row(sqlite3_stmt *st, struct run_row *row)
{
	memset(row, 0, sizeof *row);
	for (int c = 0; c < RUN_NCOLS; c++) {
		row->null[c] = sqlite3_column_type(st, 1 + c) == SQLITE_NULL;
		if (run_cols[c].real)
			row->cpu_pct = sqlite3_column_double(st, 1 + c);
		else
			row->v[c] = sqlite3_column_int64(st, 1 + c);
	}
}

/* Adds one second to a window. */
static void
window_add(struct window *w, const struct run_row *row, const void *blob, int blob_len)
{
	int64_t req = row->v[RUN_COL_REQUESTS];

	w->n++;
	for (int c = 0; c < RUN_NCOLS; c++) {
		if (row->null[c])
			continue;
		switch (run_cols[c].kind) {
		case RUN_COL_SUM:
			w->v[c] += row->v[c];
			break;
		case RUN_COL_MAX:
			if (run_cols[c].real) {
				if (!w->have[c] || row->cpu_pct > w->cpu)
					w->cpu = row->cpu_pct;
			} else if (!w->have[c] || row->v[c] > w->v[c]) {
				w->v[c] = row->v[c];
			}
			w->have[c] = true;
			break;
		case RUN_COL_MEAN:
			if (req > 0) {
				w->wsum[c] += (double)row->v[c] * (double)req;
				w->wn[c] += req;
				w->have[c] = true;
			}
			break;
		case RUN_COL_PCT:
			break;     /* from the histogram */
		}
	}
	if (blob != NULL)
		hist_merge_blob(w->h, blob, (size_t)blob_len, NULL);
}

/* The row a window adds up to. */
static void
window_row(const struct window *w, struct run_row *row)
{
	uint64_t count = hist_count(w->h);

	memset(row, 0, sizeof *row);
	for (int c = 0; c < RUN_NCOLS; c++) {
		switch (run_cols[c].kind) {
		case RUN_COL_SUM:
			row->v[c] = w->v[c];
			break;
		case RUN_COL_MAX:
			row->null[c] = !w->have[c];
			row->v[c] = w->v[c];
			row->cpu_pct = run_cols[c].real ? w->cpu : row->cpu_pct;
			break;
		case RUN_COL_MEAN:
			row->null[c] = !w->have[c];
			row->v[c] = w->wn[c] > 0 ? llround(w->wsum[c] / (double)w->wn[c]) : 0;
			break;
		case RUN_COL_PCT:
			row->null[c] = count == 0;
			break;
		}
	}
	if (count > 0) {
		row->v[RUN_COL_LAT_MEAN] = llround(hist_mean(w->h));
		row->v[RUN_COL_LAT_P50] = (int64_t)hist_percentile(w->h, 50);
		row->v[RUN_COL_LAT_P90] = (int64_t)hist_percentile(w->h, 90);
		row->v[RUN_COL_LAT_P95] = (int64_t)hist_percentile(w->h, 95);
		row->v[RUN_COL_LAT_P99] = (int64_t)hist_percentile(w->h, 99);
	}
}

/* Empties a window for the one starting at `start`. */
static void
window_reset(struct window *w, int64_t start)
{
	struct hist *h = w->h;

	if (w->n > 0 || hist_count(h) > 0)
		hist_reset(h);
	memset(w, 0, sizeof *w);
	w->h = h;
	w->start = start;
}

/* Binds run, endpoint, from and to (?1..?4). */
static void
bind_range(sqlite3_stmt *st, const struct samples_query *q)
{
	sqlite3_bind_int64(st, 1, q->run_id);
	sqlite3_bind_int(st, 2, q->endpoint);
	sqlite3_bind_int64(st, 3, q->from);
	sqlite3_bind_int64(st, 4, q->to);
}

/* Reads and writes the samples of a query into b; -1 on a db error. */
static int
samples_write(sqlite3 *db, const struct samples_query *q, struct buf *b)
{
	char sql[2048];
	size_t len = 0;
	sqlite3_stmt *st, *hst = NULL;
	struct window w = { 0 };
	struct run_row row;
	bool first = true;
	int rc, hrc = SQLITE_DONE;

	len += (size_t)snprintf(sql + len, sizeof sql - len, "SELECT second");
	for (int c = 0; c < RUN_NCOLS; c++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", %s", run_cols[c].name);
	snprintf(sql + len, sizeof sql - len, " FROM samples WHERE run_id = ?1 AND endpoint = ?2"
	    " AND second BETWEEN ?3 AND ?4 ORDER BY second");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_range(st, q);
	if (q->step > 1) {
		/* the blobs in a range scan of their own, walked beside the rows (a join would look each
		   one up: twice the time for an 8-hour chart) */
		if (sqlite3_prepare_v2(db, "SELECT second, hist FROM sample_histograms WHERE run_id = ?1 "
		    "AND endpoint = ?2 AND second BETWEEN ?3 AND ?4 ORDER BY second", -1, &hst, NULL) !=
		    SQLITE_OK) {
			sqlite3_finalize(st);
			return -1;
		}
		bind_range(hst, q);
		hrc = sqlite3_step(hst);
		w.h = hist_new();
		window_reset(&w, -1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t second = sqlite3_column_int64(st, 0);
		const void *blob = NULL;
		int blob_len = 0;
		read_row(st, &row);
		if (q->step == 1) {
			emit_row(b, q, second, &row, 1, first);
			first = false;
			continue;
		}
		if (w.n > 0 && second / q->step * q->step != w.start) {
			struct run_row out;
			window_row(&w, &out);
			emit_row(b, q, w.start, &out, w.n, first);
			first = false;
		}
		if (w.n == 0 || second / q->step * q->step != w.start)
			window_reset(&w, second / q->step * q->step);
		while (hrc == SQLITE_ROW && sqlite3_column_int64(hst, 0) < second)
			hrc = sqlite3_step(hst);
		if (hrc == SQLITE_ROW && sqlite3_column_int64(hst, 0) == second) {
			blob = sqlite3_column_blob(hst, 1);
			blob_len = sqlite3_column_bytes(hst, 1);
		}
		window_add(&w, &row, blob, blob_len);
	}
	if (hrc != SQLITE_ROW && hrc != SQLITE_DONE)
		rc = hrc;
	if (rc == SQLITE_DONE && q->step > 1 && w.n > 0) {
		struct run_row out;
		window_row(&w, &out);
		emit_row(b, q, w.start, &out, w.n, first);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(hst);
	hist_free(w.h);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Whether run id exists; answers 404 (or 500) when it does not. */
static bool
run_exists(struct api_request *req, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(req->db, "SELECT 1 FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "reading the run");
		return false;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return true;
	if (rc == SQLITE_DONE)
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	else
		api_reply_db_error(req, "reading the run");
	return false;
}

/* Reads the parameters of a samples request; false after answering. */
static bool
samples_params(struct api_request *req, struct samples_query *q)
{
	static const char *const allowed[] = { "endpoint", "from", "to", "step", NULL };
	const char *name = NULL;
	sqlite3_stmt *st;
	int rc;

	q->run_id = req->params[0];
	q->from = 0;
	q->to = SECOND_MAX;
	q->step = 1;
	if (!api_params_ok(req, allowed) || param_int(req, "from", 0, SECOND_MAX, &q->from) < 0 ||
	    (rc = param_int(req, "to", 0, SECOND_MAX, &q->to)) < 0 ||
	    param_int(req, "step", 1, STEP_MAX, &q->step) < 0 || param_str(req, "endpoint", &name) < 0)
		return false;
	q->has_to = rc > 0;
	if (q->to < q->from) {
		reply_bad_param(req, "to", "must be at least from (%lld), got %lld", q->from, q->to);
		return false;
	}
	if (!run_exists(req, q->run_id))
		return false;
	if (name == NULL || strcmp(name, "total") == 0) {
		q->endpoint = 0;
		q->endpoint_name = xstrdup("total");
		return true;
	}
	if (sqlite3_prepare_v2(req->db, "SELECT idx FROM endpoints WHERE run_id = ? AND name = ?", -1,
	    &st, NULL) != SQLITE_OK) {
		api_reply_db_error(req, "reading endpoints");
		return false;
	}
	sqlite3_bind_int64(st, 1, q->run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		q->endpoint = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		reply_bad_param(req, "endpoint", "run %lld has no endpoint named \"%s\" (see GET "
		    "/api/runs/%lld/endpoints; \"total\" is every endpoint together)",
		    (long long)q->run_id, name, (long long)q->run_id);
		return false;
	}
	q->endpoint_name = xstrdup(name);
	return true;
}

/* GET /api/runs/{id}/samples?endpoint=&from=&to=&step=. */
void
api_runs_samples(struct api_request *req)
{
	struct samples_query q = { 0 };
	struct buf b = { 0 };
	char *name;

	if (!api_need_store(req) || !samples_params(req, &q))
		return;
	json_t *js = api_json_text(q.endpoint_name);
	name = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	buf_add(&b, "{\"run_id\":%" PRId64 ",\"endpoint\":{\"idx\":%d,\"name\":%s},\"from\":%lld,"
	    "\"to\":", q.run_id, q.endpoint, name, q.from);
	if (q.has_to)
		buf_add(&b, "%lld", q.to);
	else
		buf_add(&b, "null");
	buf_add(&b, ",\"step\":%lld,\"samples\":[", q.step);
	free(name);
	if (samples_write(req->db, &q, &b) != 0) {
		api_reply_db_error(req, "reading samples");
	} else {
		buf_add(&b, "]}");
		reply_buf(req, "application/json", &b);
	}
	free(b.p);
	free(q.endpoint_name);
}

/* GET /api/runs/{id}/samples.csv: the same rows as CSV, one header line. */
void
api_runs_samples_csv(struct api_request *req)
{
	struct samples_query q = { .csv = true };
	struct buf b = { 0 };
	char disposition[128];

	if (!api_need_store(req) || !samples_params(req, &q))
		return;
	buf_add(&b, "second");
	for (int c = 0; c < RUN_NCOLS; c++)
		buf_add(&b, ",%s", run_cols[c].name);
	buf_add(&b, "%s\r\n", q.step > 1 ? ",seconds" : "");
	if (samples_write(req->db, &q, &b) != 0) {
		api_reply_db_error(req, "reading samples");
	} else {
		if (q.endpoint == 0)
			snprintf(disposition, sizeof disposition, "attachment; filename=\"run-%lld-total.csv\"",
			    (long long)q.run_id);
		else
			snprintf(disposition, sizeof disposition,
			    "attachment; filename=\"run-%lld-endpoint-%d.csv\"", (long long)q.run_id,
			    q.endpoint);
		api_add_header(req, "Content-Disposition", disposition);
		reply_buf(req, "text/csv; charset=utf-8", &b);
	}
	free(b.p);
	free(q.endpoint_name);
}

/* Per-endpoint accumulation for the endpoints table. */
struct ep_acc {
	json_t *obj;
	struct hist *h;
	bool have_hist;
};

/* GET /api/runs/{id}/endpoints: the per-endpoint table over the whole run. */
void
api_runs_endpoints(struct api_request *req)
{
	int64_t id = req->params[0];
	sqlite3_stmt *st = NULL;
	struct ep_acc *acc = NULL;
	int n = 1, rc;
	double duration_s = 0;
	const char *source = "run_histograms";
	json_t *eps = NULL, *total = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params) ||
	    !run_exists(req, id))
		return;
	/* the run's length: whole seconds recorded (a finished run: started..ended) */
	if (sqlite3_prepare_v2(req->db, "SELECT coalesce(ended_ms, ?2) - started_ms FROM runs "
	    "WHERE id = ?1 AND started_ms IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, clock_wall_ms());
	if (sqlite3_step(st) == SQLITE_ROW)
		duration_s = sqlite3_column_double(st, 0) / 1000;
	sqlite3_finalize(st);

	/* endpoint 0 (total) and the run's endpoints */
	if (sqlite3_prepare_v2(req->db, "SELECT count(*) FROM endpoints WHERE run_id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	acc = xcalloc((size_t)n, sizeof *acc);
	for (int i = 0; i < n; i++) {
		acc[i].obj = json_pack("{s:i, s:s, s:n}", "idx", i, "name", "total", "method");
		acc[i].h = hist_new();
	}
	if (sqlite3_prepare_v2(req->db, "SELECT idx, name, method FROM endpoints WHERE run_id = ? "
	    "ORDER BY idx", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		if (i < 1 || i >= n)
			continue;
		json_object_set_new(acc[i].obj, "name", api_opt_text(st, 1));
		json_object_set_new(acc[i].obj, "method", api_opt_text(st, 2));
	}
	sqlite3_finalize(st);

	/* counters: sums over every second */
	if (sqlite3_prepare_v2(req->db, "SELECT endpoint, sum(requests), sum(failures), "
	    "sum(status_2xx), sum(status_3xx), sum(status_4xx), sum(status_5xx), sum(bytes_sent), "
	    "sum(bytes_received), sum(fail_refused + fail_timeout + fail_reset + fail_dns + fail_tls + "
	    "fail_other) FROM samples WHERE run_id = ? GROUP BY endpoint", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		int64_t req_n = sqlite3_column_int64(st, 1), fail_n = sqlite3_column_int64(st, 2);
		if (i < 0 || i >= n)
			continue;
		json_object_set_new(acc[i].obj, "requests", json_integer(req_n));
		json_object_set_new(acc[i].obj, "failures", json_integer(fail_n));
		json_object_set_new(acc[i].obj, "error_rate", json_real(req_n > 0 ?
		    (double)fail_n / (double)req_n : 0.0));
		json_object_set_new(acc[i].obj, "rps", json_real(duration_s > 0 ?
		    round((double)req_n / duration_s * 1000) / 1000 : 0.0));
		json_object_set_new(acc[i].obj, "status_2xx", json_integer(sqlite3_column_int64(st, 3)));
		json_object_set_new(acc[i].obj, "status_3xx", json_integer(sqlite3_column_int64(st, 4)));
		json_object_set_new(acc[i].obj, "status_4xx", json_integer(sqlite3_column_int64(st, 5)));
		json_object_set_new(acc[i].obj, "status_5xx", json_integer(sqlite3_column_int64(st, 6)));
		json_object_set_new(acc[i].obj, "bytes_sent", json_integer(sqlite3_column_int64(st, 7)));
		json_object_set_new(acc[i].obj, "bytes_received", json_integer(sqlite3_column_int64(st, 8)));
		json_object_set_new(acc[i].obj, "no_response", json_integer(sqlite3_column_int64(st, 9)));
	}
	sqlite3_finalize(st);

	/* latency: the whole-run histograms, or (while it runs) every second's merged */
	if (sqlite3_prepare_v2(req->db, "SELECT endpoint, hist FROM run_histograms WHERE run_id = ? "
	    "AND metric = 'duration'", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		if (i >= 0 && i < n && hist_decode(acc[i].h, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), NULL) == 0)
			acc[i].have_hist = true;
	}
	sqlite3_finalize(st);
	if (!acc[0].have_hist) {
		source = "sample_histograms";
		if (sqlite3_prepare_v2(req->db, "SELECT endpoint, hist FROM sample_histograms "
		    "WHERE run_id = ?", -1, &st, NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int i = sqlite3_column_int(st, 0);
			if (i >= 0 && i < n && hist_merge_blob(acc[i].h, sqlite3_column_blob(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1), NULL) == 0)
				acc[i].have_hist = true;
		}
		sqlite3_finalize(st);
	}
	st = NULL;

	/* status codes (written when the run ends) */
	for (int i = 0; i < n; i++)
		json_object_set_new(acc[i].obj, "status_codes", json_object());
	if (sqlite3_prepare_v2(req->db, "SELECT endpoint, status, count FROM run_status_codes "
	    "WHERE run_id = ? ORDER BY endpoint, status", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		char code[8];
		if (i < 0 || i >= n)
			continue;
		snprintf(code, sizeof code, "%d", sqlite3_column_int(st, 1));
		json_object_set_new(json_object_get(acc[i].obj, "status_codes"), code,
		    json_integer(sqlite3_column_int64(st, 2)));
	}
	sqlite3_finalize(st);
	st = NULL;

	eps = json_array();
	for (int i = 0; i < n; i++) {
		const struct hist *h = acc[i].h;
		bool any = hist_count(h) > 0;
		json_t *o = acc[i].obj;
		if (json_object_get(o, "requests") == NULL) {
			json_object_set_new(o, "requests", json_integer(0));
			json_object_set_new(o, "failures", json_integer(0));
		}
		json_object_set_new(o, "lat_mean_us", any ? json_integer(llround(hist_mean(h))) : json_null());
		json_object_set_new(o, "lat_p50_us", any ? json_integer((json_int_t)hist_percentile(h, 50)) :
		    json_null());
		json_object_set_new(o, "lat_p90_us", any ? json_integer((json_int_t)hist_percentile(h, 90)) :
		    json_null());
		json_object_set_new(o, "lat_p95_us", any ? json_integer((json_int_t)hist_percentile(h, 95)) :
		    json_null());
		json_object_set_new(o, "lat_p99_us", any ? json_integer((json_int_t)hist_percentile(h, 99)) :
		    json_null());
		json_object_set_new(o, "lat_max_us", any ? json_integer((json_int_t)hist_max(h)) : json_null());
		if (i == 0)
			total = json_incref(o);
		else
			json_array_append(eps, o);
	}
	api_reply_json_new(req, 200, json_pack("{s:I, s:s, s:f, s:o, s:o}", "run_id", (json_int_t)id,
	    "source", source, "duration_s", duration_s, "total", total, "endpoints", eps));
	goto out;
dberr:
	sqlite3_finalize(st);
	json_decref(eps);
	api_reply_db_error(req, "reading endpoints");
out:
	if (acc != NULL) {
		for (int i = 0; i < n; i++) {
			json_decref(acc[i].obj);
			hist_free(acc[i].h);
		}
	}
	free(acc);
}

/* GET /api/runs/{id}/summary: the k6 handleSummary-shaped document stored at the end. */
void
api_runs_summary(struct api_request *req)
{
	int64_t id = req->params[0];
	sqlite3_stmt *st;
	int rc;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (sqlite3_prepare_v2(req->db, "SELECT state, summary FROM runs WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		api_reply_db_error(req, "reading the run");
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL) {
		api_reply_raw(req, 200, "application/json", sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	} else if (rc == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		int s = run_state_from_name(state);
		if (s >= 0 && !run_state_final((enum run_state)s))
			api_reply_error(req, 409, "conflict", "run %lld is %s: its summary is written when it "
			    "ends", (long long)id, state);
		else
			api_reply_error(req, 404, "not_found", "run %lld has no summary (it ended %s before "
			    "one was written)", (long long)id, state);
	} else if (rc == SQLITE_DONE) {
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	} else {
		api_reply_db_error(req, "reading the run");
	}
	sqlite3_finalize(st);
}
