/*
 * runq: the run queue and run manager of `rampage serve`. A run is queued (a `runs` row in state
 * `queued`), waits its turn (at most runs.max_concurrent_runs run at once, the rest in id order),
 * runs on the engine, and ends in a final state with its summary stored. Every state change goes
 * through one transition function on the manager thread, is committed to the database first and
 * then published on the live topics `runs` and `run:<id>`.
 *
 * Threads: runq_start/runq_stop on the main thread; runq_submit, runq_stop_run, runq_delete and
 * runq_status on any other thread (the api thread); a manager thread started here owns the queue,
 * the engines and every transition; each running run's controller thread hands it a copy of every
 * second (see run_store.h) without ever waiting on SQLite.
 *
 * Live messages (JSON text frames, see docs/api.md):
 *   topic "runs" and "run:<id>"  {"type":"run_state","run_id":..,"state":..,"previous":..,...}
 *   topic "runs"                 {"type":"queue","queued":[{"run_id":..,"position":..},...]}
 *                                {"type":"run_deleted","run_id":..}
 *   topic "run:<id>"             {"type":"tick","run_id":..,"second":..,...} once a second
 *                              {"type":"tick_lost","run_id":..,"second":..,"error":..,"missing_seconds":..}
 * A tick is published only after its rows are committed, so a client that holds tick N can read
 * every second before N over REST: history and stream join without gap or duplicate. A second whose
 * rows did not commit (a full disk) is never published as a tick: the manager records it among the
 * run's missing seconds (stored with its final state: runs.missing) and publishes tick_lost instead.
 * While the store cannot write (store_error) no queued run starts; a run whose final state could not
 * be written stays in memory, shown by runq_status, and is written again every second until it is.
 */
#ifndef RAMPAGE_RUNQ_H
#define RAMPAGE_RUNQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "runs/run_state.h"

struct conf;
struct run_metrics;
struct security;
struct store;
struct runq;
struct sqlite3;

/* A run to queue; everything is borrowed for the call. */
struct runq_new {
	int64_t test_id;           /* 0: an inline run */
	int64_t schedule_id;       /* 0: none */
	const char *trigger;       /* "api", "cli", "dashboard", "schedule" */
	const char *name;
	const char *definition;    /* JSON text, already validated by testdef; the immutable snapshot */
	const char *note;          /* NULL: none */
	const char *tags;          /* JSON object text; NULL: {} */
	/* Called with the new run's id inside the store job that inserts it, in the same transaction
	   (a schedule's fire record: sched/sched.h), on the store's writer thread; -1 and *cause undo
	   the insert too. NULL: nothing more. */
	int (*with)(struct sqlite3 *db, int64_t run_id, void *arg, char **cause);
	void *with_arg;
};

/* The latest second of a running run (its status cell, overwritten once a second). */
struct runq_live {
	int64_t second;            /* samples.second of that tick */
	int64_t elapsed_ms;        /* since the run started */
	int vus;
	uint64_t requests;         /* in that second */
	double rps;                /* = requests: one second */
	double error_rate;         /* failures / requests of that second (0 when none) */
	int64_t p95_us;            /* of that second; -1 when it completed no request */
	uint64_t total_requests;   /* whole run so far */
	uint64_t total_failures;
};

/* What the run manager knows of a run that has not ended. */
struct runq_status {
	enum run_state state;
	int position;              /* queued: 1 = next to start; 0 otherwise */
	bool stop_requested;
	bool force;                /* the stop asked for is immediate */
	bool have_live;            /* live is filled (a second has passed) */
	struct runq_live live;
	/* runs/run_query.h's history keys, from memory: */
	int64_t missing_seconds;   /* seconds whose rows did not commit so far */
	char *missing;             /* their ranges as JSON text ([[from, to], ...]); NULL: none */
	/* a run that ended but whose final state is not in the database yet (the store cannot write): */
	bool unrecorded;           /* state is final; the row still says otherwise */
	int64_t ended_ms;          /* unrecorded: when it ended */
	char *error;               /* unrecorded: why it ended in error or aborted; NULL otherwise */
};

/*
 * The latest metrics (run_metrics.h: what GET /metrics shows of a run so far) of every run that is
 * running or stopping and has completed a second, in id order: an array (caller frees it with
 * runq_metrics_release) of *n references; *queued is the number of runs waiting in the queue. Each
 * is built once a second by the run's controller thread and installed in its status cell by the
 * manager; immutable, shared by reference, so the api thread formats it without touching the
 * engine and without holding the queue's lock. Any thread but the manager's.
 */
struct run_metrics **runq_metrics_take(struct runq *q, int *n, int *queued);
/* Drops the references runq_metrics_take gave and frees the array. NULL is a no-op. */
void runq_metrics_release(struct runq *q, struct run_metrics **list, int n);
/* Websocket clients of the live stream the queue publishes to (0 without one). Any thread. */
int runq_live_clients(const struct runq *q);

/*
 * Where the run manager publishes its live messages. The live stream (http/live.h,
 * live_runq_publisher) fills one and main hands it to runq_start, so runs never calls into http.
 */
struct runq_publisher {
	/* Sends json (len bytes, one JSON object) to topic's subscribers; never blocks. 0, or -1 when
	   the message was dropped. Called on the manager thread. */
	int (*publish)(void *arg, const char *topic, const char *json, size_t len);
	/* Connected clients (for GET /metrics). Called on any thread. */
	int (*clients)(void *arg);
	void *arg;
	/* Told that a run's final state is recorded (main sets runs/notifier.h's notifier_run_ended
	   here); NULL: nobody. Called on the manager thread; must not block. */
	void (*ended)(void *ended_arg, int64_t run_id);
	void *ended_arg;
};

/* Outcomes of the requests below. */
enum runq_result {
	RUNQ_OK,
	RUNQ_NOT_FOUND,            /* no such run */
	RUNQ_CONFLICT,             /* the run's state forbids it (*state says which) */
	RUNQ_FAILED,               /* the database refused; *cause says why */
};

/*
 * Starts the manager thread: queues again the runs left `queued` in the database (id order) and
 * starts as many as max_concurrent_runs allows. A run's definition snapshot is validated again
 * when it starts, under sec's limits and target allowlist (security.h; the caller's, it must
 * outlive the queue), so a restart with tighter limits applies to runs still queued; one that no
 * longer passes ends `error`. pub (copied) is where live messages go; NULL: nothing is published
 * (tests). Main thread. NULL and *cause on failure.
 */
struct runq *runq_start(const struct conf *cfg, const struct security *sec, struct store *store,
    const struct runq_publisher *pub, char **cause);
/*
 * Stops every running run at once (they end `aborted`, with their samples, histograms and summary
 * stored), leaves queued runs queued for the next start, joins the manager thread and frees. Callers
 * of the functions below must have stopped first. NULL is a no-op. Main thread.
 */
void runq_stop(struct runq *q);

/*
 * Inserts a queued run (a `runs` row) and queues it. Waits for the manager (and the commit). 0 and
 * *id, or -1 and *cause. Any thread but the manager's.
 */
int runq_submit(struct runq *q, const struct runq_new *nr, int64_t *id, char **cause);
/*
 * Stops a run: a queued one is cancelled (-> cancelled at once); a running one gets a graceful stop
 * (-> stopping; in-flight iterations get their gracefulStop), or an immediate one with force; a
 * stopping one may still be forced. RUNQ_OK, RUNQ_NOT_FOUND, or RUNQ_CONFLICT when it has ended
 * (*state: its final state). Waits for the manager. Any thread but the manager's.
 */
enum runq_result runq_stop_run(struct runq *q, int64_t id, bool force, enum run_state *state);
/*
 * Deletes a run and everything it owns. A queued run is cancelled and deleted; a running or stopping
 * one is refused (RUNQ_CONFLICT, *state). RUNQ_OK, RUNQ_NOT_FOUND, RUNQ_FAILED + *cause. Waits for
 * the manager and the commit. Any thread but the manager's.
 */
enum runq_result runq_delete(struct runq *q, int64_t id, enum run_state *state, char **cause);
/* A change of a running run's VUs (runq_set_vus); borrowed for the call. */
struct runq_vus {
	const char *scenario;      /* NULL: the run's only constant-vus scenario */
	int64_t vus;
	const char *trigger;       /* "api", "cli", "dashboard" (run_changes_trigger) */
};
/* What runq_set_vus answers besides its result. */
struct runq_vus_reply {
	enum run_state state;      /* the run's state (NOT_FOUND: meaningless) */
	const char *field;         /* a refusal: what it is about, "vus" or "scenario" (static) */
	bool invalid;              /* a refusal of the value itself (out of range), not of the moment */
	char *cause;               /* a refusal or failure: why (caller frees) */
};
/*
 * Gives a running run's constant-vus scenario v->vus VUs from now on (engine_set_vus), records the
 * change (run_changes.h) and publishes it on topic "run:<id>" as {"type":"change","run_id":..,
 * "change":{...}}. RUNQ_OK; RUNQ_NOT_FOUND; RUNQ_CONFLICT when the run is not running or the engine
 * refused (out: field, cause; invalid for a value out of range); RUNQ_FAILED + cause when the change
 * was applied but could not be recorded. Waits for the manager and the commit. Any thread but the
 * manager's.
 */
enum runq_result runq_set_vus(struct runq *q, int64_t id, const struct runq_vus *v,
    struct runq_vus_reply *out);
/* A marker of a running run (runq_mark); borrowed for the call. */
struct runq_mark {
	const char *name;          /* checked by the caller (testdef_event_name_check) */
	const char *trigger;       /* "api", "cli", "dashboard" (run_changes_trigger) */
};
/* What runq_mark answers besides its result. */
struct runq_mark_reply {
	enum run_state state;      /* the run's state (NOT_FOUND: meaningless) */
	json_t *event;             /* OK: the event as stored (run_events_json; caller frees) */
	char *cause;               /* a refusal or failure: why (caller frees) */
};
/*
 * Marks the moment now of a running run (an event named mk->name, source "api"): records it
 * (run_events.h), publishes it on topic "run:<id>" as {"type":"event","run_id":..,"event":{...}}
 * and gives it to the engine (engine_mark: its finding comes with the summary). RUNQ_OK;
 * RUNQ_NOT_FOUND; RUNQ_CONFLICT when the run is not running or has RUN_EVENTS_MAX events (cause);
 * RUNQ_FAILED + cause when it could not be recorded. Waits for the manager and the commit. Any
 * thread but the manager's.
 */
enum runq_result runq_mark(struct runq *q, int64_t id, const struct runq_mark *mk,
    struct runq_mark_reply *out);
/* Fills *st for a run that has not ended yet, or whose end is not recorded yet: true; false when the
   manager holds no such run. Release it with runq_status_fini. Any thread. */
bool runq_status(struct runq *q, int64_t id, struct runq_status *st);
/* Frees what runq_status allocated in *st. */
void runq_status_fini(struct runq_status *st);

#endif
