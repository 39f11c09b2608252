/*
 * summary: the end of a run in k6's shapes (see summary.h). The JSON follows k6's handleSummary()
 * argument (grafana/k6 internal/js/summary.go, summarizeMetricsToObject) so that k6 reporting tools
 * read it unchanged; the text follows k6's end-of-test summary (summary.js: names padded with dots,
 * humanised durations and byte counts, columns aligned across lines).
 *
 * Runs on the caller's thread after the run, except summary_series_add (see the header).
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "metrics/hist.h"
#include "metrics/summary.h"
#include "metrics/threshold.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

#define NAME_WIDTH 31          /* "http_req_duration" + dots, as k6 prints it */
#define MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e"   /* k6's group id: md5 of the path "" */

/* Fills *out from a histogram of microseconds; NULL or empty gives all zeros. */
void
summary_trend_of(const struct hist *h, struct summary_trend *out)
{
	memset(out, 0, sizeof *out);
	if (h == NULL || hist_count(h) == 0)
		return;
	out->count = hist_count(h);
	out->avg = hist_mean(h) / 1000.0;
	out->min = (double)hist_min(h) / 1000.0;
	out->max = (double)hist_max(h) / 1000.0;
	out->med = (double)hist_percentile(h, 50.0) / 1000.0;
	out->p90 = (double)hist_percentile(h, 90.0) / 1000.0;
	out->p95 = (double)hist_percentile(h, 95.0) / 1000.0;
	out->p99 = (double)hist_percentile(h, 99.0) / 1000.0;
}

/* Starts an empty series. */
void
summary_series_init(struct summary_series *s, int workers)
{
	assert(workers >= 1);
	memset(s, 0, sizeof *s);
	s->workers = workers;
}

/* Adds one second's tick. */
void
summary_series_add(struct summary_series *s, const struct tick *t)
{
	bool cpu_bad, lag_bad;

	if (s->seconds == 0) {
		s->vus_min = s->vus_max = t->vus;
		s->vus_max_min = s->vus_max_max = t->vus_max;
	}
	s->seconds++;
	if (t->vus < s->vus_min)
		s->vus_min = t->vus;
	if (t->vus > s->vus_max)
		s->vus_max = t->vus;
	if (t->vus_max < s->vus_max_min)
		s->vus_max_min = t->vus_max;
	if (t->vus_max > s->vus_max_max)
		s->vus_max_max = t->vus_max;
	s->vus_last = t->vus;
	s->vus_max_last = t->vus_max;

	if (t->cpu_pct > s->cpu_max_pct)
		s->cpu_max_pct = t->cpu_pct;
	s->cpu_sum_pct += t->cpu_pct;
	if (t->loop_lag_max_us > s->lag_max_us)
		s->lag_max_us = t->loop_lag_max_us;

	cpu_bad = t->cpu_pct >= SUMMARY_CPU_SATURATED_PCT * s->workers;
	lag_bad = t->loop_lag_max_us > SUMMARY_LAG_LIMIT_US;
	s->cpu_saturated_seconds += cpu_bad;
	s->lag_seconds += lag_bad;
	s->bad_seconds += cpu_bad || lag_bad;
}

/* Share of bad seconds in percent. */
static double
bad_pct(const struct summary_series *s)
{
	return s->seconds > 0 ? 100.0 * (double)s->bad_seconds / (double)s->seconds : 0.0;
}

/* Judges whether the load generator was the bottleneck. */
bool
summary_verdict(const struct summary_series *s, char *buf, size_t len)
{
	double pct = bad_pct(s);
	bool saturated = s->bad_seconds > 0 && pct >= SUMMARY_BAD_SECONDS_PCT;

	if (saturated)
		snprintf(buf, len, "WARNING: the load generator was saturated for %.0f%% of the run: "
		    "these numbers may describe Rampage, not the target (%lld s of %lld: cpu >= %.0f%% of "
		    "%d worker%s in %lld s, loop lag > %d ms in %lld s; cpu max %.0f%%, loop lag max %.1f ms)",
		    pct, (long long)s->bad_seconds, (long long)s->seconds, SUMMARY_CPU_SATURATED_PCT,
		    s->workers, s->workers == 1 ? "" : "s", (long long)s->cpu_saturated_seconds,
		    SUMMARY_LAG_LIMIT_US / 1000, (long long)s->lag_seconds, s->cpu_max_pct,
		    (double)s->lag_max_us / 1000.0);
	else
		snprintf(buf, len, "generator: ok (cpu max %.0f%%, loop lag max %.1f ms)", s->cpu_max_pct,
		    (double)s->lag_max_us / 1000.0);
	return saturated;
}

/* True when a scenario uses an arrival-rate executor. */
bool
summary_open_model(const struct plan *plan)
{
	for (int i = 0; i < plan->nscenarios; i++) {
		enum plan_executor e = plan->scenarios[i].executor;
		if (e == PLAN_CONSTANT_ARRIVAL_RATE || e == PLAN_RAMPING_ARRIVAL_RATE)
			return true;
	}
	return false;
}

/* ---- number formatting, as k6's summary.js ---- */

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

/* ---- JSON ---- */

/* Turns a count into a rate per second of the run. */
static double
per_second(double n, int64_t duration_ns)
{
	return duration_ns > 0 ? n * 1e9 / (double)duration_ns : 0.0;
}

/* Builds k6 trend values (ms) in summaryTrendStats order. */
static json_t *
trend_values(const struct summary_trend *t)
{
	json_t *v = json_object();

	json_object_set_new(v, "avg", json_real(t->avg));
	json_object_set_new(v, "min", json_real(t->min));
	json_object_set_new(v, "med", json_real(t->med));
	json_object_set_new(v, "max", json_real(t->max));
	json_object_set_new(v, "p(90)", json_real(t->p90));
	json_object_set_new(v, "p(95)", json_real(t->p95));
	json_object_set_new(v, "p(99)", json_real(t->p99));
	return v;
}

/* Adds one metric entry; takes ownership of values. Thresholds are added to the entry afterwards
   (add_thresholds), as "thresholds": {"<source as written>": {"ok": bool}}. */
static void
add_metric(json_t *metrics, const char *name, const char *type, const char *contains, json_t *values)
{
	json_t *m = json_object();

	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "contains", json_string(contains));
	json_object_set_new(m, "values", values);
	json_object_set_new(metrics, name, m);
}

/* Adds a time trend from a histogram of µs. */
static void
add_trend(json_t *metrics, const char *name, const struct hist *h_us)
{
	struct summary_trend t;

	summary_trend_of(h_us, &t);
	add_metric(metrics, name, "trend", "time", trend_values(&t));
}

/* Adds a counter: count and its rate over the run. */
static void
add_counter(json_t *metrics, const char *name, const char *contains, uint64_t count, int64_t dur_ns)
{
	json_t *v = json_object();

	json_object_set_new(v, "count", json_integer((json_int_t)count));
	json_object_set_new(v, "rate", json_real(per_second((double)count, dur_ns)));
	add_metric(metrics, name, "counter", contains, v);
}

/* Adds a gauge: last value, min and max. */
static void
add_gauge(json_t *metrics, const char *name, int value, int min, int max)
{
	json_t *v = json_object();

	json_object_set_new(v, "value", json_integer(value));
	json_object_set_new(v, "min", json_integer(min));
	json_object_set_new(v, "max", json_integer(max));
	add_metric(metrics, name, "gauge", "default", v);
}

/* k6's rate metric: the share of non-zero samples; passes = non-zero samples, fails = zero samples.
   For http_req_failed a non-zero sample is a failed request, so passes counts the failures. */
static void
add_rate(json_t *metrics, const char *name, uint64_t nonzero, uint64_t total)
{
	json_t *v = json_object();

	json_object_set_new(v, "rate", json_real(total > 0 ? (double)nonzero / (double)total : 0.0));
	json_object_set_new(v, "passes", json_integer((json_int_t)nonzero));
	json_object_set_new(v, "fails", json_integer((json_int_t)(total - nonzero)));
	add_metric(metrics, name, "rate", "default", v);
}

/* Status codes seen, as {"200": n, ...}; 0 is "no response". */
static json_t *
status_object(const struct tick_endpoint *ep)
{
	json_t *o = json_object();
	char code[8];

	for (int i = 0; i < TICK_NSTATUS; i++) {
		if (ep->status[i] == 0)
			continue;
		snprintf(code, sizeof code, "%d", i);
		json_object_set_new(o, code, json_integer((json_int_t)ep->status[i]));
	}
	return o;
}

/* Transport errors by kind, as {"connect": n, ...}. */
static json_t *
errors_object(const struct tick_endpoint *ep)
{
	json_t *o = json_object();

	for (int i = TICK_ERR_NONE + 1; i < TICK_NERR; i++)
		if (ep->errors[i] != 0)
			json_object_set_new(o, tick_error_name(i), json_integer((json_int_t)ep->errors[i]));
	return o;
}

/* Builds one endpoint (or the total) of rampage.endpoints. */
static json_t *
endpoint_json(const struct summary_run *run, const char *name, const char *method,
    const struct tick_endpoint *ep, bool open)
{
	json_t *o = json_object();
	struct summary_trend t;

	json_object_set_new(o, "name", json_string(name));
	if (method != NULL)
		json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "requests", json_integer((json_int_t)ep->requests));
	json_object_set_new(o, "failed", json_integer((json_int_t)ep->failed));
	json_object_set_new(o, "rate", json_real(per_second((double)ep->requests, run->duration_ns)));
	json_object_set_new(o, "bytes_sent", json_integer((json_int_t)ep->bytes_sent));
	json_object_set_new(o, "bytes_received", json_integer((json_int_t)ep->bytes_received));
	summary_trend_of(ep->duration, &t);
	json_object_set_new(o, "duration", trend_values(&t));
	if (open) {
		summary_trend_of(ep->service, &t);
		json_object_set_new(o, "service_time", trend_values(&t));
	}
	json_object_set_new(o, "status", status_object(ep));
	json_object_set_new(o, "errors", errors_object(ep));
	json_object_set_new(o, "extract_failures", json_integer((json_int_t)ep->extract_failures));
	json_object_set_new(o, "extract_truncated", json_integer((json_int_t)ep->extract_truncated));
	return o;
}

/* ---- checks and groupBy (JSON) */

/* MD5 (RFC 1321) of s, in hex: k6's check id is the md5 of the check's path ("::name"). */
static void
md5_hex(const char *s, size_t n, char out[33])
{
	static const uint32_t k[64] = {
		0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
		0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
		0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
		0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
		0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
		0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
		0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
		0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
	};
	static const int r[64] = {
		7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
		5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
		4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
		6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
	};
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	size_t total = ((n + 8) / 64 + 1) * 64;
	unsigned char *msg = xcalloc(total, 1);
	uint64_t bits = (uint64_t)n * 8;

	memcpy(msg, s, n);
	msg[n] = 0x80;
	for (int i = 0; i < 8; i++)
		msg[total - 8 + i] = (unsigned char)(bits >> (8 * i));
	for (size_t off = 0; off < total; off += 64) {
		uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)msg[off + 4 * i] | (uint32_t)msg[off + 4 * i + 1] << 8 |
			    (uint32_t)msg[off + 4 * i + 2] << 16 | (uint32_t)msg[off + 4 * i + 3] << 24;
		for (int i = 0; i < 64; i++) {
			uint32_t f, t;
			int g;
			if (i < 16) {
				f = (b & c) | (~b & d);
				g = i;
			} else if (i < 32) {
				f = (d & b) | (~d & c);
				g = (5 * i + 1) % 16;
			} else if (i < 48) {
				f = b ^ c ^ d;
				g = (3 * i + 5) % 16;
			} else {
				f = c ^ (b | ~d);
				g = (7 * i) % 16;
			}
			t = d;
			d = c;
			c = b;
			f += a + k[i] + w[g];
			b += (f << r[i]) | (f >> (32 - r[i]));
			a = t;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
	}
	free(msg);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned)(h[i / 4] >> (8 * (i % 4))) & 0xff);
}

/* root_group.checks, as k6 has them: [{name, path, id, passes, fails}], in definition order. */
static json_t *
checks_json(const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	json_t *a = json_array();

	for (int i = 0; i < plan->nchecks && i < w->nchecks; i++) {
		char *path = xasprintf("::%s", plan->check_names[i]), id[33];
		md5_hex(path, strlen(path), id);
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", plan->check_names[i],
		    "path", path, "id", id, "passes", (json_int_t)w->checks[i].passes,
		    "fails", (json_int_t)w->checks[i].fails));
		free(path);
	}
	return a;
}

/* Passes and fails over every check. */
static void
checks_total(const struct tick *w, uint64_t *passes, uint64_t *fails)
{
	*passes = *fails = 0;
	for (int i = 0; i < w->nchecks; i++) {
		*passes += w->checks[i].passes;
		*fails += w->checks[i].fails;
	}
}

/* The entries of g by count, largest first (ties: first seen first); returns the total. */
static uint64_t
group_order(const struct tick_group *g, int order[TICK_GROUP_MAX])
{
	uint64_t total = g->other + g->missing;

	for (int k = 0; k < g->n; k++) {
		int j = k;
		while (j > 0 && g->v[order[j - 1]].count < g->v[k].count) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = k;
		total += g->v[k].count;
	}
	return total;
}

/* A groupBy value as a JSON string; a value cut inside a UTF-8 character loses that character. */
static json_t *
group_value(const struct tick_group_value *v)
{
	json_t *s = NULL;

	for (size_t n = v->len, cut = 0; s == NULL && cut < 4 && cut <= n; cut++)
		s = json_stringn(v->value, n - cut);
	return s != NULL ? s : json_string("(not UTF-8)");
}

/* rampage.groupBy: {"<step name>": {source, total, values: {value: count}, other, missing}}, values
   by count, largest first. */
static json_t *
groups_json(const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	json_t *o = json_object();

	for (int i = 0; i < plan->ngroups && i < w->ngroups; i++) {
		const struct tick_group *g = &w->groups[i];
		json_t *values = json_object();
		int order[TICK_GROUP_MAX];
		uint64_t total = group_order(g, order);

		for (int k = 0; k < g->n; k++) {
			json_t *key = group_value(&g->v[order[k]]);
			json_object_set_new(values, json_string_value(key),
			    json_integer((json_int_t)g->v[order[k]].count));
			json_decref(key);
		}
		json_object_set_new(o, plan->groups[i].name, json_pack("{s:s,s:I,s:o,s:I,s:I}",
		    "source", plan->groups[i].source, "total", (json_int_t)total, "values", values,
		    "other", (json_int_t)g->other, "missing", (json_int_t)g->missing));
	}
	return o;
}

/* Builds rampage.generator: the verdict and what it rests on. */
static json_t *
generator_json(const struct summary_series *s)
{
	json_t *o = json_object();
	char line[512];
	bool saturated = summary_verdict(s, line, sizeof line);

	json_object_set_new(o, "verdict", json_string(saturated ? "saturated" : "ok"));
	json_object_set_new(o, "message", json_string(line));
	json_object_set_new(o, "workers", json_integer(s->workers));
	json_object_set_new(o, "seconds", json_integer(s->seconds));
	json_object_set_new(o, "saturated_seconds", json_integer(s->bad_seconds));
	json_object_set_new(o, "saturated_pct", json_real(bad_pct(s)));
	json_object_set_new(o, "cpu_saturated_seconds", json_integer(s->cpu_saturated_seconds));
	json_object_set_new(o, "loop_lag_seconds", json_integer(s->lag_seconds));
	json_object_set_new(o, "cpu_max_pct", json_real(s->cpu_max_pct));
	json_object_set_new(o, "cpu_mean_pct",
	    json_real(s->seconds > 0 ? s->cpu_sum_pct / (double)s->seconds : 0.0));
	json_object_set_new(o, "loop_lag_max_ms", json_real((double)s->lag_max_us / 1000.0));
	json_object_set_new(o, "cpu_saturated_threshold_pct", json_real(SUMMARY_CPU_SATURATED_PCT * s->workers));
	json_object_set_new(o, "loop_lag_threshold_ms", json_real(SUMMARY_LAG_LIMIT_US / 1000.0));
	return o;
}

/* Builds the "rampage" extras. */
static json_t *
rampage_json(const struct summary_run *run)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	bool open = summary_open_model(plan);
	json_t *o = json_object(), *a, *om;
	struct summary_trend t;

	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "name", plan->name != NULL ? json_string(plan->name) : json_null());
	json_object_set_new(o, "interrupted", json_boolean(run->interrupted));
	a = json_array();
	for (int i = 0; i < plan->nscenarios; i++) {
		json_t *sc = json_object();
		json_object_set_new(sc, "name", json_string(plan->scenarios[i].name));
		json_object_set_new(sc, "executor", json_string(plan_executor_name(plan->scenarios[i].executor)));
		json_array_append_new(a, sc);
	}
	json_object_set_new(o, "scenarios", a);

	a = json_array();
	for (int i = 0; i < plan->nendpoints && i < w->nendpoints; i++)
		json_array_append_new(a, endpoint_json(run, plan->endpoints[i].name, plan->endpoints[i].method,
		    &w->endpoints[i], open));
	json_object_set_new(o, "endpoints", a);
	json_object_set_new(o, "total", endpoint_json(run, "total", NULL, &w->total, open));

	a = json_object();
	json_object_set_new(a, "completed", json_integer((json_int_t)w->iterations));
	json_object_set_new(a, "interrupted", json_integer((json_int_t)w->interrupted_iterations));
	json_object_set_new(a, "dropped", json_integer((json_int_t)w->dropped_iterations));
	json_object_set_new(a, "late_starts", json_integer((json_int_t)w->late_starts));
	json_object_set_new(o, "iterations", a);

	json_object_set_new(o, "generator", generator_json(run->series));

	om = json_object();
	json_object_set_new(om, "used", json_boolean(open));
	if (open) {
		json_object_set_new(om, "note", json_string(
		    "http_req_duration and iteration latency are measured from each iteration's intended "
		    "start time, so time spent waiting for a free VU counts (no coordinated omission); "
		    "service_time is measured from the actual send"));
		summary_trend_of(w->total.service, &t);
		json_object_set_new(om, "service_time", trend_values(&t));
		json_object_set_new(om, "dropped_iterations", json_integer((json_int_t)w->dropped_iterations));
		json_object_set_new(om, "late_starts", json_integer((json_int_t)w->late_starts));
	}
	json_object_set_new(o, "open_model", om);
	json_object_set_new(o, "groupBy", groups_json(run));
	return o;
}

/* ---- thresholds (JSON) */

/* Adds the entry of a sub-metric a threshold names, from the tick data it reads. */
static void
add_sub_metric(json_t *metrics, const struct summary_run *run, int i, const struct threshold_result *r)
{
	const struct tick_endpoint *ep = threshold_sub_endpoint(run->thresholds, i, run->whole);
	const struct tick *w = run->whole;
	int64_t dur = run->duration_ns;

	if (r->check >= 0 && r->check < w->nchecks) {
		add_rate(metrics, r->metric, w->checks[r->check].passes,
		    w->checks[r->check].passes + w->checks[r->check].fails);
		return;
	}
	if (ep != NULL) {
		if (strcmp(r->base, "http_reqs") == 0)
			add_counter(metrics, r->metric, "default", ep->requests, dur);
		else if (strcmp(r->base, "http_req_duration") == 0)
			add_trend(metrics, r->metric, ep->duration);
		else if (strcmp(r->base, "http_req_failed") == 0)
			add_rate(metrics, r->metric, ep->failed, ep->requests);
		else if (strcmp(r->base, "data_sent") == 0)
			add_counter(metrics, r->metric, "data", ep->bytes_sent, dur);
		else if (strcmp(r->base, "data_received") == 0)
			add_counter(metrics, r->metric, "data", ep->bytes_received, dur);
		for (int p = 0; p < TICK_NPHASE; p++) {
			if (strcmp(r->base, tick_phase_metric(p)) != 0)
				continue;
			if (ep->phase[p] != NULL) {
				add_trend(metrics, r->metric, ep->phase[p]);
			} else {           /* a tagged series keeps the phase's sum only: its mean */
				json_t *v = json_object();
				json_object_set_new(v, "avg", json_real(ep->requests > 0 ?
				    (double)ep->phase_sum_us[p] / (double)ep->requests / 1000.0 : 0.0));
				add_metric(metrics, r->metric, "trend", "time", v);
			}
		}
	}
	if (json_object_get(metrics, r->metric) == NULL)
		add_metric(metrics, r->metric, r->type, r->contains, json_object());
}

/* Puts each threshold's verdict into its metric's entry (k6's handleSummary() shape), and the full
   results under rampage.thresholds. */
static void
add_thresholds(json_t *root, json_t *metrics, const struct summary_run *run)
{
	int n = run->thresholds != NULL ? threshold_count(run->thresholds) : 0;

	for (int i = 0; i < n; i++) {
		struct threshold_result r;
		json_t *m, *th;

		threshold_get(run->thresholds, i, &r);
		if ((m = json_object_get(metrics, r.metric)) == NULL) {
			add_sub_metric(metrics, run, i, &r);
			m = json_object_get(metrics, r.metric);
		}
		if ((th = json_object_get(m, "thresholds")) == NULL) {
			th = json_object();
			json_object_set_new(m, "thresholds", th);
		}
		json_object_set_new(th, r.source, json_pack("{s:b}", "ok", r.ok));
	}
	if (run->thresholds != NULL)
		json_object_set_new(json_object_get(root, "rampage"), "thresholds",
		    threshold_results_json(run->thresholds));
}

/* Builds the handleSummary() object. */
json_t *
summary_json(const struct summary_run *run)
{
	const struct tick *w = run->whole;
	const struct summary_series *s = run->series;
	int64_t dur = run->duration_ns;
	json_t *root = json_object(), *metrics = json_object(), *g, *a;
	int vus_min = s->vus_min, vus_max = s->vus_max;
	int vm_min = s->vus_max_min, vm_max = s->vus_max_max;
	static const char *stats[] = { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" };

	/* A run shorter than a second has no per-second ticks: the whole-run gauges are all we know. */
	if (s->seconds == 0) {
		vus_min = vus_max = w->vus;
		vm_min = vm_max = w->vus_max;
	}
	if (w->vus_max > vm_max)
		vm_max = w->vus_max;

	g = json_object();
	json_object_set_new(g, "name", json_string(""));
	json_object_set_new(g, "path", json_string(""));
	json_object_set_new(g, "id", json_string(MD5_EMPTY));
	json_object_set_new(g, "groups", json_array());
	json_object_set_new(g, "checks", checks_json(run));
	json_object_set_new(root, "root_group", g);

	g = json_object();
	a = json_array();
	for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++)
		json_array_append_new(a, json_string(stats[i]));
	json_object_set_new(g, "summaryTrendStats", a);
	json_object_set_new(g, "summaryTimeUnit", json_string(""));
	json_object_set_new(g, "noColor", json_true());
	json_object_set_new(root, "options", g);

	g = json_object();
	json_object_set_new(g, "isStdOutTTY", json_boolean(run->stdout_tty));
	json_object_set_new(g, "isStdErrTTY", json_boolean(run->stderr_tty));
	json_object_set_new(g, "testRunDurationMs", json_real((double)dur / 1e6));
	json_object_set_new(root, "state", g);

	add_counter(metrics, "http_reqs", "default", w->total.requests, dur);
	add_trend(metrics, "http_req_duration", w->total.duration);
	add_rate(metrics, "http_req_failed", w->total.failed, w->total.requests);
	for (int p = 0; p < TICK_NPHASE; p++)
		add_trend(metrics, tick_phase_metric(p), w->total.phase[p]);
	add_counter(metrics, "iterations", "default", w->iterations, dur);
	add_trend(metrics, "iteration_duration", w->iteration_duration);
	add_counter(metrics, "dropped_iterations", "default", w->dropped_iterations, dur);
	add_gauge(metrics, "vus", s->seconds > 0 ? s->vus_last : w->vus, vus_min, vus_max);
	add_gauge(metrics, "vus_max", w->vus_max, vm_min, vm_max);
	add_counter(metrics, "data_sent", "data", w->total.bytes_sent, dur);
	add_counter(metrics, "data_received", "data", w->total.bytes_received, dur);
	if (run->plan->nchecks > 0) {
		uint64_t passes, fails;
		checks_total(w, &passes, &fails);
		add_rate(metrics, "checks", passes, passes + fails);
	}
	json_object_set_new(root, "metrics", metrics);

	json_object_set_new(root, "rampage", rampage_json(run));
	add_thresholds(root, metrics, run);
	return root;
}

/* Writes summary_json to path. */
int
summary_export(const struct summary_run *run, const char *path, char **cause)
{
	json_t *root = summary_json(run);
	int rc = 0;

	if (json_dump_file(root, path, JSON_INDENT(4) | JSON_REAL_PRECISION(12)) != 0) {
		*cause = xasprintf("%s: cannot write the summary: %s", path, strerror(errno ? errno : EIO));
		rc = -1;
	}
	json_decref(root);
	return rc;
}

/* ---- text ---- */

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
	summary_fmt_num(b, sizeof b, per_second((double)count, dur_ns));
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
	summary_fmt_bytes(b, sizeof b, per_second((double)bytes, dur_ns));
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
		snprintf(rate, sizeof rate, "%.2f", per_second((double)ep->requests, run->duration_ns));
		fprintf(f, "  %-*s %10llu %9llu %9.2f %9.2f %9.2f %9.2f %10s\n", nw, name,
		    (unsigned long long)ep->requests, (unsigned long long)ep->failed, t.med, t.p95, t.p99,
		    t.max, rate);
	}
}

/* ---- thresholds (text) */

/* Formats a threshold's observed value as k6 does: "p(95)=12.3ms", "rate=0.00%", "count=500". */
static void
fmt_observed(char *buf, size_t len, const struct threshold_result *r)
{
	char v[48];

	if (!r->judged)
		snprintf(v, sizeof v, "- (no samples)");
	else if (strcmp(r->type, "trend") == 0)
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
static void
print_checks(FILE *f, const struct summary_run *run, struct text *tx)
{
	const struct plan *plan = run->plan;
	const struct tick *w = run->whole;
	uint64_t passes, fails;
	struct line *l;
	char b[32];

	if (plan->nchecks == 0)
		return;
	fprintf(f, "\n  CHECKS\n");
	for (int i = 0; i < plan->nchecks && i < w->nchecks; i++) {
		uint64_t p = w->checks[i].passes, n = p + w->checks[i].fails;
		if (w->checks[i].fails == 0) {
			fprintf(f, "    ✓ %s\n", plan->check_names[i]);
			continue;
		}
		fprintf(f, "    ✗ %s\n", plan->check_names[i]);
		fprintf(f, "     ↳  %.0f%% — ✓ %llu / ✗ %llu\n", n > 0 ? floor(100.0 * (double)p / (double)n) : 0.0,
		    (unsigned long long)p, (unsigned long long)w->checks[i].fails);
	}
	checks_total(w, &passes, &fails);
	l = text_add(tx, LINE_VALUE, "checks");
	fmt_rate_pct(b, sizeof b, passes, passes + fails);
	cell(l, "%s", b);
	cell(l, "✓ %llu", (unsigned long long)passes);
	cell(l, "✗ %llu", (unsigned long long)fails);
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
		uint64_t total = group_order(g, order);

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
	const struct summary_series *s = run->series;
	int64_t dur = run->duration_ns;
	struct text tx = { 0 };
	struct line *l;
	char b[64], verdict[512];
	int vus_min = s->seconds > 0 ? s->vus_min : w->vus, vus_max = s->seconds > 0 ? s->vus_max : w->vus;
	int vm_min = s->seconds > 0 ? s->vus_max_min : w->vus_max;
	bool open = summary_open_model(run->plan);

	print_thresholds(f, run);
	print_checks(f, run, &tx);
	text_add(&tx, LINE_SECTION, "HTTP");
	text_trend(&tx, "http_req_blocked", w->total.phase[TICK_PHASE_BLOCKED]);
	text_trend(&tx, "http_req_connecting", w->total.phase[TICK_PHASE_CONNECTING]);
	text_trend(&tx, "http_req_duration", w->total.duration);
	l = text_add(&tx, LINE_VALUE, "http_req_failed");
	fmt_rate_pct(b, sizeof b, w->total.failed, w->total.requests);
	cell(l, "%s", b);
	cell(l, "%llu out of %llu", (unsigned long long)w->total.failed,
	    (unsigned long long)w->total.requests);
	text_trend(&tx, "http_req_receiving", w->total.phase[TICK_PHASE_RECEIVING]);
	text_trend(&tx, "http_req_sending", w->total.phase[TICK_PHASE_SENDING]);
	text_trend(&tx, "http_req_tls_handshaking", w->total.phase[TICK_PHASE_TLS]);
	text_trend(&tx, "http_req_waiting", w->total.phase[TICK_PHASE_WAITING]);
	text_counter(&tx, "http_reqs", w->total.requests, dur);
	if (open)
		text_trend(&tx, "service_time", w->total.service);

	text_add(&tx, LINE_SECTION, "EXECUTION");
	if (open || w->dropped_iterations > 0)
		text_counter(&tx, "dropped_iterations", w->dropped_iterations, dur);
	text_trend(&tx, "iteration_duration", w->iteration_duration);
	text_counter(&tx, "iterations", w->iterations, dur);
	text_gauge(&tx, "vus", s->seconds > 0 ? s->vus_last : w->vus, vus_min, vus_max);
	text_gauge(&tx, "vus_max", w->vus_max, vm_min, w->vus_max > s->vus_max_max ? w->vus_max :
	    s->vus_max_max);

	text_add(&tx, LINE_SECTION, "NETWORK");
	text_bytes(&tx, "data_received", w->total.bytes_received, dur);
	text_bytes(&tx, "data_sent", w->total.bytes_sent, dur);

	text_print(f, &tx);
	free(tx.lines);

	if (open)
		fprintf(f, "\n  open model: http_req_duration counts from each iteration's intended start\n"
		    "  (waiting for a free VU included); service_time counts from the actual send.\n"
		    "  %llu iterations dropped (no VU free), %llu started late.\n",
		    (unsigned long long)w->dropped_iterations, (unsigned long long)w->late_starts);

	endpoint_table(f, run);
	print_groups(f, run);

	summary_fmt_ms(b, sizeof b, (double)dur / 1e6);
	fprintf(f, "\n  %s (%s), %d/%d VUs, %llu complete and %llu interrupted iterations\n",
	    run->interrupted ? "interrupted" : "finished", b, w->vus, w->vus_max,
	    (unsigned long long)w->iterations, (unsigned long long)w->interrupted_iterations);
	summary_verdict(s, verdict, sizeof verdict);
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
