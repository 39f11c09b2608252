/*
 * output: the per-second writers of `rampage run` (--out csv=..., --out json=...) and the progress
 * line. output_second_new runs on the engine's controller thread (inside on_tick); everything else on
 * the main thread. See output.h.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <jansson.h>

#include "cli/output.h"
#include "core/xmalloc.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

enum output_kind { OUTPUT_CSV, OUTPUT_JSON };

struct output {
	enum output_kind kind;
	char *path;
	FILE *f;
	int failed;                /* a write failed: later seconds are ignored */
};

const char output_csv_header[] =
    "second,endpoint,requests,failed,rps,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,mean_ms,"
    "bytes_sent,bytes_received,vus,iterations,dropped_iterations,"
    "vus_max,late_starts,interrupted_iterations,"
    "status_none,status_1xx,status_2xx,status_3xx,status_4xx,status_5xx,status_other,errors,"
    "cpu_pct,loop_lag_max_ms";

/* Copies one endpoint of a tick into plain numbers. */
static void
copy_endpoint(struct output_endpoint *dst, const char *name, const struct tick_endpoint *src)
{
	memset(dst, 0, sizeof *dst);
	dst->name = name;
	dst->requests = src->requests;
	dst->failed = src->failed;
	dst->bytes_sent = src->bytes_sent;
	dst->bytes_received = src->bytes_received;
	for (int i = 0; i < TICK_NSTATUS; i++)
		dst->status_class[i / 100] += src->status[i];
	dst->status_class[6] = src->status_other;
	for (int i = TICK_ERR_NONE + 1; i < TICK_NERR; i++)
		dst->errors += src->errors[i];
	summary_trend_of(src->duration, &dst->duration);
}

/* Copies a second's tick into plain numbers. */
struct output_second *
output_second_new(const struct plan *plan, const struct tick *t)
{
	struct output_second *s = xcalloc(1, sizeof *s);
	int n = plan->nendpoints < t->nendpoints ? plan->nendpoints : t->nendpoints;

	s->second = t->second;
	s->vus = t->vus;
	s->vus_max = t->vus_max;
	s->iterations = t->iterations;
	s->dropped_iterations = t->dropped_iterations;
	s->late_starts = t->late_starts;
	s->interrupted_iterations = t->interrupted_iterations;
	s->cpu_pct = t->cpu_pct;
	s->loop_lag_max_us = t->loop_lag_max_us;
	copy_endpoint(&s->total, "total", &t->total);
	s->nendpoints = n;
	s->endpoints = xcalloc((size_t)(n > 0 ? n : 1), sizeof *s->endpoints);
	for (int i = 0; i < n; i++)
		copy_endpoint(&s->endpoints[i], plan->endpoints[i].name, &t->endpoints[i]);
	return s;
}

/* Frees it. */
void
output_second_free(struct output_second *s)
{
	if (s == NULL)
		return;
	free(s->endpoints);
	free(s);
}

/* Opens a writer from a --out value. */
struct output *
output_open(const char *spec, char **cause)
{
	struct output *o;
	enum output_kind kind;
	const char *path;
	FILE *f;

	if (strncmp(spec, "csv=", 4) == 0)
		kind = OUTPUT_CSV;
	else if (strncmp(spec, "json=", 5) == 0)
		kind = OUTPUT_JSON;
	else {
		*cause = xasprintf("--out %s: expected csv=PATH, json=PATH, summary=PATH, junit=PATH or html=PATH", spec);
		return NULL;
	}
	path = strchr(spec, '=') + 1;
	if (*path == '\0') {
		*cause = xasprintf("--out %s: the path is empty", spec);
		return NULL;
	}
	f = fopen(path, "w");
	if (f == NULL) {
		*cause = xasprintf("--out %s: %s", spec, strerror(errno));
		return NULL;
	}
	o = xcalloc(1, sizeof *o);
	o->kind = kind;
	o->path = xstrdup(path);
	o->f = f;
	if (kind == OUTPUT_CSV)
		fprintf(f, "%s\n", output_csv_header);
	return o;
}

/* Writes a CSV field, quoted when it holds a comma, quote or line break. */
static void
csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Writes one CSV row: an endpoint (or the total) in a second. */
static void
csv_row(FILE *f, const struct output_second *s, const struct output_endpoint *e)
{
	const struct summary_trend *d = &e->duration;

	fprintf(f, "%lld,", (long long)s->second);
	csv_field(f, e->name);
	fprintf(f, ",%llu,%llu,%llu,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%llu,%llu,%d,%llu,%llu,%d,%llu,%llu",
	    (unsigned long long)e->requests, (unsigned long long)e->failed,
	    (unsigned long long)e->requests, d->med, d->p90, d->p95, d->p99, d->max, d->avg,
	    (unsigned long long)e->bytes_sent, (unsigned long long)e->bytes_received, s->vus,
	    (unsigned long long)s->iterations, (unsigned long long)s->dropped_iterations, s->vus_max,
	    (unsigned long long)s->late_starts, (unsigned long long)s->interrupted_iterations);
	for (int i = 0; i < 7; i++)
		fprintf(f, ",%llu", (unsigned long long)e->status_class[i]);
	fprintf(f, ",%llu,%.1f,%.3f\n", (unsigned long long)e->errors, s->cpu_pct,
	    (double)s->loop_lag_max_us / 1000.0);
}

/* Builds one endpoint (or the total) of a JSON line. */
static json_t *
endpoint_json(const struct output_endpoint *e)
{
	const struct summary_trend *d = &e->duration;
	json_t *o = json_object(), *st = json_object();
	static const char *cls[7] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx", "other" };

	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "requests", json_integer((json_int_t)e->requests));
	json_object_set_new(o, "failed", json_integer((json_int_t)e->failed));
	json_object_set_new(o, "rps", json_real((double)e->requests));
	json_object_set_new(o, "p50_ms", json_real(d->med));
	json_object_set_new(o, "p90_ms", json_real(d->p90));
	json_object_set_new(o, "p95_ms", json_real(d->p95));
	json_object_set_new(o, "p99_ms", json_real(d->p99));
	json_object_set_new(o, "max_ms", json_real(d->max));
	json_object_set_new(o, "mean_ms", json_real(d->avg));
	json_object_set_new(o, "min_ms", json_real(d->min));
	json_object_set_new(o, "bytes_sent", json_integer((json_int_t)e->bytes_sent));
	json_object_set_new(o, "bytes_received", json_integer((json_int_t)e->bytes_received));
	for (int i = 0; i < 7; i++)
		if (e->status_class[i] != 0)
			json_object_set_new(st, cls[i], json_integer((json_int_t)e->status_class[i]));
	json_object_set_new(o, "status", st);
	json_object_set_new(o, "errors", json_integer((json_int_t)e->errors));
	return o;
}

/* Writes one second as one JSON line. */
static void
json_line(FILE *f, const struct output_second *s)
{
	json_t *o = json_object(), *a = json_array();
	char *text;

	json_object_set_new(o, "second", json_integer(s->second));
	json_object_set_new(o, "vus", json_integer(s->vus));
	json_object_set_new(o, "vus_max", json_integer(s->vus_max));
	json_object_set_new(o, "iterations", json_integer((json_int_t)s->iterations));
	json_object_set_new(o, "dropped_iterations", json_integer((json_int_t)s->dropped_iterations));
	json_object_set_new(o, "late_starts", json_integer((json_int_t)s->late_starts));
	json_object_set_new(o, "interrupted_iterations", json_integer((json_int_t)s->interrupted_iterations));
	json_object_set_new(o, "cpu_pct", json_real(s->cpu_pct));
	json_object_set_new(o, "loop_lag_max_ms", json_real((double)s->loop_lag_max_us / 1000.0));
	json_object_set_new(o, "total", endpoint_json(&s->total));
	for (int i = 0; i < s->nendpoints; i++)
		json_array_append_new(a, endpoint_json(&s->endpoints[i]));
	json_object_set_new(o, "endpoints", a);
	text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
	fprintf(f, "%s\n", text);
	free(text);
	json_decref(o);
}

/* Writes one second. */
int
output_write(struct output *o, const struct output_second *s, char **cause)
{
	if (o->failed)
		return 0;
	if (o->kind == OUTPUT_CSV) {
		for (int i = 0; i < s->nendpoints; i++)
			csv_row(o->f, s, &s->endpoints[i]);
		csv_row(o->f, s, &s->total);
	} else
		json_line(o->f, s);
	if (fflush(o->f) != 0 || ferror(o->f)) {
		o->failed = 1;
		*cause = xasprintf("%s: %s; later seconds are not written", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Flushes and closes. */
int
output_close(struct output *o, char **cause)
{
	int rc = 0;

	if (o == NULL)
		return 0;
	if (fclose(o->f) != 0 || o->failed) {
		*cause = xasprintf("%s: writing failed", o->path);
		rc = -1;
	}
	free(o->path);
	free(o);
	return rc;
}

/* Redraws the progress line in place. */
void
output_progress(FILE *f, const struct output_second *s, int64_t elapsed_ns, int64_t total_ns,
    int stopping)
{
	char p95[32], total[32] = "";
	const struct output_endpoint *t = &s->total;
	double err = t->requests > 0 ? 100.0 * (double)t->failed / (double)t->requests : 0.0;

	summary_fmt_ms(p95, sizeof p95, t->duration.p95);
	if (total_ns > 0)
		snprintf(total, sizeof total, "/%llds", (long long)((total_ns + 999999999) / 1000000000));
	fprintf(f, "\r  %llds%s  vus %d/%d  %.1f req/s  p95 %s  errors %.2f%%%s\033[K",
	    (long long)(elapsed_ns / 1000000000), total, s->vus, s->vus_max, (double)t->requests, p95, err,
	    stopping ? "  [stopping]" : "");
	fflush(f);
}

/* Erases the progress line. */
void
output_progress_clear(FILE *f)
{
	fputs("\r\033[K", f);
	fflush(f);
}
