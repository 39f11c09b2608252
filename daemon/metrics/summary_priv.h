/*
 * summary_priv: what the JSON document (summary_json.c) and the text summary (summary_text.c) share
 * beyond summary.h; defined in summary.c. Caller's thread, after the run.
 */
#ifndef RAMPAGE_SUMMARY_PRIV_H
#define RAMPAGE_SUMMARY_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "testdef/metric.h"
#include "metrics/tick.h"

struct plan;
struct summary_run;
struct summary_series;
struct summary_trend;

/* One metric's values, as both forms show them; which fields hold them follows its type. */
struct summary_value {
	const struct hist *h;      /* trend: the samples in µs (NULL: none; a tagged series' phase) */
	double mean_us;            /* trend: the mean in µs (when h is NULL, the only figure) */
	uint64_t count;            /* counter: the count; rate: the non-zero samples */
	uint64_t total;            /* rate: every sample */
	int value, min, max;       /* gauge */
};

/* The values of metric id over the whole run. */
void summary_value_of(const struct summary_run *run, enum metric_id id, struct summary_value *v);
/* The values of a per-request metric (metric_get(id)->per_request) in one endpoint, the total or a
   tagged series of a whole-run tick. */
void summary_value_of_endpoint(const struct tick_endpoint *ep, enum metric_id id,
    struct summary_value *v);

/* A trend's k6 values (avg, min, med, max, p(90), p(95), p(99); ms). New reference. */
json_t *summary_trend_values(const struct summary_trend *t);

/* Whether the summary lists metric id: measured by this build, and for Rampage's own metrics
   (availability) named by a threshold. */
bool summary_listed(const struct summary_run *run, enum metric_id id);
/* n per second of a run lasting duration_ns (0 when it lasted nothing). */
double summary_per_second(double n, int64_t duration_ns);
/* Share of the run's seconds in which the generator was saturated, in percent. */
double summary_bad_pct(const struct summary_series *s);
/* Passes and fails over every check of w. */
void summary_checks_total(const struct tick *w, uint64_t *passes, uint64_t *fails);
/* Puts the indexes of g's values into order by count, largest first (ties: first seen first);
   returns the responses g counted (other and missing included). */
uint64_t summary_group_order(const struct tick_group *g, int order[TICK_GROUP_MAX]);


/* ---- summary_custom.c: monitored values (the definition's `monitors`) */

/* Adds "monitors" to the summary (top level: {"<name>": {"monitor", "kind", "seconds", "scrapes",
   "gaps", "avg", "min", "max", "last"}}) and each value as a gauge metric "monitor:<name>" with
   values avg, min, max, last and value (k6's gauge word for the latest), so its thresholds have an
   entry. */
void summary_monitors_json(json_t *root, json_t *metrics, const struct summary_run *run);
/* Prints the MONITORS block: each value's avg, min, max and last, and its gaps. */
void summary_monitors_print(FILE *f, const struct summary_run *run);

/* ---- summary_custom.c: custom metrics (the definition's `metrics`) */

/* The handleSummary() entry of custom series `slot` ({type, contains, values}). New reference. */
json_t *summary_custom_entry(const struct summary_run *run, int slot);
/* Adds every custom metric's entry to metrics, and rampage.metrics: {name: {samples, missing}}. */
void summary_custom_json(json_t *rampage, json_t *metrics, const struct summary_run *run);
/* Prints the CUSTOM block of the text summary (nothing without custom metrics). */
void summary_custom_print(FILE *f, const struct summary_run *run);

#endif
