/*
 * run_changes: what was changed in a run while it ran (today: a constant-vus scenario's VUs), as the
 * `run_changes` table (sql/006-run-changes.sql) stores it and the API, the live stream and the summary
 * show it: {"second", "at_ms", "scenario", "field": "vus", "from", "to", "trigger", "changed_ms"}.
 *
 * Threads: run_changes_insert is a store job (store.h: the writer thread); run_changes_json and
 * run_changes_read run on whichever thread owns the connection (the run manager for the summary,
 * the api thread for the Run object). No shared state.
 */
#ifndef RAMPAGE_RUN_CHANGES_H
#define RAMPAGE_RUN_CHANGES_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

/* One change; strings borrowed. */
struct run_change {
	int64_t run_id;
	int64_t at_ms;             /* run time: since the run's second 0 */
	const char *scenario;
	int64_t from, to;          /* VUs */
	const char *trigger;       /* "api", "cli", "dashboard" */
	int64_t changed_ms;        /* wall clock */
};

/* The trigger a request's X-Rampage-Client header names ("cli", "dashboard"); anything else,
   or none, is "api". Pure. */
const char *run_changes_trigger(const char *client_header);
/* store_write_fn: inserts arg (a struct run_change). */
int run_changes_insert(sqlite3 *db, void *arg, char **cause);
/* A change as the API shows it (a new object). */
json_t *run_changes_json(const struct run_change *c);
/* The changes of run `run_id` in the order made: a new array, or NULL and *cause. */
json_t *run_changes_read(sqlite3 *db, int64_t run_id, char **cause);

#endif
