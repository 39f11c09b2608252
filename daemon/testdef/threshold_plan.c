/*
 * threshold_plan: see threshold_plan.h. Walks `thresholds` like the rest of the definition (see
 * testdef_priv.h), after everything a threshold may name (endpoints, scenarios, tasks, checks).
 *
 * The grammar follows k6's metrics/thresholds_parser.go (aggregation, operator, number, spaces
 * between them) and its metric types (thresholds.go: counter count/rate, rate rate, trend
 * avg/min/max/med/p(N), gauge value, plus min/max on gauges as the summary shows them). A metric
 * key's tags become a sub-metric series the engine records beside the endpoint (a per-step list of
 * series, usually empty), except {name:X} alone, which is the endpoint's own numbers.
 *
 * Runs on the thread that parses a definition (threshold_expr_parse: any thread).
 */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/text.h"
#include "core/xmalloc.h"
#include "testdef/metric.h"
#include "testdef/step_tags.h"
#include "testdef/threshold_plan.h"
#include "testdef/testdef_priv.h"

#define LIKE "an expression like \"p(95)<500\""

/* ---- metrics and their aggregations (names and types: testdef/metric.h) */

/* The aggregations each type supports, in k6's words. */
static bool
agg_fits(enum metric_type t, enum threshold_agg a)
{
	switch (t) {
	case METRIC_COUNTER: return a == THRESHOLD_COUNT || a == THRESHOLD_RATE;
	case METRIC_RATE: return a == THRESHOLD_RATE;
	case METRIC_GAUGE: return a == THRESHOLD_VALUE || a == THRESHOLD_MIN || a == THRESHOLD_MAX;
	case METRIC_TREND: return a == THRESHOLD_AVG || a == THRESHOLD_MIN || a == THRESHOLD_MAX ||
	    a == THRESHOLD_MED || a == THRESHOLD_PCT;
	}
	return false;
}

static const char *const type_aggs[] = {
	[METRIC_COUNTER] = "count or rate",
	[METRIC_RATE] = "rate",
	[METRIC_GAUGE] = "value, min or max",
	[METRIC_TREND] = "avg, min, max, med or p(N)",
};

/* ---- expressions */

static const char *const agg_words[] = {
	[THRESHOLD_AVG] = "avg", [THRESHOLD_MIN] = "min", [THRESHOLD_MAX] = "max",
	[THRESHOLD_MED] = "med", [THRESHOLD_PCT] = "p", [THRESHOLD_RATE] = "rate",
	[THRESHOLD_COUNT] = "count", [THRESHOLD_VALUE] = "value", [THRESHOLD_LAST] = "last",
};
static const char *const op_names[] = {
	[THRESHOLD_LT] = "<", [THRESHOLD_LE] = "<=", [THRESHOLD_GT] = ">", [THRESHOLD_GE] = ">=",
	[THRESHOLD_EQ] = "==", [THRESHOLD_NE] = "!=",
};

const char *
threshold_agg_name(enum threshold_agg agg, double pct, char *buf, size_t len)
{
	if (agg == THRESHOLD_PCT)
		snprintf(buf, len, "p(%.15g)", pct);
	else
		snprintf(buf, len, "%s", agg_words[agg]);
	return buf;
}

const char *
threshold_op_name(enum threshold_op op)
{
	return op_names[op];
}

/* A string as it reads after "got" (walk_got's form: JSON-quoted, shortened). New string. */
static char *
quoted(const char *s)
{
	json_t *j = json_string(s);
	char *q = j != NULL ? walk_got(j) : xstrdup("a string that is not UTF-8");

	json_decref(j);
	return q;
}

/* Sets *cause to "<what>, got <src>". */
static int __attribute__((format(printf, 3, 4)))
fail(char **cause, const char *src, const char *fmt, ...)
{
	char *what, *q = quoted(src);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	what = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(what, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*cause = xasprintf("%s, got %s", what, q);
	free(what);
	free(q);
	return -1;
}

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Scans a decimal number (sign, digits, fraction, exponent: what Go's ParseFloat takes, minus
   hex, inf and nan). Returns the end, or NULL when there is none. */
static const char *
scan_number(const char *p, double *out)
{
	const char *s = p, *d;
	char buf[64];
	int digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		d = p + 1;
		if (*d == '+' || *d == '-')
			d++;
		if (isdigit((unsigned char)*d)) {
			while (isdigit((unsigned char)*d))
				d++;
			p = d;
		}
	}
	if ((size_t)(p - s) >= sizeof buf)
		return NULL;
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = '\0';
	*out = strtod(buf, NULL);
	return isfinite(*out) ? p : NULL;
}

int
threshold_expr_parse(const char *src, struct threshold_expr *out, char **cause)
{
	const char *p = skip_space(src), *w;
	struct threshold_expr e = { 0 };
	size_t n;
	int i;

	/* aggregation */
	if (p[0] == 'p' && skip_space(p + 1)[0] == '(') {
		p = skip_space(skip_space(p + 1) + 1);
		if ((p = scan_number(p, &e.pct)) == NULL)
			return fail(cause, src, "expected a percentile like p(95) or p(99.9)");
		p = skip_space(p);
		if (*p != ')')
			return fail(cause, src, "expected a percentile like p(95) or p(99.9)");
		if (e.pct < 0 || e.pct > 100)
			return fail(cause, src, "expected a percentile from 0 to 100 in p(N)");
		e.agg = THRESHOLD_PCT;
		p++;
	} else {
		for (w = p; (*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z'); w++)
			;
		n = (size_t)(w - p);
		for (i = 0; i <= THRESHOLD_LAST; i++) {
			if (i != THRESHOLD_PCT && strlen(agg_words[i]) == n && strncmp(agg_words[i], p, n) == 0)
				break;
		}
		if (i > THRESHOLD_LAST)
			return fail(cause, src, "expected " LIKE);
		e.agg = (enum threshold_agg)i;
		p = w;
	}

	/* operator: longest first, as k6 scans them */
	p = skip_space(p);
	if (strncmp(p, "<=", 2) == 0)
		e.op = THRESHOLD_LE, p += 2;
	else if (*p == '<')
		e.op = THRESHOLD_LT, p += 1;
	else if (strncmp(p, ">=", 2) == 0)
		e.op = THRESHOLD_GE, p += 2;
	else if (*p == '>')
		e.op = THRESHOLD_GT, p += 1;
	else if (strncmp(p, "===", 3) == 0)
		e.op = THRESHOLD_EQ, p += 3;
	else if (strncmp(p, "==", 2) == 0)
		e.op = THRESHOLD_EQ, p += 2;
	else if (strncmp(p, "!=", 2) == 0)
		e.op = THRESHOLD_NE, p += 2;
	else
		return fail(cause, src, "expected " LIKE);

	/* number, or "baseline [* factor]" */
	p = skip_space(p);
	if (strncmp(p, "baseline", 8) == 0 && !isalnum((unsigned char)p[8]) && p[8] != '_') {
		e.relative = true;
		e.value = 1;
		p = skip_space(p + 8);
		if (*p == '*') {
			p = skip_space(p + 1);
			if ((p = scan_number(p, &e.value)) == NULL || !(e.value > 0))
				return fail(cause, src, "expected a factor above 0 after \"baseline *\", as in "
				    "\"p(95) < baseline * 1.10\"");
		}
	} else if ((p = scan_number(p, &e.value)) == NULL) {
		return fail(cause, src, "expected " LIKE);
	}

	/* window */
	w = skip_space(p);
	if (*w != '\0') {
		char dur[64];
		int64_t ns;

		if (w == p || strncmp(w, "over", 4) != 0 || !isspace((unsigned char)w[4]))
			return fail(cause, src, "expected " LIKE ", optionally followed by a window like "
			    "\"over 30s\"");
		w = skip_space(w + 4);
		for (n = 0; w[n] != '\0' && !isspace((unsigned char)w[n]); n++)
			;
		if (n == 0 || n >= sizeof dur || *skip_space(w + n) != '\0')
			return fail(cause, src, "expected a window like \"over 30s\" after the expression");
		memcpy(dur, w, n);
		dur[n] = '\0';
		if (duration_parse(dur, &ns) != DURATION_OK || ns <= 0)
			return fail(cause, src, "expected a window like \"over 30s\" (a duration)");
		if (ns % CLOCK_NS_PER_S != 0)
			return fail(cause, src, "expected a window of whole seconds like \"over 30s\"");
		if (ns / CLOCK_NS_PER_S > THRESHOLD_MAX_WINDOW_S)
			return fail(cause, src, "expected a window of at most %ds (1h)", THRESHOLD_MAX_WINDOW_S);
		e.window_s = ns / CLOCK_NS_PER_S;
	}
	if (e.relative && e.window_s > 0)
		return fail(cause, src, "a relative threshold (baseline) is judged on the whole run, at its "
		    "end: it takes no window");
	*out = e;
	return 0;
}

/* ---- the plan's thresholds */

static void tp_free(struct threshold_plan *tp);

/* A tag selector being parsed. */
struct sel {
	int name;                  /* endpoint index, -1 */
	int scenario;
	char *group;
	char *method;
	int status, expected;
	char *tag_name, *tag_value;    /* a request's own tag (step_tags.h), or NULL */
	int ntags;
};

static const char *const tag_names = "name, method, scenario, group, status, expected_response or "
    "a tag that requests set (\"tags\")";

/* Trims spaces and one pair of quotes (k6 strips " and ' around values). New string. */
static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
		s++, n -= 2;
	return xstrndup(s, n);
}

/* Lists up to a few names for a message: "a, b, c" (and "..."). */
static void
name_list(char *buf, size_t len, const char *(*get)(const struct plan *, int), const struct plan *p,
    int n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off + 1 < len; i++) {
		const char *s = get(p, i);
		if (s == NULL)
			continue;
		if (off > 0 && i >= 8) {
			snprintf(buf + off, len - off, ", ...");
			return;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s\"%s\"", off ? ", " : "", s);
		if (off >= len)
			return;
	}
}

/* True when one of n steps sends method. */
static bool
uses_method(const struct plan_step *st, int n, const char *method)
{
	for (int i = 0; i < n; i++)
		if (st[i].req.method != NULL && strcmp(st[i].req.method, method) == 0)
			return true;
	return false;
}

static const char *endpoint_name(const struct plan *p, int i) { return p->endpoints[i].name; }
static const char *scenario_name(const struct plan *p, int i) { return p->scenarios[i].name; }

/* Parses one tag "key:value" into sel. 0, or -1 with an error added. */
static int
parse_tag(struct walk *c, const char *key, const char *tag, size_t n, struct sel *s)
{
	const char *colon = memchr(tag, ':', n);
	const struct plan *p = c->plan;
	char *k, *v, list[256];
	int rc = -1;

	if (colon == NULL) {
		char *q = quoted(key);
		walk_err(c, "expected tags like {name:login} after the metric name (tag:value, separated "
		    "by commas), got %s", q);
		free(q);
		return -1;
	}
	k = trimmed(tag, (size_t)(colon - tag));
	v = trimmed(colon + 1, n - (size_t)(colon - tag) - 1);
	if (v[0] == '\0') {
		walk_err(c, "expected a value for tag \"%s\", got nothing", k);
		goto out;
	}
	if (strcmp(k, "name") == 0) {
		if (s->name >= 0)
			goto dup;
		for (int i = 0; i < p->nendpoints; i++)
			if (strcmp(p->endpoints[i].name, v) == 0)
				s->name = i;
		if (s->name < 0) {
			name_list(list, sizeof list, endpoint_name, p, p->nendpoints);
			walk_err(c, "expected the name of an endpoint (%s), got \"%s\"", list, v);
			goto out;
		}
	} else if (strcmp(k, "scenario") == 0) {
		if (s->scenario >= 0)
			goto dup;
		for (int i = 0; i < p->nscenarios; i++)
			if (p->scenarios[i].name != NULL && strcmp(p->scenarios[i].name, v) == 0)
				s->scenario = i;
		if (s->scenario < 0) {
			name_list(list, sizeof list, scenario_name, p, p->nscenarios);
			walk_err(c, "expected the name of a scenario (%s), got \"%s\"", list, v);
			goto out;
		}
	} else if (strcmp(k, "group") == 0) {
		const char *g = strncmp(v, "::", 2) == 0 ? v + 2 : v;   /* k6 writes groups "::name" */
		bool found = false;
		if (s->group != NULL)
			goto dup;
		for (int i = 0; i < p->nscenarios && !found; i++)
			for (int j = 0; j < p->scenarios[i].ntasks && !found; j++)
				found = p->scenarios[i].tasks[j].name != NULL &&
				    strcmp(p->scenarios[i].tasks[j].name, g) == 0;
		if (!found) {
			walk_err(c, "expected the name of a task (a group is a task: a workflow's name), "
			    "got \"%s\"", v);
			goto out;
		}
		s->group = xstrdup(g);
	} else if (strcmp(k, "method") == 0) {
		bool found = false;
		if (s->method != NULL)
			goto dup;
		for (char *m = v; *m; m++)
			*m = (char)toupper((unsigned char)*m);
		for (int i = 0; i < p->nscenarios && !found; i++) {
			const struct plan_scenario *sc = &p->scenarios[i];
			for (int j = 0; j < sc->ntasks && !found; j++)
				found = uses_method(sc->tasks[j].steps, sc->tasks[j].nsteps, v);
			found = found || uses_method(sc->on_start, sc->non_start, v) ||
			    uses_method(sc->on_stop, sc->non_stop, v);
		}
		if (!found) {
			walk_err(c, "expected a method some request uses, got \"%s\"", v);
			goto out;
		}
		s->method = xstrdup(v);
	} else if (strcmp(k, "status") == 0) {
		char *end;
		long st = strtol(v, &end, 10);
		if (s->status >= 0)
			goto dup;
		if (*end != '\0' || end == v || !isdigit((unsigned char)v[0]) || st < 0 || st >= THRESHOLD_NSTATUS) {
			walk_err(c, "expected an HTTP status from 100 to 599 (or 0: no response), got \"%s\"", v);
			goto out;
		}
		s->status = (int)st;
	} else if (strcmp(k, "expected_response") == 0) {
		if (s->expected >= 0)
			goto dup;
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
			walk_err(c, "expected expected_response:true or expected_response:false, got \"%s\"", v);
			goto out;
		}
		s->expected = strcmp(v, "true") == 0;
	} else if (!step_tags_builtin(k) && step_tags_used(p, k, NULL)) {
		if (s->tag_name != NULL) {
			walk_err(c, "expected at most one tag that requests set, got \"%s\" and \"%s\"",
			    s->tag_name, k);
			goto out;
		}
		if (!step_tags_used(p, k, v)) {
			walk_err(c, "expected a value of tag \"%s\" that some request sets, got \"%s\"", k, v);
			goto out;
		}
		s->tag_name = xstrdup(k);
		s->tag_value = xstrdup(v);
	} else {
		walk_err(c, "expected a tag of %s, got \"%s\"", tag_names, k);
		goto out;
	}
	s->ntags++;
	rc = 0;
	goto out;
dup:
	walk_err(c, "expected each tag once, got \"%s\" twice", k);
out:
	free(k);
	free(v);
	return rc;
}

/* The series matching sel: an existing one with the same tags, or a new one. */
static int
series_of(struct threshold_plan *tp, const struct sel *s)
{
	struct threshold_series *r;

	for (int i = 0; i < tp->nseries; i++) {
		r = &tp->series[i];
		if (r->scenario == s->scenario && r->endpoint == s->name && r->status == s->status &&
		    r->expected == s->expected && (r->group == NULL) == (s->group == NULL) &&
		    (r->group == NULL || strcmp(r->group, s->group) == 0) &&
		    (r->method == NULL) == (s->method == NULL) &&
		    (r->method == NULL || strcmp(r->method, s->method) == 0) &&
		    (r->tag_name == NULL) == (s->tag_name == NULL) &&
		    (r->tag_name == NULL || (strcmp(r->tag_name, s->tag_name) == 0 &&
		    strcmp(r->tag_value, s->tag_value) == 0)))
			return i;
	}
	tp->series = xreallocarray(tp->series, (size_t)tp->nseries + 1, sizeof *tp->series);
	r = &tp->series[tp->nseries];
	r->scenario = s->scenario;
	r->group = s->group ? xstrdup(s->group) : NULL;
	r->endpoint = s->name;
	r->method = s->method ? xstrdup(s->method) : NULL;
	r->status = s->status;
	r->expected = s->expected;
	r->tag_name = s->tag_name ? xstrdup(s->tag_name) : NULL;
	r->tag_value = s->tag_value ? xstrdup(s->tag_value) : NULL;
	return tp->nseries++;
}

/* Parses the tags of checks{...}: one check:NAME naming a check of the plan. */
static int
parse_check_tag(struct walk *c, const char *tags, size_t n, int *check)
{
	const char *colon = memchr(tags, ':', n);
	char *k = colon ? trimmed(tags, (size_t)(colon - tags)) : NULL;
	char *v = colon ? trimmed(colon + 1, n - (size_t)(colon - tags) - 1) : NULL;
	int rc = -1;

	if (k == NULL || strcmp(k, "check") != 0 || memchr(tags, ',', n) != NULL) {
		walk_err(c, "expected one tag {check:NAME} on checks (the name of a check)");
		goto out;
	}
	for (int i = 0; i < c->plan->nchecks && *check < 0; i++)
		if (strcmp(c->plan->check_names[i], v) == 0)
			*check = i;    /* the first; the same name in other groups counts too (k6's tag) */
	if (*check < 0) {
		walk_err(c, "expected the name of a check of the definition, got \"%s\"", v);
		goto out;
	}
	rc = 0;
out:
	free(k);
	free(v);
	return rc;
}

/*
 * Parses a metric key ("http_req_duration", "http_req_duration{name:login,status:200}") into the
 * metric and its selector (*endpoint or *series). 0, or -1 with errors added.
 */
/* Parses the tags of group_duration{...}: one group:PATH naming a group of steps ("::a::b"). */
static int
parse_group_tag(struct walk *c, const char *tags, size_t n, int *group)
{
	const char *colon = memchr(tags, ':', n);
	char *k = colon ? trimmed(tags, (size_t)(colon - tags)) : NULL;
	char *v = colon ? trimmed(colon + 1, n - (size_t)(colon - tags) - 1) : NULL;
	int rc = -1;

	if (k == NULL || strcmp(k, "group") != 0 || memchr(tags, ',', n) != NULL) {
		walk_err(c, "expected one tag {group:::NAME} on group_duration (a group's path, like "
		    "::checkout or ::checkout::pay)");
		goto out;
	}
	if ((*group = step_group_find(c->plan, v)) < 0) {
		const char *best = NULL;
		size_t bd = SIZE_MAX;
		for (int i = 0; i < c->plan->nstep_groups; i++) {
			size_t d = text_distance(v, c->plan->step_groups[i].path);
			if (d < bd)
				bd = d, best = c->plan->step_groups[i].path;
		}
		if (best != NULL && bd <= 3)
			walk_err(c, "expected the path of a group of the definition, got \"%s\" (did you mean "
			    "\"%s\"?)", v, best);
		else
			walk_err(c, "expected the path of a group of the definition (like ::checkout), got \"%s\"", v);
		goto out;
	}
	rc = 0;
out:
	free(k);
	free(v);
	return rc;
}

static int
parse_key(struct walk *c, struct threshold_plan *tp, const char *key, int *metric, int *endpoint,
    int *series, int *check, int *custom, int *group, int *monitor)
{
	const char *brace = strchr(key, '{'), *close;
	size_t n = brace ? (size_t)(brace - key) : strlen(key);
	struct sel s = { .name = -1, .scenario = -1, .status = -1, .expected = -1 };
	int m, rc = 0;

	*endpoint = *series = *check = *custom = *group = -1;
	if (brace == NULL && strchr(key, '}') != NULL) {
		walk_err(c, "expected tags in braces like {name:login}, got an unmatched \"}\"");
		return -1;
	}
	while (n > 0 && isspace((unsigned char)key[n - 1]))
		n--;
	if ((rc = monitors_threshold_key(c, key, n, monitor)) >= 0) {
		*metric = METRIC_N;
		return rc == 0 ? 0 : -1;
	}
	m = metric_find(key, n);
	if (m < 0 && (rc = custom_metric_threshold_key(c, key, n, custom)) >= 0) {
		*metric = METRIC_N;
		return rc == 0 ? 0 : -1;
	}
	rc = 0;
	if (m < 0) {
		const char *best = NULL;
		size_t bd = SIZE_MAX;
		char *name = xstrndup(key, n), *q;
		for (int i = 0; i < METRIC_N; i++) {
			size_t d = text_distance(name, metric_get(i)->name);
			if (d < bd)
				bd = d, best = metric_get(i)->name;
		}
		for (int i = 0; i < c->plan->nmetrics; i++) {
			size_t d = text_distance(name, c->plan->metrics[i].name);
			if (d < bd)
				bd = d, best = c->plan->metrics[i].name;
		}
		q = quoted(name);
		if (bd <= 3 && bd < n)
			walk_err(c, "expected a metric of the summary (http_reqs, http_req_duration, "
			    "http_req_failed, ...), got %s (did you mean \"%s\"?)", q, best);
		else
			walk_err(c, "expected a metric of the summary: http_reqs, http_req_duration, "
			    "http_req_failed, http_req_blocked, http_req_connecting, http_req_tls_handshaking, "
			    "http_req_sending, http_req_waiting, http_req_receiving, iterations, "
			    "iteration_duration, group_duration, dropped_iterations, vus, vus_max, data_sent, data_received "
			    "or checks, got %s", q);
		free(q);
		free(name);
		return -1;
	}
	if (!metric_measured(m)) {
		walk_err(c, "%s is not measured by this build: it needs libcurl 8.10 "
		    "(CURLINFO_POSTTRANSFER_TIME_T) to time a request's write; http_req_waiting and "
		    "http_req_duration include it", metric_get(m)->name);
		return -1;
	}
	*metric = m;
	if (brace == NULL)
		return 0;
	close = strrchr(key, '}');
	if (close == NULL || close < brace || close[1] != '\0') {
		walk_err(c, "expected tags in braces like {name:login} at the end of the metric name");
		return -1;
	}
	if (m == METRIC_CHECKS)
		return parse_check_tag(c, brace + 1, (size_t)(close - brace - 1), check);
	if (m == METRIC_GROUP_DURATION)
		return parse_group_tag(c, brace + 1, (size_t)(close - brace - 1), group);
	if (!metric_get(m)->per_request) {
		walk_err(c, "expected no tags on %s: sub-metrics exist for the per-request metrics "
		    "(http_reqs, http_req_*, data_sent, data_received) and checks{check:NAME}",
		    metric_get(m)->name);
		return -1;
	}
	for (const char *t = brace + 1; t < close;) {
		const char *comma = memchr(t, ',', (size_t)(close - t));
		const char *e = comma ? comma : close;
		if (parse_tag(c, key, t, (size_t)(e - t), &s) != 0)
			rc = -1;
		t = e + (comma != NULL);
	}
	if (rc == 0 && s.ntags == 0) {
		walk_err(c, "expected at least one tag between the braces, like {name:login}");
		rc = -1;
	}
	if (rc == 0) {
		if (s.ntags == 1 && s.name >= 0)
			*endpoint = s.name;    /* the endpoint's own numbers: no series needed */
		else
			*series = series_of(tp, &s);
	}
	free(s.group);
	free(s.method);
	free(s.tag_name);
	free(s.tag_value);
	return rc;
}

/* Parses one element of a metric's array (the walk is at it) into d (key and metric already set). */
static int
parse_one(struct walk *c, json_t *e, struct threshold_def *d)
{
	static const char *const keys[] = { "threshold", "abortOnFail", "delayAbortEval",
	    "baselineRequired", NULL };
	const struct metric *m = d->custom >= 0 || d->monitor >= 0 ? NULL : metric_get(d->metric);
	const char *src;
	char *cause, agg[32];

	if (json_is_object(e)) {
		json_t *t = json_object_get(e, "threshold"), *a = json_object_get(e, "abortOnFail");
		json_t *delay = json_object_get(e, "delayAbortEval"), *v;
		json_t *breq = json_object_get(e, "baselineRequired");
		const char *k;
		int bad = 0;

		json_object_foreach(e, k, v) {
			int known = 0;
			for (int i = 0; keys[i] != NULL; i++)
				known |= strcmp(keys[i], k) == 0;
			if (!known) {
				char *q = quoted(k);
				size_t old = c->plen;
				walk_append(c, "[%s]", q);
				free(q);
				walk_err(c, "unknown key (a threshold object has threshold, abortOnFail, "
				    "delayAbortEval and baselineRequired)");
				walk_pop(c, old);
				bad = 1;
			}
		}
		if (a != NULL && !json_is_boolean(a)) {
			walk_err_key(c, "abortOnFail", "expected true or false");
			bad = 1;
		}
		d->abort_on_fail = json_is_true(a);
		if (breq != NULL && !json_is_boolean(breq)) {
			walk_err_key(c, "baselineRequired", "expected true or false");
			bad = 1;
		}
		d->baseline_required = json_is_true(breq);
		if (delay != NULL) {
			int64_t ns;
			if (!json_is_string(delay) || duration_parse(json_string_value(delay), &ns) != DURATION_OK) {
				char *g = json_is_string(delay) ? quoted(json_string_value(delay)) :
				    xstrdup("a value that is not a string");
				walk_err_key(c, "delayAbortEval", "expected a duration like \"10s\", got %s", g);
				free(g);
				bad = 1;
			} else {
				d->delay_abort_ns = ns;
			}
		}
		if (!json_is_string(t)) {
			walk_err_key(c, "threshold", "expected " LIKE ", got %s", t == NULL ? "nothing" :
			    "a value that is not a string");
			return -1;
		}
		src = json_string_value(t);
		if (bad)
			return -1;
	} else if (json_is_string(e)) {
		src = json_string_value(e);
	} else {
		walk_err(c, "expected " LIKE " or an object like {\"threshold\": \"p(95)<500\", "
		    "\"abortOnFail\": true}");
		return -1;
	}
	d->source = xstrdup(src);
	if (threshold_expr_parse(src, &d->expr, &cause) != 0) {
		walk_err(c, "%s", cause);
		free(cause);
		return -1;
	}
	if (d->expr.relative && d->abort_on_fail) {
		walk_err(c, "a relative threshold (baseline) is judged at the end of the run: it cannot "
		    "abortOnFail");
		return -1;
	}
	if (d->baseline_required && !d->expr.relative) {
		walk_err_key(c, "baselineRequired", "only a relative threshold (\"... < baseline * 1.10\") "
		    "needs a baseline");
		return -1;
	}
	threshold_agg_name(d->expr.agg, d->expr.pct, agg, sizeof agg);
	if (d->monitor >= 0) {
		char *q = quoted(src);
		int rc = -1;
		if (d->expr.agg == THRESHOLD_RATE || d->expr.agg == THRESHOLD_COUNT)
			walk_err(c, "expected max, min, avg, last, med or p(N) (over the seconds' values) on a "
			    "monitored value, got %s", q);
		else if ((d->expr.agg == THRESHOLD_PCT || d->expr.agg == THRESHOLD_MED) && d->abort_on_fail)
			walk_err(c, "a percentile of a monitored value is judged at the end of the run: it "
			    "cannot abortOnFail, got %s", q);
		else if (d->expr.window_s > 0 || d->expr.relative)
			walk_err(c, "expected no window and no baseline on a monitored value, got %s", q);
		else
			rc = 0;
		free(q);
		return rc;
	}
	if (m == NULL) {
		const struct plan_metric *pm = &c->plan->metrics[c->plan->metric_slots[d->custom].metric];
		char *q = quoted(src);
		int rc = -1;
		d->custom_type = pm->type;
		if (!agg_fits(pm->type, d->expr.agg))
			walk_err(c, "expected %s on %s (a %s), got %s", type_aggs[pm->type], pm->name,
			    metric_type_name(pm->type), q);
		else if (d->expr.window_s > 0 && (pm->type == METRIC_COUNTER || pm->type == METRIC_GAUGE))
			walk_err(c, "expected no window on %s (a custom %s: windows go with custom trends and "
			    "rates), got %s", pm->name, metric_type_name(pm->type), q);
		else if (d->expr.relative)
			walk_err(c, "expected a number, not a baseline, on the custom metric %s, got %s",
			    pm->name, q);
		else
			rc = 0;
		free(q);
		return rc;
	}
	if (!agg_fits(m->type, d->expr.agg)) {
		char *q = quoted(src);
		walk_err(c, "expected %s on %s (a %s), got %s", type_aggs[m->type], m->name,
		    metric_type_name(m->type), q);
		free(q);
		return -1;
	}
	/* Per-request phase timings: per-second ticks and tagged series keep only their sums. */
	if (m->phase >= 0 && d->expr.agg != THRESHOLD_AVG) {
		const char *why = d->expr.window_s > 0 ? "a window" : d->series >= 0 ?
		    "a sub-metric by scenario, group, method, status or expected_response" :
		    d->abort_on_fail ? "abortOnFail (it needs the value during the run)" : NULL;
		if (why != NULL) {
			char *q = quoted(src);
			walk_err(c, "expected avg with %s on %s (its %s is only known at the end of the "
			    "run, for the whole run or an endpoint), got %s", why, m->name, agg, q);
			free(q);
			return -1;
		}
	}
	return 0;
}

/* Fills one step's list of the series its requests count in (task: NULL for onStart/onStop). */
static void
assign_step(const struct threshold_plan *tp, int scenario, const struct plan_task *task,
    struct plan_step *st)
{
	int n = 0;

	for (int b = 0; b < st->nbatch; b++)
		assign_step(tp, scenario, task, &st->batch[b]);
	if (st->nbatch > 0)
		return;            /* the batch's requests count, the step itself sends none */
	for (int pass = 0; pass < 2; pass++) {
		for (int s = 0; s < tp->nseries; s++) {
			const struct threshold_series *r = &tp->series[s];
			if ((r->scenario >= 0 && r->scenario != scenario) ||
			    (r->endpoint >= 0 && r->endpoint != st->endpoint) ||
			    (r->group != NULL && (task == NULL || task->name == NULL ||
			    strcmp(r->group, task->name) != 0)) ||
			    (r->method != NULL && (st->req.method == NULL || strcmp(r->method, st->req.method) != 0)) ||
			    (r->tag_name != NULL && (step_tags_get(st, r->tag_name) == NULL ||
			    strcmp(step_tags_get(st, r->tag_name), r->tag_value) != 0)))
				continue;
			if (pass == 1)
				st->series[n] = (struct threshold_series_ref){ s, r->status, r->expected };
			n++;
		}
		if (pass == 0) {
			if (n == 0)
				return;
			st->series = xcalloc((size_t)n, sizeof *st->series);
			st->nseries = n;
			n = 0;
		}
	}
}

/* Fills every step's series list: tasks' steps, and the sessions' onStart/onStop steps (which
   belong to no group). */
static void
assign_steps(struct plan *p, const struct threshold_plan *tp)
{
	for (int i = 0; i < p->nscenarios; i++) {
		struct plan_scenario *sc = &p->scenarios[i];
		for (int j = 0; j < sc->ntasks; j++)
			for (int k = 0; k < sc->tasks[j].nsteps; k++)
				assign_step(tp, i, &sc->tasks[j], &sc->tasks[j].steps[k]);
		for (int k = 0; k < sc->non_start; k++)
			assign_step(tp, i, NULL, &sc->on_start[k]);
		for (int k = 0; k < sc->non_stop; k++)
			assign_step(tp, i, NULL, &sc->on_stop[k]);
	}
}

void
threshold_plan_parse(struct walk *c, json_t *thresholds)
{
	struct plan *p = c->plan;
	struct threshold_plan *tp;
	const char *key;
	json_t *arr;
	size_t old;

	p->thresholds = NULL;
	p->nseries = 0;
	if (thresholds == NULL)
		return;
	if (!json_is_object(thresholds)) {
		walk_err_key(c, "thresholds", "expected an object of metric names to lists of expressions, "
		    "like {\"http_req_duration\": [\"p(95)<500\"]}");
		return;
	}
	tp = xcalloc(1, sizeof *tp);
	old = walk_key(c, "thresholds");
	json_object_foreach(thresholds, key, arr) {
		size_t old2 = walk_key(c, key);
		int metric, endpoint, series, check, custom, group, monitor = -1;
		size_t i;
		json_t *e;

		if (parse_key(c, tp, key, &metric, &endpoint, &series, &check, &custom, &group,
		    &monitor) != 0) {
			walk_pop(c, old2);
			continue;
		}
		if (!json_is_array(arr)) {
			walk_err(c, "expected a list of expressions like [\"p(95)<500\"]");
			walk_pop(c, old2);
			continue;
		}
		json_array_foreach(arr, i, e) {
			struct threshold_def d = { .metric = metric, .endpoint = endpoint, .series = series,
			    .check = check, .custom = custom, .step_group = group, .monitor = monitor };
			size_t old3 = walk_index(c, i);

			if (parse_one(c, e, &d) != 0) {
				free(d.source);
				walk_pop(c, old3);
				continue;
			}
			for (int j = 0; j < tp->n; j++) {
				if (strcmp(tp->v[j].key, key) == 0 && strcmp(tp->v[j].source, d.source) == 0) {
					walk_err(c, "expected each expression once per metric, got \"%s\" twice",
					    d.source);
					free(d.source);
					d.source = NULL;
					break;
				}
			}
			walk_pop(c, old3);
			if (d.source == NULL)
				continue;
			d.key = xstrdup(key);
			tp->v = xreallocarray(tp->v, (size_t)tp->n + 1, sizeof *tp->v);
			tp->v[tp->n++] = d;
		}
		walk_pop(c, old2);
	}
	walk_pop(c, old);
	if (tp->n == 0 && tp->nseries == 0) {
		tp_free(tp);
		return;
	}
	p->thresholds = tp;
	p->nseries = tp->nseries;
	assign_steps(p, tp);
}

/* ---- freeing */

/* Frees the parsed thresholds themselves. */
static void
tp_free(struct threshold_plan *tp)
{
	if (tp == NULL)
		return;
	for (int i = 0; i < tp->n; i++) {
		free(tp->v[i].key);
		free(tp->v[i].source);
	}
	free(tp->v);
	for (int i = 0; i < tp->nseries; i++) {
		free(tp->series[i].group);
		free(tp->series[i].method);
		free(tp->series[i].tag_name);
		free(tp->series[i].tag_value);
	}
	free(tp->series);
	free(tp);
}

static void
step_series_free(struct plan_step *st, int n)
{
	for (int i = 0; i < n; i++) {
		free(st[i].series);
		st[i].series = NULL;
		st[i].nseries = 0;
		step_series_free(st[i].batch, st[i].nbatch);
	}
}

void
threshold_plan_free(struct plan *p)
{
	for (int i = 0; i < p->nscenarios && p->scenarios != NULL; i++) {
		struct plan_scenario *sc = &p->scenarios[i];
		for (int j = 0; j < sc->ntasks && sc->tasks != NULL; j++)
			step_series_free(sc->tasks[j].steps, sc->tasks[j].nsteps);
		step_series_free(sc->on_start, sc->non_start);
		step_series_free(sc->on_stop, sc->non_stop);
	}
	tp_free(p->thresholds);
	p->thresholds = NULL;
	p->nseries = 0;
}
