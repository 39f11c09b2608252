/*
 * summary_priv: what the JSON document (summary_json.c) and the text summary (summary_text.c) share
 * beyond summary.h; defined in summary.c. Caller's thread, after the run.
 */
#ifndef RAMPAGE_SUMMARY_PRIV_H
#define RAMPAGE_SUMMARY_PRIV_H

#include <stdint.h>

#include "metrics/tick.h"

struct summary_series;

/* n per second of a run lasting duration_ns (0 when it lasted nothing). */
double summary_per_second(double n, int64_t duration_ns);
/* Share of the run's seconds in which the generator was saturated, in percent. */
double summary_bad_pct(const struct summary_series *s);
/* Passes and fails over every check of w. */
void summary_checks_total(const struct tick *w, uint64_t *passes, uint64_t *fails);
/* Puts the indexes of g's values into order by count, largest first (ties: first seen first);
   returns the responses g counted (other and missing included). */
uint64_t summary_group_order(const struct tick_group *g, int order[TICK_GROUP_MAX]);

#endif
