/*
 * api_run_data: what a run measured (docs/api.md): its per-second samples as JSON or CSV (with
 * server-side downsampling: `step` merges windows of seconds, run_window.h), its per-endpoint table
 * and its k6-shaped summary. Every function runs on the api thread; the reads are runs/run_query.h's
 * on its read-only connection, the formats are here.
 *
 * Sample rows are written as text directly (numbers and nulls only): an 8-hour run at step=1 is
 * 28,800 rows of 35 columns, and building a million JSON values to print them would cost more than
 * reading them. The text goes into a buffer capped at SAMPLES_MAX_BYTES: a request for more
 * answers 400 asking for a larger step or fewer seconds, never a cut document.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "http/api_priv.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "runs/run_query.h"
#include "runs/run_store.h"
#include "runs/runq.h"

#define STEP_MAX           86400      /* seconds per window: a day */
#define SECOND_MAX         1000000000000LL
/* Bytes of a samples reply: a row is under 1 KiB of JSON, so this holds some 70 hours at step=1. */
#define SAMPLES_MAX_BYTES  (256u << 20)

static const char *const no_params[] = { NULL };

/* ---- samples */

/* What a samples request asks for. */
struct samples_req {
	struct run_query_samples q;
	char *endpoint_name;
	bool has_to;
	bool csv;
};

/* Where the rows of a samples read are written (run_query_row_fn's arg). */
struct samples_out {
	struct buf b;
	bool csv;
	int64_t step;
	bool first;                /* no JSON row written yet */
};

/* run_query_row_fn: writes one row (of step > 1: with the seconds it merges) as JSON or CSV. */
static int
emit_row(void *arg, int64_t second, const struct run_row *row, int seconds)
{
	struct samples_out *o = arg;
	struct buf *b = &o->b;

	if (o->csv) {
		buf_printf(b, "%" PRId64, second);
		for (int c = 0; c < RUN_NCOLS; c++) {
			if (row->null[c])
				buf_printf(b, ",");
			else if (run_cols[c].real)
				buf_printf(b, ",%.2f", row->cpu_pct);
			else
				buf_printf(b, ",%" PRId64, row->v[c]);
		}
		if (o->step > 1)
			buf_printf(b, ",%d", seconds);
		buf_printf(b, "\r\n");
		return b->full ? -1 : 0;
	}
	buf_printf(b, "%s{\"second\":%" PRId64, o->first ? "" : ",", second);
	o->first = false;
	for (int c = 0; c < RUN_NCOLS; c++) {
		if (row->null[c])
			buf_printf(b, ",\"%s\":null", run_cols[c].name);
		else if (run_cols[c].real)
			buf_printf(b, ",\"%s\":%.2f", run_cols[c].name, row->cpu_pct);
		else
			buf_printf(b, ",\"%s\":%" PRId64, run_cols[c].name, row->v[c]);
	}
	if (o->step > 1)
		buf_printf(b, ",\"seconds\":%d", seconds);
	buf_printf(b, "}");
	return b->full ? -1 : 0;
}

/* Whether run id exists; answers 404 (or 500) when it does not. */
static bool
run_exists(struct api_request *req, int64_t id)
{
	bool exists;
	char *cause = NULL;

	if (run_query_exists(req->db, id, &exists, &cause) != 0) {
		api_reply_db_error(req, "reading the run", cause);
		free(cause);
		return false;
	}
	if (!exists)
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	return exists;
}

/* Resolves the `endpoint` parameter (a name; absent or "total": every endpoint together, 0) of run
   id into *idx and a copy of its name; false after answering. */
static bool
endpoint_param(struct api_request *req, int64_t id, const char *name, int *idx, char **name_out)
{
	char *cause = NULL;

	if (name == NULL || strcmp(name, "total") == 0) {
		*idx = 0;
		*name_out = xstrdup("total");
		return true;
	}
	if (run_query_endpoint_idx(req->db, id, name, idx, &cause) != 0) {
		api_reply_db_error(req, "reading endpoints", cause);
		free(cause);
		return false;
	}
	if (*idx < 0) {
		api_reply_bad_param(req, "endpoint", "run %lld has no endpoint named \"%s\" (see GET "
		    "/api/runs/%lld/endpoints; \"total\" is every endpoint together)",
		    (long long)id, name, (long long)id);
		return false;
	}
	*name_out = xstrdup(name);
	return true;
}

/* Reads the parameters of a samples request; false after answering. */
static bool
samples_params(struct api_request *req, struct samples_req *sr)
{
	static const char *const allowed[] = { "endpoint", "from", "to", "step", NULL };
	struct run_query_samples *q = &sr->q;
	long long from = 0, to = SECOND_MAX, step = 1;
	const char *name = NULL;
	int rc;

	q->run_id = req->params[0];
	if (!api_params_ok(req, allowed) || api_param_int(req, "from", 0, SECOND_MAX, &from) < 0 ||
	    (rc = api_param_int(req, "to", 0, SECOND_MAX, &to)) < 0 ||
	    api_param_int(req, "step", 1, STEP_MAX, &step) < 0 ||
	    api_param_str(req, "endpoint", &name) < 0)
		return false;
	q->from = from;
	q->to = to;
	q->step = step;
	sr->has_to = rc > 0;
	if (q->to < q->from) {
		api_reply_bad_param(req, "to", "must be at least from (%lld), got %lld", from, to);
		return false;
	}
	if (!run_exists(req, q->run_id))
		return false;
	return endpoint_param(req, q->run_id, name, &q->endpoint, &sr->endpoint_name);
}

/*
 * Reads the rows of sr into o->b after what it holds, then tail (may be NULL), and answers: 200 with
 * the text (content_type, and a Content-Disposition header when disposition is not NULL), or 400
 * when it would pass the cap, or 500 on a database error.
 */
static void
samples_reply(struct api_request *req, const struct samples_req *sr, struct samples_out *o,
    const char *content_type, const char *tail, const char *disposition)
{
	char *cause = NULL;
	int rc = run_query_samples(req->db, &sr->q, emit_row, o, &cause);

	if (rc == 0 && tail != NULL)
		buf_printf(&o->b, "%s", tail);
	if (rc < 0)
		api_reply_db_error(req, "reading samples", cause);
	else if (o->b.full)
		api_reply_bad_param(req, "step", "the answer would pass %u MiB: ask for a larger step or "
		    "fewer seconds (from, to)", SAMPLES_MAX_BYTES >> 20);
	else {
		if (disposition != NULL)
			api_add_header(req, "Content-Disposition", disposition);
		api_reply_buf(req, content_type, &o->b);
	}
	free(cause);
}

/* GET /api/runs/{id}/samples?endpoint=&from=&to=&step=. */
void
api_runs_samples(struct api_request *req)
{
	struct samples_req sr = { 0 };
	struct samples_out o = { .first = true };
	char *name;
	json_t *js;

	if (!api_need_store(req) || !samples_params(req, &sr))
		return;
	buf_init(&o.b, SAMPLES_MAX_BYTES);
	o.step = sr.q.step;
	js = api_json_text(sr.endpoint_name);
	name = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	buf_printf(&o.b, "{\"run_id\":%" PRId64 ",\"endpoint\":{\"idx\":%d,\"name\":%s},"
	    "\"from\":%" PRId64 ",\"to\":", sr.q.run_id, sr.q.endpoint, name, sr.q.from);
	if (sr.has_to)
		buf_printf(&o.b, "%" PRId64, sr.q.to);
	else
		buf_printf(&o.b, "null");
	buf_printf(&o.b, ",\"step\":%" PRId64 ",\"samples\":[", sr.q.step);
	free(name);
	samples_reply(req, &sr, &o, "application/json", "]}", NULL);
	buf_fini(&o.b);
	free(sr.endpoint_name);
}

/* GET /api/runs/{id}/samples.csv: the same rows as CSV, one header line. */
void
api_runs_samples_csv(struct api_request *req)
{
	struct samples_req sr = { .csv = true };
	struct samples_out o = { .csv = true };
	char disposition[128];

	if (!api_need_store(req) || !samples_params(req, &sr))
		return;
	buf_init(&o.b, SAMPLES_MAX_BYTES);
	o.step = sr.q.step;
	buf_printf(&o.b, "second");
	for (int c = 0; c < RUN_NCOLS; c++)
		buf_printf(&o.b, ",%s", run_cols[c].name);
	buf_printf(&o.b, "%s\r\n", sr.q.step > 1 ? ",seconds" : "");
	if (sr.q.endpoint == 0)
		snprintf(disposition, sizeof disposition, "attachment; filename=\"run-%lld-total.csv\"",
		    (long long)sr.q.run_id);
	else
		snprintf(disposition, sizeof disposition,
		    "attachment; filename=\"run-%lld-endpoint-%d.csv\"", (long long)sr.q.run_id,
		    sr.q.endpoint);
	samples_reply(req, &sr, &o, "text/csv; charset=utf-8", NULL, disposition);
	buf_fini(&o.b);
	free(sr.endpoint_name);
}

/* ---- the endpoint table and the summary */

/* GET /api/runs/{id}/endpoints: the per-endpoint table over the whole run. */
void
api_runs_endpoints(struct api_request *req)
{
	int64_t id = req->params[0];
	json_t *doc;
	char *cause = NULL;

	if (!api_need_store(req) || !api_params_ok(req, no_params) || !run_exists(req, id))
		return;
	if (run_query_endpoints(req->db, id, clock_wall_ms(), &doc, &cause) != 0)
		api_reply_db_error(req, "reading endpoints", cause);
	else
		api_reply_json_new(req, 200, doc);
	free(cause);
}

/* GET /api/runs/{id}/summary: the k6 handleSummary-shaped document stored at the end. */
void
api_runs_summary(struct api_request *req)
{
	int64_t id = req->params[0];
	char *summary = NULL, *cause = NULL;
	int state;

	if (!api_need_store(req) || !api_params_ok(req, no_params))
		return;
	if (run_query_summary(req->db, id, &state, &summary, &cause) != 0)
		api_reply_db_error(req, "reading the run", cause);
	else if (state < 0)
		api_reply_error(req, 404, "not_found", "no run %lld", (long long)id);
	else if (summary != NULL)
		api_reply_raw(req, 200, "application/json", summary, strlen(summary));
	else if (state == RUN_CANCELLED)
		api_reply_error(req, 404, "not_found", "run %lld has no summary: it was cancelled before "
		    "it started, so it sent no load", (long long)id);
	else if (!run_state_final((enum run_state)state))
		api_reply_error(req, 409, "conflict", "run %lld is %s: its summary is written when it "
		    "ends", (long long)id, run_state_name((enum run_state)state));
	else
		api_reply_error(req, 404, "not_found", "run %lld has no summary (it ended %s before "
		    "one was written)", (long long)id, run_state_name((enum run_state)state));
	free(summary);
	free(cause);
}

/*
 * GET /api/runs/{id}/latency?endpoint=NAME: the latency distribution of the whole run (or of the
 * seconds stored so far): summary_spectrum's percentiles. Charted against 1/(1-p) on a log axis,
 * the tail is visible.
 */
void
api_runs_latency(struct api_request *req)
{
	static const char *const allowed[] = { "endpoint", NULL };
	int64_t id = req->params[0];
	const char *name = NULL, *source = NULL;
	char *ep_name = NULL, *cause = NULL;
	struct hist *h;
	json_t *pts;
	uint64_t n;
	int idx;

	if (!api_need_store(req) || !api_params_ok(req, allowed) ||
	    api_param_str(req, "endpoint", &name) < 0 || !run_exists(req, id) ||
	    !endpoint_param(req, id, name, &idx, &ep_name))
		return;
	h = hist_new();
	if (run_query_latency(req->db, id, idx, h, &source, &cause) != 0) {
		api_reply_db_error(req, "reading the histograms", cause);
		goto out;
	}
	pts = summary_spectrum(h);
	n = hist_count(h);
	api_reply_json_new(req, 200, json_pack("{s:I, s:s, s:s, s:I, s:o}", "run_id", (json_int_t)id,
	    "endpoint", ep_name, "source", source, "count", (json_int_t)n, "percentiles", pts));
out:
	hist_free(h);
	free(ep_name);
	free(cause);
}
