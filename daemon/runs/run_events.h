/*
 * run_events: the markers of a run, as the `run_events` table (sql/011-run-events.sql) stores them
 * and the API, the live stream and the dashboard show them: {"at_ms", "second", "name", "source":
 * "api"|"definition", "trigger", "status", "error", "created_ms"}.
 *
 * Threads: run_events_insert is a store job (the writer thread); run_events_json is pure;
 * run_events_read runs on whichever thread owns the connection (the api thread). No shared state.
 */
#ifndef RAMPAGE_RUN_EVENTS_H
#define RAMPAGE_RUN_EVENTS_H

#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#define RUN_EVENTS_MAX 1000        /* markers per run (metrics/evwin.h: EVWIN_MAX) */

/* One event; strings borrowed. */
struct run_event {
	int64_t run_id;
	int64_t at_ms;             /* run time */
	const char *name;
	const char *source;        /* "api", "definition" */
	const char *trigger;       /* api: "api", "cli", "dashboard"; definition: NULL */
	int status;                /* definition: the request's status; <= 0: none */
	const char *error;         /* definition: why it got none; NULL */
	int64_t created_ms;        /* wall clock */
};

/* store_write_fn: inserts arg (a struct run_event). */
int run_events_insert(sqlite3 *db, void *arg, char **cause);
/* An event as the API shows it (a new object). */
json_t *run_events_json(const struct run_event *ev);
/* The events of run `run_id` by time: a new array, or NULL and *cause. */
json_t *run_events_read(sqlite3 *db, int64_t run_id, char **cause);

#endif
