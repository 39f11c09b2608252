/*
 * run_failures: a run's failure messages (metrics/failures.h) on their way to the database, the live
 * stream and the REST API (docs/api.md, "Failures"; sql/005-failures.sql).
 *
 * Each second, on the engine's controller thread, run_failures_changed copies the run's entries that
 * the second changed (with the run's counts so far: writing them is idempotent) and, once it has
 * fired, the early "every request fails" alarm; the copy rides on the second's struct run_tick, so
 * the store writes it in the same transaction as the samples and the live tick carries the same
 * rows. When the run ends the run manager writes every entry again (run_failures_write_whole), so
 * the stored set is exact even when seconds were lost. The reads are on the api thread.
 */
#ifndef RAMPAGE_RUN_FAILURES_H
#define RAMPAGE_RUN_FAILURES_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#include "metrics/failures.h"

struct plan;
struct tick;

/* One second's failure rows: copies, owned. */
struct run_failures {
	int n;
	struct failure *v;         /* the run's entries the second changed, with the run's counts */
	bool alarm;                /* the alarm has fired (this second or before): a is it */
	bool alarm_new;            /* it fired this second (store it) */
	struct failures_alarm a;
};

/* The copy of a second (sec) merged into the run (whole); alarm: the run's alarm once it has fired
   (NULL before), alarm_new: it fired at this second. NULL when there is nothing to say. Controller
   thread. */
struct run_failures *run_failures_changed(const struct tick *sec, const struct tick *whole,
    const struct failures_alarm *alarm, bool alarm_new);
/* NULL is a no-op. */
void run_failures_free(struct run_failures *f);

/* One entry as the API and the live stream show it: {"endpoint","idx","kind","message","count",
   "first_second","last_second","other"}. plan names the endpoints. */
json_t *run_failure_json(const struct failure *e, const struct plan *plan);
/* The alarm as the API shows it: {"text","second","requests","failures","endpoint","idx","kind",
   "message"}. */
json_t *run_failure_alarm_json(const struct failures_alarm *a, const struct plan *plan);

/* Store thread, inside a store job: writes f's rows (and the alarm when new) for run_id. */
int run_failures_write(sqlite3 *db, int64_t run_id, const struct run_failures *f, char **cause);
/* Store thread, inside a store job: writes every entry of the run's set and, when it fired
   (alarm not NULL), the alarm (again: its second's write may have been lost). */
int run_failures_write_whole(sqlite3 *db, int64_t run_id, const struct failures *f,
    const struct failures_alarm *alarm, char **cause);

/* Api thread: GET /api/runs/{id}/failures's document for a run that exists: {"run_id","alarm",
   "failures" (by count, largest first),"limits"}. 0, or -1 and *cause. */
int run_failures_query(sqlite3 *db, int64_t run_id, json_t **out, char **cause);

#endif
