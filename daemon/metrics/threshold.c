/*
 * threshold: see threshold.h.
 *
 * The grammar follows k6's metrics/thresholds_parser.go (aggregation, operator, number, spaces
 * between them) and its metric types (thresholds.go: counter count/rate, rate rate, trend
 * avg/min/max/med/p(N), gauge value, plus min/max on gauges as the summary shows them). Values are
 * read from the same ticks the summary is built from, so a threshold and the summary line beside
 * it always agree: percentiles are hist_percentile's (HdrHistogram semantics, within 0.4%), not
 * k6's linear interpolation.
 *
 * Windows: each windowed threshold keeps a ring of its last W seconds. Counters and rates keep a
 * numerator and denominator per second plus running sums (subtracting the second that leaves is
 * exact). Trends keep a running merged histogram plus each second's histogram encoded as a blob
 * (hundreds of bytes; ~1.5 KB at 10,000 requests/s with a wide spread, so an hour-long window takes
 * a few MB, not 3600 x 26 KB); a leaving second is decoded into a scratch histogram and subtracted
 * (hist_subtract). Per second that is one encode and one decode, each in proportion to the second's
 * range of values, whatever W is (measured: 25-35 µs). The window's min and max are
 * exact: each second's are kept beside the blob and scanned (W integers).
 *
 * Parsing runs on the caller's thread; a threshold_set on one thread at a time; threshold_record on
 * a worker thread.
 */
#include <config.h>

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/metric.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "core/duration.h"
#include "testdef/plan.h"
#include "testdef/testdef.h"

#define LIKE "an expression like \"p(95)<500\""
#define GOT_SHOWN 60               /* longest source (bytes) quoted in a message */
#define PATH_SIZE 512

/* ---- metrics (names and types: metrics/metric.h) */

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
	[THRESHOLD_COUNT] = "count", [THRESHOLD_VALUE] = "value",
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

/* A string as it reads in a message: JSON-quoted, shortened. New string. */
static char *
quoted(const char *s)
{
	json_t *j = json_string(s);
	char *q, *out;
	size_t n;

	if (j == NULL)             /* not UTF-8 */
		return xstrdup("a string that is not UTF-8");
	q = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	if (q == NULL)
		return xstrdup("\"?\"");
	n = strlen(q);
	if (n <= GOT_SHOWN)
		return q;
	n = GOT_SHOWN;
	while (n > 0 && ((unsigned char)q[n] & 0xc0) == 0x80)
		n--;
	out = xasprintf("%.*s...\"", (int)n, q);
	free(q);
	return out;
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
		for (i = 0; i <= THRESHOLD_VALUE; i++) {
			if (i != THRESHOLD_PCT && strlen(agg_words[i]) == n && strncmp(agg_words[i], p, n) == 0)
				break;
		}
		if (i > THRESHOLD_VALUE)
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

	/* number */
	p = skip_space(p);
	if ((p = scan_number(p, &e.value)) == NULL)
		return fail(cause, src, "expected " LIKE);

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
	*out = e;
	return 0;
}

/* ---- the plan's thresholds */

/* A sub-metric series: requests matching every set tag. */
struct series {
	int scenario;              /* scenario index, -1: any */
	char *group;               /* task name, NULL: any */
	int endpoint;              /* endpoint index, -1: any */
	char *method;              /* NULL: any */
	int status;                /* -1: any */
	int expected;              /* -1: any */
};

/* One threshold of the plan. */
struct tdef {
	char *key;                 /* metric key as written */
	char *source;              /* expression as written */
	enum metric_id metric;
	int endpoint;              /* {name:X} alone: endpoint index; else -1 */
	int series;                /* other selectors: series index; else -1 */
	int check;                 /* checks{check:X}: plan->check_names index; else -1 */
	struct threshold_expr expr;
	bool abort_on_fail;
	int64_t delay_abort_ns;    /* 0: none */
};

struct threshold_plan {
	struct tdef *v;
	int n;
	struct series *series;
	int nseries;
};

static void tp_free(struct threshold_plan *tp);

struct pctx {
	struct plan *plan;
	struct threshold_plan *tp;
	struct testdef_errors *errs;
	int errors;
	char path[PATH_SIZE];
};

/* Adds an error at path. */
static void __attribute__((format(printf, 3, 4)))
perr(struct pctx *c, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	testdef_errors_add(c->errs, path, "%s", msg);
	c->errors++;
}

/* "thresholds.key" or thresholds["key{...}"], as testdef writes paths. */
static void
key_path(char *buf, size_t len, const char *key)
{
	bool plain = key[0] != '\0';
	char *q;

	for (const char *k = key; *k && plain; k++)
		plain = isalnum((unsigned char)*k) || *k == '_' || *k == '-';
	if (plain) {
		snprintf(buf, len, "thresholds.%.64s", key);
		return;
	}
	q = quoted(key);
	snprintf(buf, len, "thresholds[%s]", q);
	free(q);
}

/* A tag selector being parsed. */
struct sel {
	int name;                  /* endpoint index, -1 */
	int scenario;
	char *group;
	char *method;
	int status, expected;
	int ntags;
};

static const char *const tag_names = "name, method, scenario, group, status or expected_response";

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
parse_tag(struct pctx *c, const char *path, const char *key, const char *tag, size_t n, struct sel *s)
{
	const char *colon = memchr(tag, ':', n);
	const struct plan *p = c->plan;
	char *k, *v, list[256];
	int rc = -1;

	if (colon == NULL) {
		char *q = quoted(key);
		perr(c, path, "expected tags like {name:login} after the metric name (tag:value, separated "
		    "by commas), got %s", q);
		free(q);
		return -1;
	}
	k = trimmed(tag, (size_t)(colon - tag));
	v = trimmed(colon + 1, n - (size_t)(colon - tag) - 1);
	if (v[0] == '\0') {
		perr(c, path, "expected a value for tag \"%s\", got nothing", k);
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
			perr(c, path, "expected the name of an endpoint (%s), got \"%s\"", list, v);
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
			perr(c, path, "expected the name of a scenario (%s), got \"%s\"", list, v);
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
			perr(c, path, "expected the name of a task (a group is a task: a workflow's name), "
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
			perr(c, path, "expected a method some request uses, got \"%s\"", v);
			goto out;
		}
		s->method = xstrdup(v);
	} else if (strcmp(k, "status") == 0) {
		char *end;
		long st = strtol(v, &end, 10);
		if (s->status >= 0)
			goto dup;
		if (*end != '\0' || end == v || !isdigit((unsigned char)v[0]) || st < 0 || st >= TICK_NSTATUS) {
			perr(c, path, "expected an HTTP status from 100 to 599 (or 0: no response), got \"%s\"", v);
			goto out;
		}
		s->status = (int)st;
	} else if (strcmp(k, "expected_response") == 0) {
		if (s->expected >= 0)
			goto dup;
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
			perr(c, path, "expected expected_response:true or expected_response:false, got \"%s\"", v);
			goto out;
		}
		s->expected = strcmp(v, "true") == 0;
	} else {
		perr(c, path, "expected a tag of %s, got \"%s\"", tag_names, k);
		goto out;
	}
	s->ntags++;
	rc = 0;
	goto out;
dup:
	perr(c, path, "expected each tag once, got \"%s\" twice", k);
out:
	free(k);
	free(v);
	return rc;
}

/* The series matching sel: an existing one with the same tags, or a new one. */
static int
series_of(struct threshold_plan *tp, const struct sel *s)
{
	struct series *r;

	for (int i = 0; i < tp->nseries; i++) {
		r = &tp->series[i];
		if (r->scenario == s->scenario && r->endpoint == s->name && r->status == s->status &&
		    r->expected == s->expected && (r->group == NULL) == (s->group == NULL) &&
		    (r->group == NULL || strcmp(r->group, s->group) == 0) &&
		    (r->method == NULL) == (s->method == NULL) &&
		    (r->method == NULL || strcmp(r->method, s->method) == 0))
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
	return tp->nseries++;
}

/* Parses the tags of checks{...}: one check:NAME naming a check of the plan. */
static int
parse_check_tag(struct pctx *c, const char *path, const char *tags, size_t n, int *check)
{
	const char *colon = memchr(tags, ':', n);
	char *k = colon ? trimmed(tags, (size_t)(colon - tags)) : NULL;
	char *v = colon ? trimmed(colon + 1, n - (size_t)(colon - tags) - 1) : NULL;
	int rc = -1;

	if (k == NULL || strcmp(k, "check") != 0 || memchr(tags, ',', n) != NULL) {
		perr(c, path, "expected one tag {check:NAME} on checks (the name of a check)");
		goto out;
	}
	for (int i = 0; i < c->plan->nchecks; i++)
		if (strcmp(c->plan->check_names[i], v) == 0)
			*check = i;
	if (*check < 0) {
		perr(c, path, "expected the name of a check of the definition, got \"%s\"", v);
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
static int
parse_key(struct pctx *c, const char *key, int *metric, int *endpoint, int *series, int *check)
{
	const char *brace = strchr(key, '{'), *close;
	size_t n = brace ? (size_t)(brace - key) : strlen(key);
	struct sel s = { .name = -1, .scenario = -1, .status = -1, .expected = -1 };
	char path[PATH_SIZE];
	int m, rc = 0;

	key_path(path, sizeof path, key);
	*endpoint = *series = *check = -1;
	if (brace == NULL && strchr(key, '}') != NULL) {
		perr(c, path, "expected tags in braces like {name:login}, got an unmatched \"}\"");
		return -1;
	}
	while (n > 0 && isspace((unsigned char)key[n - 1]))
		n--;
	m = metric_find(key, n);
	if (m < 0) {
		const char *best = NULL;
		size_t bd = SIZE_MAX;
		char *name = xstrndup(key, n), *q;
		for (int i = 0; i < METRIC_N; i++) {
			size_t d = text_distance(name, metric_get(i)->name);
			if (d < bd)
				bd = d, best = metric_get(i)->name;
		}
		q = quoted(name);
		if (bd <= 3 && bd < n)
			perr(c, path, "expected a metric of the summary (http_reqs, http_req_duration, "
			    "http_req_failed, ...), got %s (did you mean \"%s\"?)", q, best);
		else
			perr(c, path, "expected a metric of the summary: http_reqs, http_req_duration, "
			    "http_req_failed, http_req_blocked, http_req_connecting, http_req_tls_handshaking, "
			    "http_req_sending, http_req_waiting, http_req_receiving, iterations, "
			    "iteration_duration, dropped_iterations, vus, vus_max, data_sent, data_received "
			    "or checks, got %s", q);
		free(q);
		free(name);
		return -1;
	}
	*metric = m;
	if (brace == NULL)
		return 0;
	close = strrchr(key, '}');
	if (close == NULL || close < brace || close[1] != '\0') {
		perr(c, path, "expected tags in braces like {name:login} at the end of the metric name");
		return -1;
	}
	if (m == METRIC_CHECKS)
		return parse_check_tag(c, path, brace + 1, (size_t)(close - brace - 1), check);
	if (!metric_get(m)->per_request) {
		perr(c, path, "expected no tags on %s: sub-metrics exist for the per-request metrics "
		    "(http_reqs, http_req_*, data_sent, data_received) and checks{check:NAME}",
		    metric_get(m)->name);
		return -1;
	}
	for (const char *t = brace + 1; t < close;) {
		const char *comma = memchr(t, ',', (size_t)(close - t));
		const char *e = comma ? comma : close;
		if (parse_tag(c, path, key, t, (size_t)(e - t), &s) != 0)
			rc = -1;
		t = e + (comma != NULL);
	}
	if (rc == 0 && s.ntags == 0) {
		perr(c, path, "expected at least one tag between the braces, like {name:login}");
		rc = -1;
	}
	if (rc == 0) {
		if (s.ntags == 1 && s.name >= 0)
			*endpoint = s.name;    /* the endpoint's own numbers: no series needed */
		else
			*series = series_of(c->tp, &s);
	}
	free(s.group);
	free(s.method);
	return rc;
}

/* Parses one element of a metric's array at path into d (key and metric already set). */
static int
parse_one(struct pctx *c, const char *path, json_t *e, struct tdef *d)
{
	static const char *const keys[] = { "threshold", "abortOnFail", "delayAbortEval", NULL };
	const struct metric *m = metric_get(d->metric);
	const char *src;
	char *cause, agg[32];

	if (json_is_object(e)) {
		json_t *t = json_object_get(e, "threshold"), *a = json_object_get(e, "abortOnFail");
		json_t *delay = json_object_get(e, "delayAbortEval"), *v;
		const char *k;
		char sub[PATH_SIZE * 2];
		int bad = 0;

		json_object_foreach(e, k, v) {
			int known = 0;
			for (int i = 0; keys[i] != NULL; i++)
				known |= strcmp(keys[i], k) == 0;
			if (!known) {
				char *q = quoted(k);
				snprintf(sub, sizeof sub, "%s[%s]", path, q);
				free(q);
				perr(c, sub, "unknown key (a threshold object has threshold, abortOnFail and "
				    "delayAbortEval)");
				bad = 1;
			}
		}
		if (a != NULL && !json_is_boolean(a)) {
			snprintf(sub, sizeof sub, "%s.abortOnFail", path);
			perr(c, sub, "expected true or false");
			bad = 1;
		}
		d->abort_on_fail = json_is_true(a);
		if (delay != NULL) {
			int64_t ns;
			snprintf(sub, sizeof sub, "%s.delayAbortEval", path);
			if (!json_is_string(delay) || duration_parse(json_string_value(delay), &ns) != DURATION_OK) {
				char *g = json_is_string(delay) ? quoted(json_string_value(delay)) :
				    xstrdup("a value that is not a string");
				perr(c, sub, "expected a duration like \"10s\", got %s", g);
				free(g);
				bad = 1;
			} else {
				d->delay_abort_ns = ns;
			}
		}
		if (!json_is_string(t)) {
			snprintf(sub, sizeof sub, "%s.threshold", path);
			perr(c, sub, "expected " LIKE ", got %s", t == NULL ? "nothing" : "a value that is not "
			    "a string");
			return -1;
		}
		src = json_string_value(t);
		if (bad)
			return -1;
	} else if (json_is_string(e)) {
		src = json_string_value(e);
	} else {
		perr(c, path, "expected " LIKE " or an object like {\"threshold\": \"p(95)<500\", "
		    "\"abortOnFail\": true}");
		return -1;
	}
	d->source = xstrdup(src);
	if (threshold_expr_parse(src, &d->expr, &cause) != 0) {
		perr(c, path, "%s", cause);
		free(cause);
		return -1;
	}
	threshold_agg_name(d->expr.agg, d->expr.pct, agg, sizeof agg);
	if (!agg_fits(m->type, d->expr.agg)) {
		char *q = quoted(src);
		perr(c, path, "expected %s on %s (a %s), got %s", type_aggs[m->type], m->name,
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
			perr(c, path, "expected avg with %s on %s (its %s is only known at the end of the "
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

	for (int pass = 0; pass < 2; pass++) {
		for (int s = 0; s < tp->nseries; s++) {
			const struct series *r = &tp->series[s];
			if ((r->scenario >= 0 && r->scenario != scenario) ||
			    (r->endpoint >= 0 && r->endpoint != st->endpoint) ||
			    (r->group != NULL && (task == NULL || task->name == NULL ||
			    strcmp(r->group, task->name) != 0)) ||
			    (r->method != NULL && (st->req.method == NULL || strcmp(r->method, st->req.method) != 0)))
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

int
threshold_plan_parse(struct plan *p, json_t *thresholds, struct testdef_errors *errs)
{
	struct pctx c = { .plan = p, .errs = errs };
	struct threshold_plan *tp;
	const char *key;
	json_t *arr;

	p->thresholds = NULL;
	p->nseries = 0;
	if (thresholds == NULL)
		return 0;
	if (!json_is_object(thresholds)) {
		perr(&c, "thresholds", "expected an object of metric names to lists of expressions, like "
		    "{\"http_req_duration\": [\"p(95)<500\"]}");
		return c.errors;
	}
	tp = c.tp = xcalloc(1, sizeof *tp);
	json_object_foreach(thresholds, key, arr) {
		char path[PATH_SIZE], epath[PATH_SIZE + 24];
		int metric, endpoint, series, check;
		size_t i;
		json_t *e;

		key_path(path, sizeof path, key);
		if (parse_key(&c, key, &metric, &endpoint, &series, &check) != 0)
			continue;
		if (!json_is_array(arr)) {
			perr(&c, path, "expected a list of expressions like [\"p(95)<500\"]");
			continue;
		}
		json_array_foreach(arr, i, e) {
			struct tdef d = { .metric = metric, .endpoint = endpoint, .series = series, .check = check };

			snprintf(epath, sizeof epath, "%s[%zu]", path, i);
			if (parse_one(&c, epath, e, &d) != 0) {
				free(d.source);
				continue;
			}
			for (int j = 0; j < tp->n; j++) {
				if (strcmp(tp->v[j].key, key) == 0 && strcmp(tp->v[j].source, d.source) == 0) {
					perr(&c, epath, "expected each expression once per metric, got \"%s\" twice",
					    d.source);
					free(d.source);
					d.source = NULL;
					break;
				}
			}
			if (d.source == NULL)
				continue;
			d.key = xstrdup(key);
			tp->v = xreallocarray(tp->v, (size_t)tp->n + 1, sizeof *tp->v);
			tp->v[tp->n++] = d;
		}
	}
	if (tp->n == 0 && tp->nseries == 0) {
		tp_free(tp);
		return c.errors;
	}
	p->thresholds = tp;
	p->nseries = tp->nseries;
	assign_steps(p, tp);
	return c.errors;
}

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

/* ---- recording (worker thread, per request) */

void
threshold_record(struct tick *t, const struct plan_step *st, const struct tick_sample *s)
{
	for (int i = 0; i < st->nseries; i++) {
		const struct threshold_series_ref *ref = &st->series[i];

		if ((ref->status >= 0 && ref->status != s->status) ||
		    (ref->expected >= 0 && ref->expected == (int)s->failed))
			continue;
		assert(ref->series < t->nseries);
		tick_record(&t->series[ref->series], NULL, s);
	}
}

/* ---- evaluation */

/* A windowed threshold's last W seconds. */
struct window {
	int64_t w;                 /* seconds */
	int64_t n;                 /* seconds pushed so far */
	uint64_t *num, *den;       /* [w]: counters (num), rates and phase means (num / den) */
	uint64_t sum_num, sum_den;
	int *g;                    /* [w]: gauges */
	struct hist *run;          /* trends: the window's samples */
	unsigned char **blob;      /* [w]: each second's histogram, encoded */
	size_t *blen, *bcap;
	uint64_t *mn, *mx;         /* [w]: each second's exact min and max (mn UINT64_MAX: empty) */
};

struct tstate {
	struct window *win;        /* windowed thresholds */
	bool judged;               /* a value was judged */
	bool ok;
	bool window_failed;        /* a window broke it (sticky) */
	bool aborted;              /* stopped the run (sticky failure) */
	bool final;
	double value;
	int64_t start;             /* window start of value, -1 */
};

struct gauge_track {
	bool have;
	int last, min, max;
};

struct threshold_set {
	const struct plan *plan;
	const struct threshold_plan *tp;
	struct tstate *st;
	int n;
	int64_t next;              /* the next second expected */
	struct gauge_track vus, vus_max;
	struct hist *scratch, *empty;
	bool aborted;
};

/* The numbers one threshold reads from a tick, or from a window. */
struct input {
	uint64_t count;            /* counters */
	double span_s;             /* seconds the count covers (counter rate) */
	uint64_t num, den;         /* rates; phase means (µs sums / requests) */
	const struct hist *h;      /* trends (NULL: only num/den) */
	bool exact;                /* min_us/max_us below are exact (windows) */
	uint64_t min_us, max_us;
	struct gauge_track g;      /* gauges */
};

static const struct tick_endpoint *
ep_of(const struct tdef *d, const struct tick *t)
{
	if (d->endpoint >= 0)
		return d->endpoint < t->nendpoints ? &t->endpoints[d->endpoint] : NULL;
	if (d->series >= 0)
		return d->series < t->nseries ? &t->series[d->series] : NULL;
	return &t->total;
}

/* Fills in from one tick (a second or the whole run); gauges come from the caller. */
static void
input_of(const struct tdef *d, const struct tick *t, struct input *in)
{
	const struct metric *m = metric_get(d->metric);
	const struct tick_endpoint *ep = ep_of(d, t);

	memset(in, 0, sizeof *in);
	if (ep == NULL)
		return;
	switch (d->metric) {
	case METRIC_HTTP_REQS: in->count = ep->requests; break;
	case METRIC_DATA_SENT: in->count = ep->bytes_sent; break;
	case METRIC_DATA_RECEIVED: in->count = ep->bytes_received; break;
	case METRIC_ITERATIONS: in->count = t->iterations; break;
	case METRIC_DROPPED_ITERATIONS: in->count = t->dropped_iterations; break;
	case METRIC_HTTP_REQ_FAILED: in->num = ep->failed; in->den = ep->requests; break;
	case METRIC_CHECKS:
		for (int i = 0; i < t->nchecks; i++) {
			if (d->check >= 0 && i != d->check)
				continue;
			in->num += t->checks[i].passes;
			in->den += t->checks[i].passes + t->checks[i].fails;
		}
		break;
	case METRIC_HTTP_REQ_DURATION: in->h = ep->duration; break;
	case METRIC_ITERATION_DURATION: in->h = t->iteration_duration; break;
	default:
		if (m->phase >= 0) {
			in->h = ep->phase[m->phase];
			in->num = (uint64_t)(ep->phase_sum_us[m->phase] > 0 ? ep->phase_sum_us[m->phase] : 0);
			in->den = ep->requests;
		}
		break;
	}
}

/* The observed value of d on in. False when there are no samples (not judged, as in k6). */
static bool
value_of(const struct tdef *d, const struct input *in, double *out)
{
	const struct metric *m = metric_get(d->metric);
	const struct threshold_expr *e = &d->expr;

	switch (m->type) {
	case METRIC_COUNTER:
		*out = e->agg == THRESHOLD_COUNT ? (double)in->count :
		    in->span_s > 0 ? (double)in->count / in->span_s : 0.0;
		return true;
	case METRIC_RATE:
		if (in->den == 0)
			return false;
		*out = (double)in->num / (double)in->den;
		return true;
	case METRIC_GAUGE:
		if (!in->g.have)
			return false;
		*out = e->agg == THRESHOLD_MIN ? in->g.min : e->agg == THRESHOLD_MAX ? in->g.max : in->g.last;
		return true;
	case METRIC_TREND:
		break;
	}
	if (m->phase >= 0 && e->agg == THRESHOLD_AVG) {
		if (in->den == 0)
			return false;
		*out = (double)in->num / (double)in->den / 1000.0;
		return true;
	}
	if (in->h == NULL || hist_count(in->h) == 0)
		return false;
	switch (e->agg) {
	case THRESHOLD_AVG: *out = hist_mean(in->h); break;
	case THRESHOLD_MIN: *out = (double)(in->exact ? in->min_us : hist_min(in->h)); break;
	case THRESHOLD_MAX: *out = (double)(in->exact ? in->max_us : hist_max(in->h)); break;
	case THRESHOLD_MED: *out = (double)hist_percentile(in->h, 50.0); break;
	case THRESHOLD_PCT: *out = (double)hist_percentile(in->h, e->pct); break;
	default: assert(!"aggregation checked at parse time"); return false;
	}
	*out /= 1000.0;
	return true;
}

static bool
compare(double v, enum threshold_op op, double x)
{
	switch (op) {
	case THRESHOLD_LT: return v < x;
	case THRESHOLD_LE: return v <= x;
	case THRESHOLD_GT: return v > x;
	case THRESHOLD_GE: return v >= x;
	case THRESHOLD_EQ: return v == x;
	case THRESHOLD_NE: return v != x;
	}
	return false;
}

/* True when a is further from passing than b (the worst window is the one to show). */
static bool
worse(double a, double b, enum threshold_op op)
{
	switch (op) {
	case THRESHOLD_LT: case THRESHOLD_LE: return a > b;
	case THRESHOLD_GT: case THRESHOLD_GE: return a < b;
	default: return false;
	}
}

static struct window *
window_new(const struct tdef *d)
{
	struct window *w = xcalloc(1, sizeof *w);
	const struct metric *m = metric_get(d->metric);
	size_t n = (size_t)d->expr.window_s;

	w->w = d->expr.window_s;
	if (m->type == METRIC_GAUGE) {
		w->g = xcalloc(n, sizeof *w->g);
	} else if (m->type == METRIC_TREND && m->phase < 0) {
		w->run = hist_new();
		w->blob = xcalloc(n, sizeof *w->blob);
		w->blen = xcalloc(n, sizeof *w->blen);
		w->bcap = xcalloc(n, sizeof *w->bcap);
		w->mn = xcalloc(n, sizeof *w->mn);
		w->mx = xcalloc(n, sizeof *w->mx);
	} else {
		w->num = xcalloc(n, sizeof *w->num);
		w->den = xcalloc(n, sizeof *w->den);
	}
	return w;
}

static void
window_free(struct window *w)
{
	if (w == NULL)
		return;
	free(w->num);
	free(w->den);
	free(w->g);
	hist_free(w->run);
	if (w->blob != NULL)
		for (int64_t i = 0; i < w->w; i++)
			free(w->blob[i]);
	free(w->blob);
	free(w->blen);
	free(w->bcap);
	free(w->mn);
	free(w->mx);
	free(w);
}

/* Adds one second (in: that second's numbers; g: its gauges) to the window, dropping the oldest. */
static void
window_push(struct threshold_set *s, const struct tdef *d, struct window *w, const struct input *in,
    const struct gauge_track *g)
{
	int64_t slot = w->n % w->w;
	bool full = w->n >= w->w;

	if (w->g != NULL) {
		w->g[slot] = g->have ? g->last : 0;
	} else if (w->run != NULL) {
		const struct hist *h = in->h != NULL ? in->h : s->empty;
		size_t need;

		if (full && w->blen[slot] > 0 && hist_count(w->run) > 0) {
			int rc = hist_decode(s->scratch, w->blob[slot], w->blen[slot], NULL);
			assert(rc == 0);
			(void)rc;
			hist_subtract(w->run, s->scratch);
		}
		need = hist_encode(h, NULL, 0);
		if (need > w->bcap[slot]) {
			w->blob[slot] = xrealloc(w->blob[slot], need);
			w->bcap[slot] = need;
		}
		w->blen[slot] = hist_encode(h, w->blob[slot], w->bcap[slot]);
		hist_merge(w->run, h);
		w->mn[slot] = hist_count(h) > 0 ? hist_min(h) : UINT64_MAX;
		w->mx[slot] = hist_count(h) > 0 ? hist_max(h) : 0;
	} else {
		uint64_t num = metric_get(d->metric)->type == METRIC_COUNTER ? in->count : in->num;
		if (full) {
			w->sum_num -= w->num[slot];
			w->sum_den -= w->den[slot];
		}
		w->num[slot] = num;
		w->den[slot] = in->den;
		w->sum_num += num;
		w->sum_den += in->den;
	}
	w->n++;
}

/* The numbers of a complete window. */
static void
window_input(const struct window *w, struct input *in)
{
	memset(in, 0, sizeof *in);
	if (w->g != NULL) {
		in->g.have = true;
		in->g.last = in->g.min = in->g.max = w->g[(w->n - 1) % w->w];
		for (int64_t i = 0; i < w->w; i++) {
			if (w->g[i] < in->g.min)
				in->g.min = w->g[i];
			if (w->g[i] > in->g.max)
				in->g.max = w->g[i];
		}
	} else if (w->run != NULL) {
		in->h = w->run;
		in->exact = true;
		in->min_us = UINT64_MAX;
		for (int64_t i = 0; i < w->w; i++) {
			if (w->mn[i] < in->min_us)
				in->min_us = w->mn[i];
			if (w->mx[i] > in->max_us)
				in->max_us = w->mx[i];
		}
	} else {
		in->count = in->num = w->sum_num;
		in->den = w->sum_den;
		in->span_s = (double)w->w;
	}
}

struct threshold_set *
threshold_set_new(const struct plan *plan)
{
	struct threshold_set *s = xcalloc(1, sizeof *s);

	s->plan = plan;
	s->tp = plan->thresholds;
	s->n = s->tp != NULL ? s->tp->n : 0;
	s->st = xcalloc(s->n > 0 ? (size_t)s->n : 1, sizeof *s->st);
	for (int i = 0; i < s->n; i++) {
		s->st[i].ok = true;
		s->st[i].start = -1;
		if (s->tp->v[i].expr.window_s > 0)
			s->st[i].win = window_new(&s->tp->v[i]);
	}
	s->scratch = hist_new();
	s->empty = hist_new();
	return s;
}

void
threshold_set_free(struct threshold_set *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++)
		window_free(s->st[i].win);
	free(s->st);
	hist_free(s->scratch);
	hist_free(s->empty);
	free(s);
}

static void
gauge_add(struct gauge_track *g, int v)
{
	if (!g->have) {
		g->have = true;
		g->min = g->max = v;
	}
	if (v < g->min)
		g->min = v;
	if (v > g->max)
		g->max = v;
	g->last = v;
}

/* The gauges of d's metric, tracked over the seconds. */
static const struct gauge_track *
gauges_of(const struct threshold_set *s, const struct tdef *d)
{
	return d->metric == METRIC_VUS_MAX ? &s->vus_max : &s->vus;
}

/* Records a window's verdict: the first failing window stays; while passing, the worst one. */
static bool
judge_window(struct tstate *st, const struct tdef *d, double v, int64_t start)
{
	bool pass = compare(v, d->expr.op, d->expr.value);

	if (!pass) {
		if (!st->window_failed) {
			st->window_failed = true;
			st->value = v;
			st->start = start;
		}
		st->ok = false;
	} else if (!st->window_failed && (!st->judged || worse(v, st->value, d->expr.op))) {
		st->value = v;
		st->start = start;
	}
	st->judged = true;
	return pass;
}

/* Pushes one second (t; NULL: an empty one) into every window and judges the complete ones.
   Returns true when an abort became due. */
static bool
add_second(struct threshold_set *s, int64_t sec, const struct tick *t, const struct tick *whole)
{
	struct gauge_track g = { 0 };
	bool abort = false;

	if (t != NULL) {
		gauge_add(&s->vus, t->vus);
		gauge_add(&s->vus_max, t->vus_max);
	}
	for (int i = 0; i < s->n; i++) {
		const struct tdef *d = &s->tp->v[i];
		struct tstate *st = &s->st[i];
		struct input in;
		double v;
		bool pass = true, judged = false;

		if (st->win != NULL) {
			if (t != NULL) {
				input_of(d, t, &in);
				g.have = true;
				g.last = d->metric == METRIC_VUS_MAX ? t->vus_max : t->vus;
			} else {
				memset(&in, 0, sizeof in);
				g.have = false;
			}
			window_push(s, d, st->win, &in, &g);
			if (st->win->n >= st->win->w) {
				window_input(st->win, &in);
				if (value_of(d, &in, &v)) {
					pass = judge_window(st, d, v, sec - st->win->w + 1);
					judged = true;
				}
			}
		} else if (whole != NULL && !st->aborted) {
			input_of(d, whole, &in);
			in.span_s = (double)(sec + 1);
			in.g = *gauges_of(s, d);
			/* Phase histograms of the whole run are filled when it ends: only their mean is
			   known before (parsing allows nothing else live with abortOnFail). */
			if (metric_get(d->metric)->phase >= 0 && d->expr.agg != THRESHOLD_AVG)
				continue;
			if (value_of(d, &in, &v)) {
				pass = compare(v, d->expr.op, d->expr.value);
				st->judged = judged = true;
				st->value = v;
				st->ok = pass;
			}
		}
		if (judged && !pass && d->abort_on_fail && !s->aborted &&
		    (sec + 1) * CLOCK_NS_PER_S > d->delay_abort_ns) {
			s->aborted = st->aborted = abort = true;
			st->ok = false;
		}
	}
	return abort;
}

bool
threshold_tick(struct threshold_set *s, const struct tick *second, const struct tick *whole)
{
	bool abort = false;

	if (second->second < s->next)
		return false;
	while (s->next < second->second)
		abort |= add_second(s, s->next++, NULL, NULL);
	abort |= add_second(s, s->next++, second, whole);
	return abort;
}

void
threshold_final(struct threshold_set *s, const struct tick *whole, int64_t duration_ns)
{
	for (int i = 0; i < s->n; i++) {
		const struct tdef *d = &s->tp->v[i];
		struct tstate *st = &s->st[i];
		struct gauge_track g = *gauges_of(s, d);
		struct input in;
		double v;

		st->final = true;
		if (st->win != NULL && st->win->n >= st->win->w) {
			st->ok = !st->window_failed && !st->aborted;
			continue;
		}
		/* Whole-run thresholds, and windows longer than the run: the run is the one window. */
		if (!g.have) {         /* shorter than a second: no per-second ticks */
			g.have = true;
			g.last = g.min = g.max = d->metric == METRIC_VUS_MAX ? whole->vus_max : whole->vus;
		}
		input_of(d, whole, &in);
		in.span_s = (double)duration_ns / 1e9;
		in.g = g;
		if (value_of(d, &in, &v)) {
			st->judged = true;
			st->value = v;
			st->start = st->win != NULL ? 0 : -1;
			st->ok = compare(v, d->expr.op, d->expr.value) && !st->aborted;
		} else {
			st->judged = false;
			st->ok = !st->aborted;
		}
	}
}

bool
threshold_passed(const struct threshold_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (!s->st[i].ok)
			return false;
	return true;
}

bool
threshold_aborted(const struct threshold_set *s)
{
	return s->aborted;
}

int
threshold_count(const struct threshold_set *s)
{
	return s->n;
}

void
threshold_get(const struct threshold_set *s, int i, struct threshold_result *out)
{
	const struct tdef *d;
	const struct tstate *st;
	const struct metric *m;

	assert(i >= 0 && i < s->n);
	d = &s->tp->v[i];
	st = &s->st[i];
	m = metric_get(d->metric);
	memset(out, 0, sizeof *out);
	out->metric = d->key;
	out->base = m->name;
	out->type = metric_type_name(m->type);
	out->contains = m->contains;
	out->source = d->source;
	threshold_agg_name(d->expr.agg, d->expr.pct, out->agg, sizeof out->agg);
	out->ok = st->ok;
	out->judged = st->judged;
	out->value = st->judged ? st->value : 0.0;
	out->window_s = d->expr.window_s;
	out->window_start = st->judged ? st->start : -1;
	out->abort_on_fail = d->abort_on_fail;
	out->aborted = st->aborted;
	out->final = st->final;
	out->check = d->check;
}

const struct tick_endpoint *
threshold_sub_endpoint(const struct threshold_set *s, int i, const struct tick *t)
{
	const struct tdef *d;

	assert(i >= 0 && i < s->n);
	d = &s->tp->v[i];
	if (d->endpoint < 0 && d->series < 0)
		return NULL;
	return ep_of(d, t);
}

json_t *
threshold_results_json(const struct threshold_set *s)
{
	json_t *a = json_array();

	for (int i = 0; i < s->n; i++) {
		struct threshold_result r;
		json_t *o = json_object();

		threshold_get(s, i, &r);
		json_object_set_new(o, "metric", json_string(r.metric));
		json_object_set_new(o, "source", json_string(r.source));
		json_object_set_new(o, "ok", json_boolean(r.ok));
		json_object_set_new(o, "value", r.judged ? json_real(r.value) : json_null());
		json_object_set_new(o, "aggregation", json_string(r.agg));
		if (r.window_s > 0)
			json_object_set_new(o, "window_s", json_integer(r.window_s));
		json_object_set_new(o, "failed_window_start", r.window_s > 0 && !r.ok && r.window_start >= 0 ?
		    json_integer(r.window_start) : json_null());
		json_object_set_new(o, "abort_on_fail", json_boolean(r.abort_on_fail));
		json_object_set_new(o, "aborted", json_boolean(r.aborted));
		json_object_set_new(o, "final", json_boolean(r.final));
		json_array_append_new(a, o);
	}
	return a;
}
