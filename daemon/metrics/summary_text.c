/*
 * summary_text: the end of a run as k6's end-of-test text summary (see summary.h): names padded with
 * dots, humanised durations and byte counts, columns aligned across lines (k6's summary.js); then
 * Rampage's per-endpoint table, the groupBy distributions and the generator verdict.
 *
 * Runs on the caller's thread after the run.
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/segment.h"
#include "core/xmalloc.h"
#include "metrics/failures.h"
#include "metrics/hist.h"
#include "testdef/metric.h"
#include "metrics/findings.h"
#include "metrics/summary.h"
#include "metrics/summary_priv.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

#define NAME_WIDTH 31          /* "http_req_duration" + dots, as k6 prints it */
#define FAILURES_PRINTED 10    /* messages printed per endpoint; the summary JSON has them all */

/* ---- number formatting, as k6's summary.js */

/* Like JavaScript's parseFloat(v.toFixed(prec)).toString(). */
static void
fixed_trim(char *buf, size_t len, double v, int prec)
{
	char *p;

	snprintf(buf, len, "%.*f", prec, v);
	if (strchr(buf, '.') != NULL) {
		p = buf + strlen(buf) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}

/* Formats a plain number with at most 6 decimals. */
void
summary_fmt_num(char *buf, size_t len, double v)
{
	fixed_trim(buf, len, v, 6);
}

/* Formats a duration given in ms. */
void
summary_fmt_ms(char *buf, size_t len, double ms)
{
	char s[32];
	long long rem;

	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (ms < 0.001) {
		snprintf(buf, len, "%lldns", (long long)(ms * 1e6));
		return;
	}
	if (ms < 1) {
		fixed_trim(s, sizeof s, ms * 1000, 2);
		snprintf(buf, len, "%sµs", s);
		return;
	}
	if (ms < 1000) {
		fixed_trim(s, sizeof s, ms, 2);
		snprintf(buf, len, "%sms", s);
		return;
	}
	fixed_trim(s, sizeof s, fmod(ms, 60000.0) / 1000.0, ms > 60000 ? 0 : 2);
	rem = (long long)(ms / 60000);
	if (rem < 1)
		snprintf(buf, len, "%ss", s);
	else if (rem < 60)
		snprintf(buf, len, "%lldm%ss", rem, s);
	else
		snprintf(buf, len, "%lldh%lldm%ss", rem / 60, rem % 60, s);
}

/* Formats a byte count (SI units, as k6). */
void
summary_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	char s[32];
	int e;
	double v;

	if (bytes < 10) {
		summary_fmt_num(s, sizeof s, bytes);
		snprintf(buf, len, "%s B", s);
		return;
	}
	e = (int)floor(log(bytes) / log(1000.0));
	if (e > 5)
		e = 5;
	v = floor(bytes / pow(1000.0, e) * 10 + 0.5) / 10;
	snprintf(buf, len, "%.*f %s", v < 10 ? 1 : 0, v, units[e]);
}

/* ---- metric lines */

enum { LINE_SECTION, LINE_TREND, LINE_VALUE };
#define MAX_CELLS 7

struct line {
	int kind;
	char name[48];
	int ncells;
	char cells[MAX_CELLS][48];
};

struct text {
	struct line *lines;
	int n, cap;
};

/* Appends a line to the text. */
static struct line *
text_add(struct text *tx, int kind, const char *name)
{
	struct line *l;

	if (tx->n == tx->cap) {
		tx->cap = tx->cap ? tx->cap * 2 : 32;
		tx->lines = xreallocarray(tx->lines, (size_t)tx->cap, sizeof *tx->lines);
	}
	l = &tx->lines[tx->n++];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	snprintf(l->name, sizeof l->name, "%s", name);
	return l;
}

/* Appends a formatted cell to a line. */
static void __attribute__((format(printf, 2, 3)))
cell(struct line *l, const char *fmt, ...)
{
	va_list ap;

	assert(l->ncells < MAX_CELLS);
	va_start(ap, fmt);
	vsnprintf(l->cells[l->ncells++], sizeof l->cells[0], fmt, ap);
	va_end(ap);
}

/* Adds a trend line, humanised like k6. */
static void
text_trend(struct text *tx, const char *name, const struct hist *h_us)
{
	struct summary_trend t;
	struct line *l = text_add(tx, LINE_TREND, name);
	char b[32];

	summary_trend_of(h_us, &t);
	summary_fmt_ms(b, sizeof b, t.avg); cell(l, "avg=%s", b);
	summary_fmt_ms(b, sizeof b, t.min); cell(l, "min=%s", b);
	summary_fmt_ms(b, sizeof b, t.med); cell(l, "med=%s", b);
	summary_fmt_ms(b, sizeof b, t.max); cell(l, "max=%s", b);
	summary_fmt_ms(b, sizeof b, t.p90); cell(l, "p(90)=%s", b);
	summary_fmt_ms(b, sizeof b, t.p95); cell(l, "p(95)=%s", b);
	summary_fmt_ms(b, sizeof b, t.p99); cell(l, "p(99)=%s", b);
}

/* Adds a counter line: count and rate. */
static void
text_counter(struct text *tx, const char *name, uint64_t count, int64_t dur_ns)
{
	struct line *l = text_add(tx, LINE_VALUE, name);
	char b[32];

	cell(l, "%llu", (unsigned long long)count);
	summary_fmt_num(b, sizeof b, summary_per_second((double)count, dur_ns));
	cell(l, "%s/s", b);
}

/* Adds a byte counter line with units. */
static void
text_bytes(struct text *tx, const char *name, uint64_t bytes, int64_t dur_ns)
{
	struct line *l = text_add(tx, LINE_VALUE, name);
	char b[32];

	summary_fmt_bytes(b, sizeof b, (double)bytes);
	cell(l, "%s", b);
	summary_fmt_bytes(b, sizeof b, summary_per_second((double)bytes, dur_ns));
	cell(l, "%s/s", b);
}

/* Adds a gauge line: value, min, max. */
static void
text_gauge(struct text *tx, const char *name, int value, int min, int max)
{
	struct line *l = text_add(tx, LINE_VALUE, name);

	cell(l, "%d", value);
	cell(l, "min=%d", min);
	cell(l, "max=%d", max);
}

/* Percent truncated (not rounded) to 2 decimals, as k6 shows rates. */
static void
fmt_rate_pct(char *buf, size_t len, uint64_t nonzero, uint64_t total)
{
	double pct = total > 0 ? 100.0 * (double)nonzero / (double)total : 0.0;

	snprintf(buf, len, "%.2f%%", trunc(pct * 100.0) / 100.0);
}

/* Adds a rate line: the share of non-zero samples, then the checks' passes and fails (✓ ✗), or the
   failed requests "out of" all of them. */
static void
text_rate(struct text *tx, enum metric_id id, uint64_t nonzero, uint64_t total)
{
	struct line *l = text_add(tx, LINE_VALUE, metric_get(id)->name);
	char b[32];

	fmt_rate_pct(b, sizeof b, nonzero, total);
	cell(l, "%s", b);
	if (id == METRIC_CHECKS) {
		cell(l, "✓ %llu", (unsigned long long)nonzero);
		cell(l, "✗ %llu", (unsigned long long)(total - nonzero));
	} else {
		cell(l, "%llu out of %llu", (unsigned long long)nonzero, (unsigned long long)total);
	}
}

/* Adds metric id's line, as its type is shown. */
static void
text_metric(struct text *tx, const struct summary_run *run, enum metric_id id)
{
	const struct metric *m = metric_get(id);
	struct summary_value v;

	summary_value_of(run, id, &v);
	switch (m->type) {
	case METRIC_TREND:
		text_trend(tx, m->name, v.h);
		break;
	case METRIC_COUNTER:
		if (strcmp(m->contains, "data") == 0)
			text_bytes(tx, m->name, v.count, run->duration_ns);
		else
			text_counter(tx, m->name, v.count, run->duration_ns);
		break;
	case METRIC_RATE:
		text_rate(tx, id, v.count, v.total);
		break;
	case METRIC_GAUGE:
		text_gauge(tx, m->name, v.value, v.min, v.max);
		break;
	}
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->name, ((const struct line *)b)->name);
}

/* Adds a section: its metrics by name, as k6 sorts them (and, open model, service_time in HTTP). */
static void
text_section(struct text *tx, const struct summary_run *run, enum metric_section section, bool open)
{
	static const char *const names[] = {
		[METRIC_SECTION_HTTP] = "HTTP",
		[METRIC_SECTION_EXECUTION] = "EXECUTION",
		[METRIC_SECTION_NETWORK] = "NETWORK",
	};
	int first;

	text_add(tx, LINE_SECTION, names[section]);
	first = tx->n;
	for (int i = 0; i < METRIC_N; i++) {
		if (metric_get(i)->section != section)
			continue;
		if (i == METRIC_DROPPED_ITERATIONS && !open && run->whole->dropped_iterations == 0)
			continue;      /* closed model: only when some were */
		if (i == METRIC_GROUP_DURATION && run->plan->nstep_groups == 0)
			continue;      /* as k6: only with groups */
		if (!summary_listed(run, i))
			continue;      /* not measured by this build, or not k6's and unnamed */
		text_metric(tx, run, i);
	}
	if (section == METRIC_SECTION_HTTP && open)
		text_trend(tx, "service_time", run->whole->total.service);
	qsort(tx->lines + first, (size_t)(tx->n - first), sizeof *tx->lines, line_cmp);
}

/* Prints the lines with cells aligned per column, separately for trend and value lines. */
static void
text_print(FILE *f, const struct text *tx)
{
	int w[2][MAX_CELLS] = { { 0 } };

	for (int i = 0; i < tx->n; i++) {
		const struct line *l = &tx->lines[i];
		if (l->kind == LINE_SECTION)
			continue;
		for (int c = 0; c < l->ncells; c++) {
			int len = (int)strlen(l->cells[c]) - (strstr(l->cells[c], "µ") != NULL ? 1 : 0);
			if (len > w[l->kind == LINE_TREND][c])
				w[l->kind == LINE_TREND][c] = len;
		}
	}
	for (int i = 0; i < tx->n; i++) {
		const struct line *l = &tx->lines[i];
		int len;

		if (l->kind == LINE_SECTION) {
			fprintf(f, "\n  %s\n", l->name);
			continue;
		}
		fprintf(f, "  %s", l->name);
		for (len = (int)strlen(l->name); len < NAME_WIDTH; len++)
			fputc('.', f);
		fputs(":", f);
		for (int c = 0; c < l->ncells; c++) {
			/* "µ" is two bytes but one column wide. */
			int pad = w[l->kind == LINE_TREND][c] - (int)strlen(l->cells[c]) +
			    (strstr(l->cells[c], "µ") != NULL ? 1 : 0);
			fprintf(f, " %s", l->cells[c]);
			if (c + 1 < l->ncells)
				fprintf(f, "%*s", pad, "");
		}
		fputc('\n', f);
	}
}

/* Prints the per-endpoint table. */
static void
endpoint_table(FILE *f, const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	int nw = 8, n = plan->nendpoints < w->nendpoints ? plan->nendpoints : w->nendpoints;
	struct summary_trend t;
	char name[64], rate[32];

	for (int i = 0; i < n; i++)
		if ((int)strlen(plan->endpoints[i].name) > nw)
			nw = (int)strlen(plan->endpoints[i].name);
	if (nw > 48)
		nw = 48;
	fprintf(f, "\n  ENDPOINTS\n");
	fprintf(f, "  %-*s %10s %9s %9s %9s %9s %9s %10s\n", nw, "endpoint", "requests", "failures",
	    "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s");
	for (int i = 0; i <= n; i++) {
		const struct tick_endpoint *ep = i < n ? &w->endpoints[i] : &w->total;
		const char *nm = i < n ? plan->endpoints[i].name : "total";

		if (i == n && n == 1)
			break;             /* the single endpoint's row already is the total */
		snprintf(name, sizeof name, "%s", nm);
		if ((int)strlen(name) > nw)
			strcpy(name + nw - 3, "...");
		summary_trend_of(ep->duration, &t);
		snprintf(rate, sizeof rate, "%.2f", summary_per_second((double)ep->requests, run->duration_ns));
		fprintf(f, "  %-*s %10llu %9llu %9.2f %9.2f %9.2f %9.2f %10s\n", nw, name,
		    (unsigned long long)ep->requests, (unsigned long long)ep->failed, t.med, t.p95, t.p99,
		    t.max, rate);
	}
}

/* Prints why requests failed: per endpoint, each kind with its count, then its distinct messages
   (kind, count, seconds, message), largest first, at most FAILURES_PRINTED of them. */
static void
print_failures(FILE *f, const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	const struct failure **order;
	int n = failures_n(w->failures), ep = -1, shown = 0;
	uint64_t more = 0;
	int nmore = 0;

	if (n == 0)
		return;
	order = xcalloc((size_t)n, sizeof *order);
	failures_order(w->failures, order, true);
	fprintf(f, "\n  FAILURES (%llu of %llu requests)\n", (unsigned long long)w->total.failed,
	    (unsigned long long)w->total.requests);
	for (int i = 0; i < n; i++) {
		const struct failure *e = order[i];
		char seconds[48];

		if (e->endpoint != ep) {
			uint64_t by_kind[FAILURE_NKIND] = { 0 };
			const char *sep = "";
			if (nmore > 0)
				fprintf(f, "    ... %d more message%s (%llu failures): --summary-export lists them all\n",
				    nmore, nmore == 1 ? "" : "s", (unsigned long long)more);
			nmore = 0;
			more = 0;
			shown = 0;
			ep = e->endpoint;
			for (int k = i; k < n && order[k]->endpoint == ep; k++)
				by_kind[order[k]->kind] += order[k]->count;
			fprintf(f, "  %s: ", ep < plan->nendpoints ? plan->endpoints[ep].name : "?");
			for (;;) {     /* the kinds, largest first */
				int k = 0;
				for (int j = 1; j < FAILURE_NKIND; j++)
					if (by_kind[j] > by_kind[k])
						k = j;
				if (by_kind[k] == 0)
					break;
				fprintf(f, "%s%s %llu", sep, failure_kind_name(k), (unsigned long long)by_kind[k]);
				by_kind[k] = 0;
				sep = " · ";
			}
			fputc('\n', f);
		}
		if (shown++ == FAILURES_PRINTED) {
			shown--;
			nmore++;
			more += e->count;
			continue;
		}
		if (e->first == e->last)
			snprintf(seconds, sizeof seconds, "s %lld", (long long)e->first);
		else
			snprintf(seconds, sizeof seconds, "s %lld-%lld", (long long)e->first, (long long)e->last);
		fprintf(f, "    %-11s %10llu  %-12s %s\n", failure_kind_name(e->kind),
		    (unsigned long long)e->count, seconds, e->message);
	}
	if (nmore > 0)
		fprintf(f, "    ... %d more message%s (%llu failures): --summary-export lists them all\n", nmore,
		    nmore == 1 ? "" : "s", (unsigned long long)more);
	free(order);
}

/* ---- thresholds (text) */

/* Formats a threshold's observed value as k6 does: "p(95)=12.3ms", "rate=0.00%", "count=500". */
static void
fmt_observed(char *buf, size_t len, const struct threshold_result *r)
{
	char v[48];

	if (!r->judged)
		snprintf(v, sizeof v, "- (no samples)");
	else if (strcmp(r->type, "trend") == 0 && strcmp(r->contains, "time") == 0)
		summary_fmt_ms(v, sizeof v, r->value);
	else if (strcmp(r->type, "rate") == 0)
		snprintf(v, sizeof v, "%.2f%%", r->value * 100.0);
	else if (strcmp(r->type, "counter") == 0 && strcmp(r->contains, "data") == 0) {
		summary_fmt_bytes(v, sizeof v, r->value);
		if (strcmp(r->agg, "rate") == 0)
			strcat(v, "/s");
	} else if (strcmp(r->type, "counter") == 0 && strcmp(r->agg, "rate") == 0) {
		summary_fmt_num(v, sizeof v, r->value);
		strcat(v, "/s");
	} else
		summary_fmt_num(v, sizeof v, r->value);
	snprintf(buf, len, "%s=%s", r->agg, v);
}

/* Prints the THRESHOLDS section: each metric, then its thresholds with ✓ or ✗. */
static void
print_thresholds(FILE *f, const struct summary_run *run)
{
	int n = run->thresholds != NULL ? threshold_count(run->thresholds) : 0;
	const char *metric = NULL;

	if (n == 0)
		return;
	fprintf(f, "\n  THRESHOLDS\n");
	for (int i = 0; i < n; i++) {
		struct threshold_result r;
		char obs[96], where[96] = "";

		threshold_get(run->thresholds, i, &r);
		if (metric == NULL || strcmp(metric, r.metric) != 0)
			fprintf(f, "\n    %s\n", r.metric);
		metric = r.metric;
		fmt_observed(obs, sizeof obs, &r);
		if (r.window_s > 0 && r.judged && r.window_start >= 0)
			snprintf(where, sizeof where, " (%s %llds-%llds)", r.ok ? "worst window" : "window",
			    (long long)r.window_start, (long long)(r.window_start + r.window_s));
		fprintf(f, "    %s '%s' %s%s%s\n", r.ok ? "✓" : "✗", r.source, obs, where,
		    r.aborted ? ", aborted the run (abortOnFail)" : "");
	}
}

/* ---- checks and groupBy (text) */

/* Prints the CHECKS block (k6: ✓ name, or ✗ name with its pass rate and counts) and adds the
   overall `checks` line to the metric lines. */
/* Prints the checks of group g (-1: the root) indented by depth, then its groups, k6's way:
   "█ checkout" above the group's own checks. */
static void
print_group_checks(FILE *f, const struct summary_run *run, int g, int depth)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	int ind = 4 + 2 * depth;

	for (int i = 0; i < plan->nchecks && i < w->nchecks; i++) {
		uint64_t p = w->checks[i].passes, n = p + w->checks[i].fails;
		if ((plan->check_group != NULL ? plan->check_group[i] : -1) != g)
			continue;
		if (w->checks[i].fails == 0) {
			fprintf(f, "%*s✓ %s\n", ind, "", plan->check_names[i]);
			continue;
		}
		fprintf(f, "%*s✗ %s\n", ind, "", plan->check_names[i]);
		fprintf(f, "%*s ↳  %.0f%% — ✓ %llu / ✗ %llu\n", ind, "",
		    n > 0 ? floor(100.0 * (double)p / (double)n) : 0.0, (unsigned long long)p,
		    (unsigned long long)w->checks[i].fails);
	}
	for (int k = 0; k < plan->nstep_groups; k++) {
		if (plan->step_groups[k].parent != g)
			continue;
		fprintf(f, "\n%*s█ %s\n", ind, "", plan->step_groups[k].name);
		print_group_checks(f, run, k, depth + 1);
	}
}

static void
print_checks(FILE *f, const struct summary_run *run, struct text *tx)
{
	if (run->plan->nchecks == 0)
		return;
	fprintf(f, "\n  CHECKS\n");
	print_group_checks(f, run, -1, 0);
	text_metric(tx, run, METRIC_CHECKS);
}

/* Prints each groupBy's distribution after the endpoint table. */
static void
print_groups(FILE *f, const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;

	for (int i = 0; i < plan->ngroups && i < w->ngroups; i++) {
		const struct tick_group *g = &w->groups[i];
		int order[TICK_GROUP_MAX];
		uint64_t total = summary_group_order(g, order);

		if (i == 0)
			fprintf(f, "\n  GROUP BY\n");
		fprintf(f, "  %s (%s): %llu responses\n", plan->groups[i].name, plan->groups[i].source,
		    (unsigned long long)total);
		for (int k = 0; k < g->n; k++) {
			const struct tick_group_value *v = &g->v[order[k]];
			fprintf(f, "    %-32.*s %10llu %6.2f%%\n", (int)v->len, v->value,
			    (unsigned long long)v->count, total > 0 ? 100.0 * (double)v->count / (double)total : 0.0);
		}
		if (g->other > 0)
			fprintf(f, "    %-32s %10llu %6.2f%%\n", "(other values)", (unsigned long long)g->other,
			    100.0 * (double)g->other / (double)total);
		if (g->missing > 0)
			fprintf(f, "    %-32s %10llu %6.2f%%\n", "(no value)", (unsigned long long)g->missing,
			    100.0 * (double)g->missing / (double)total);
	}
}

/* Prints the k6-style text summary. */
void
summary_print(FILE *f, const struct summary_run *run)
{
	const struct tick *w = run->whole;
	int64_t dur = run->duration_ns;
	struct text tx = { 0 };
	char b[64], verdict[512];
	bool open = summary_open_model(run->plan);

	print_thresholds(f, run);
	print_checks(f, run, &tx);
	text_section(&tx, run, METRIC_SECTION_HTTP, open);
	text_section(&tx, run, METRIC_SECTION_EXECUTION, open);
	text_section(&tx, run, METRIC_SECTION_NETWORK, open);

	text_print(f, &tx);
	free(tx.lines);
	summary_custom_print(f, run);
	summary_monitors_print(f, run);

	if (open)
		fprintf(f, "\n  open model: http_req_duration counts from each iteration's intended start\n"
		    "  (waiting for a free VU included); service_time counts from the actual send.\n"
		    "  %llu iterations dropped (no VU free), %llu started late.\n",
		    (unsigned long long)w->dropped_iterations, (unsigned long long)w->late_starts);

	endpoint_table(f, run);
	print_failures(f, run);
	print_groups(f, run);
	if (json_array_size(run->events) > 0) {
		size_t i;
		json_t *ev;
		fprintf(f, "\n  events:\n");
		json_array_foreach(run->events, i, ev) {
			json_t *st = json_object_get(ev, "status");
			const char *text = json_string_value(json_object_get(json_object_get(ev, "finding"),
			    "text"));
			fprintf(f, "    %s", text != NULL ? text : json_string_value(json_object_get(ev, "name")));
			if (json_is_integer(st))
				fprintf(f, " [request: HTTP %lld]", (long long)json_integer_value(st));
			else if (json_is_string(json_object_get(ev, "error")))
				fprintf(f, " [request failed: %s]",
				    json_string_value(json_object_get(ev, "error")));
			fputc('\n', f);
		}
	}
	json_t *found = findings_json(run->findings, run);
	findings_print(f, found);
	json_decref(found);

	summary_fmt_ms(b, sizeof b, (double)dur / 1e6);
	fprintf(f, "\n  %s (%s), %d/%d VUs, %llu complete and %llu interrupted iterations\n",
	    run->interrupted ? "interrupted" : "finished", b, w->vus, w->vus_max,
	    (unsigned long long)w->iterations, (unsigned long long)w->interrupted_iterations);
	if (!segment_is_whole(run->segment))
		fprintf(f, "  execution segment %s of %s: this is that share of the test\n",
		    segment_string(run->segment), segment_sequence_string(run->segment));
	summary_verdict(run->series, verdict, sizeof verdict);
	fprintf(f, "  %s\n", verdict);
	if (run->thresholds != NULL && threshold_count(run->thresholds) > 0) {
		int failed = 0, n = threshold_count(run->thresholds);
		for (int i = 0; i < n; i++) {
			struct threshold_result r;
			threshold_get(run->thresholds, i, &r);
			failed += !r.ok;
		}
		if (failed > 0)
			fprintf(f, "  thresholds: %d of %d failed%s\n", failed, n,
			    threshold_aborted(run->thresholds) ? " (the run was stopped by abortOnFail)" : "");
		else
			fprintf(f, "  thresholds: all %d passed\n", n);
	}
}
