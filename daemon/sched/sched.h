/*
 * sched: the scheduler thread of `rampage serve`. It keeps a copy of every enabled schedule (its
 * parsed expression and zone, and its cursor: the next due time not yet handled, schedules
 * .next_fire_ms), sleeps until the earliest due fire (never polling, but re-reading the wall clock at
 * least once a minute, so a clock set forward or back is noticed), and handles each due fire in ONE
 * store transaction: the run it queues (trigger "schedule", schedule_id), the fire's record in
 * schedule_fires and the cursor's move (a compare-and-set), so a kill -9 at any moment neither loses
 * a fire nor runs one twice.
 *
 *   on time (found at most SCHEDULE_LATE_MS late): the run is queued (`started`); or, overlap `skip`
 *     and the schedule's previous run still queued or running, recorded `skipped` with the reason;
 *   late (the daemon was down, the clock jumped forward): every fire more than a minute late is
 *     missed; catch-up `latest` starts one run for the most recent of them when it is not older than
 *     the max age, and the others are ONE `missed` record for the outage (first, last, count).
 *
 * A fire that cannot start (the test was deleted, its definition no longer passes the policy) is
 * recorded `skipped` with the reason: never silence. The scheduler reaches the run queue only through
 * the struct sched_runner main wires (runs and sched are on one layer), and publishes on the live
 * topic "schedules":
 *   {"type":"schedule_fire","schedule_id":..,"fire":{...as GET .../fires shows it}}
 *   {"type":"schedule_changed","schedule_id":..,"deleted":bool}
 *
 * Threads: sched_start/sched_stop on the main thread; sched_changed on any other (the api thread,
 * after it wrote a schedule); everything else on the scheduler thread, with its own read-only
 * connection.
 */
#ifndef RAMPAGE_SCHED_H
#define RAMPAGE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct conf;
struct sched;
struct store;

/* What the scheduler asks of the run queue (filled by the http layer: api_sched_runner). */
struct sched_runner {
	/*
	 * Starts a run of test_id with overrides (an object; may be empty) for schedule_id, calling
	 * with(db, run_id, with_arg, cause) inside the transaction that inserts the run. db is the
	 * caller's read connection. 0 and *run_id; 1 and *cause when the run cannot start (no test, an
	 * invalid definition: record it); -1 and *cause when the database failed (try again).
	 */
	int (*start)(void *arg, sqlite3 *db, int64_t test_id, int64_t schedule_id, json_t *overrides,
	    int (*with)(sqlite3 *db, int64_t run_id, void *with_arg, char **cause), void *with_arg,
	    int64_t *run_id, char **cause);
	/* Whether run_id is still queued, running or stopping. Any thread. */
	bool (*active)(void *arg, int64_t run_id);
	void *arg;
};

/* Where the scheduler publishes (the live stream's publish callback; see runq_publisher). */
struct sched_publisher {
	int (*publish)(void *arg, const char *topic, const char *json, size_t len);
	void *arg;
};

/*
 * Starts the scheduler thread (when schedules.enabled; else sched_changed does nothing and nothing
 * fires): loads the enabled schedules and handles the fires missed while the daemon was down first.
 * runner and pub are copied; pub may be NULL (tests). Main thread. NULL and *cause on failure.
 */
struct sched *sched_start(const struct conf *cfg, struct store *store, const struct sched_runner *runner,
    const struct sched_publisher *pub, char **cause);
/* Stops and joins the thread; no fire is handled half (each is one transaction). NULL: no-op. Main thread. */
void sched_stop(struct sched *s);
/*
 * Tells the scheduler that schedule id was written (created, edited, paused, resumed) or deleted:
 * it reads it again and publishes schedule_changed. Returns at once. Any thread but the scheduler's.
 */
void sched_changed(struct sched *s, int64_t id, bool deleted);
/* How many schedules the scheduler holds, and how many fires it handled since it started (tests). */
void sched_counts(struct sched *s, int *held, int64_t *handled);

#endif
