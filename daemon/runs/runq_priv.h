/*
 * runq_priv.h: what the run manager's files share (runq.c: the status cell, the one transition
 * function and the manager loop; runq_engine.c: the engine's side (the controller thread's sink)
 * and starting and finishing a run; runq_change.c: the messages that change a run (submit, stop,
 * delete, VUs, marks); runq_ask.c: the public side, the calls other threads make). Not for use
 * outside daemon/runs/runq*.c; the contract for the rest of the daemon is runq.h.
 */
#ifndef RAMPAGE_RUNS_RUNQ_PRIV_H
#define RAMPAGE_RUNS_RUNQ_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "core/conf.h"
#include "core/mailbox.h"
#include "engine/engine.h"
#include "metrics/failures.h"
#include "metrics/findings.h"
#include "metrics/summary.h"
#include "metrics/threshold.h"
#include "runs/run_events.h"
#include "runs/run_metrics.h"
#include "runs/run_store.h"
#include "runs/runq.h"
#include "security/security.h"
#include "store/store.h"

/* A caller waiting for the manager (lives on the caller's stack). */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;                 /* under lock */
	enum runq_result result;
	int64_t id;
	enum run_state state;
	char *cause;
	struct runq_vus_reply *vus;/* VUS */
	struct runq_mark_reply *mark;  /* MARK */
};

enum msg_kind { MSG_SUBMIT, MSG_STOP, MSG_DELETE, MSG_TICK, MSG_THRESHOLD, MSG_DONE, MSG_QUIT,
    MSG_VUS, MSG_MARK, MSG_EVENT };

struct msg {
	struct mailbox_msg link;   /* first: the mailbox links messages through it */
	enum msg_kind kind;
	struct waiter *w;          /* SUBMIT, STOP, DELETE */
	const struct runq_new *nr; /* SUBMIT */
	const struct runq_vus *vus;/* VUS */
	const struct runq_mark *mark;  /* MARK */
	struct run_event event;    /* EVENT: a timed event of the definition (strings below) */
	char *event_name, *event_error;
	int64_t id;                /* STOP, DELETE */
	bool force;                /* STOP */
	struct qrun *run;          /* TICK, THRESHOLD, DONE */
	char *json;                /* TICK: the live message */
	size_t len;
	struct runq_live live;     /* TICK */
	struct run_metrics *metrics;   /* TICK: the run so far, for the status cell */
	bool stored;               /* TICK: its rows committed */
	char *cause;               /* TICK: why they did not (xmalloc'd) */
};

/* A run that has not ended. */
struct qrun {
	struct qrun *next;         /* under lock: the list is in id order */
	struct runq *q;
	int64_t id;
	char topic[32];            /* "run:<id>" */
	struct plan *plan;         /* set by the manager before the engine starts; then read-only */
	/* under q->lock (written by the manager, read by runq_status) */
	enum run_state state;
	bool stop_requested, force;
	bool have_live;
	struct runq_live live;
	struct run_metrics *metrics;   /* the run so far (NULL before its first second) */
	int64_t nmissing;          /* seconds whose rows did not commit */
	char *missing;             /* their ranges, JSON text; NULL: none */
	bool unrecorded;           /* on q->unrecorded: final, its final state not written yet */
	struct run_store_state final;  /* unrecorded: the write to try again (strings owned) */
	/* the manager's */
	int64_t *lost;             /* the missing seconds, sorted */
	size_t nlost_cap;
	char *name;
	int64_t test_id;
	int64_t queued_ms, started_ms;
	struct engine *engine;
	bool user_stop;            /* ends `stopped` */
	bool shutdown;             /* ends `aborted` */
	int nevents;               /* markers recorded (RUN_EVENTS_MAX) */
	/* the controller thread's while the engine runs (on_tick), then the manager's */
	struct summary_series series;
	struct findings_series *findings;  /* same ownership: a second's figures for the findings */
	struct threshold_set *thresholds;   /* judged each second, then at the end */
	struct failures_alarm alarm;        /* "every request fails", judged in the first seconds */
};

struct runq {
	/* set by runq_start */
	const struct conf *cfg;
	struct store *store;
	struct runq_publisher pub; /* publish NULL: nothing is published */
	const struct security *sec;/* limits and target allowlist (main's), re-checked when a run starts */
	pthread_t thread;
	struct mailbox mb;         /* locks itself */
	/* shared, under lock */
	pthread_mutex_t lock;
	struct qrun *runs;
	struct qrun *unrecorded;   /* ended runs whose final state is not in the database yet */
	/* the manager's */
	sqlite3 *db;               /* read connection */
	bool held;                 /* a queued run waits because the store cannot write */
	bool quitting;
	bool queue_changed;        /* publish the queue when this batch is handled */
};

/* ---- runq.c */

/* Drops a reference to a metrics copy (NULL is a no-op); frees it with the last. Not under lock. */
void rq_metrics_unref(struct runq *q, struct run_metrics *m);
/* A run of the list, or NULL. Under lock or on the manager thread. */
struct qrun *rq_find(struct runq *q, int64_t id);
/* An ended run whose end is not recorded yet, or NULL. Under lock or on the manager thread. */
struct qrun *rq_find_unrecorded(struct runq *q, int64_t id);
/* Appends a new run (ids only grow) to the list. Manager thread (or runq_start). */
struct qrun *rq_add(struct runq *q, int64_t id, const char *name, int64_t test_id, int64_t queued_ms);
/* Publishes a message to a topic when there is a live stream. Takes msg. */
void rq_publish(struct runq *q, const char *topic, json_t *msg);
/* Publishes a run's state on `runs` and on its own topic. Manager thread. */
void rq_publish_state(struct runq *q, struct qrun *r, int previous, int64_t ended_ms, const char *error,
    int position);
/* Position of a queued run (1 = next). Under lock or on the manager thread. */
int rq_position_of(struct runq *q, const struct qrun *run);
/* A store job that writes nothing: when it has committed, every job given before it has too. */
int rq_barrier(sqlite3 *db, void *arg, char **cause);
/*
 * Moves run r to state `to`: writes the state, with whatever extra the caller put in *with (may be
 * NULL), in one synchronous store job; then updates the status cell and publishes. A final state
 * takes the run off the list and frees it: r is gone when this returns. Manager thread.
 */
void rq_transition(struct runq *q, struct qrun *r, enum run_state to, const struct run_store_state *with);
/* Takes an unrecorded run off its list and frees it. Manager thread. */
void rq_unrecorded_remove(struct runq *q, struct qrun *r);

/* ---- runq_engine.c */

/* Gives the manager a message. Any thread. */
void rq_give(struct runq *q, struct msg *m);
/* Starts queued runs while there is room. */
void rq_start_next(struct runq *q);
/* The engine of r has ended: store what it measured and move to the final state. */
void rq_finish_run(struct runq *q, struct qrun *r);

/* ---- runq_change.c */

/* SUBMIT: insert the row, queue the run. */
void rq_handle_submit(struct runq *q, struct msg *m);
/* STOP: cancel a queued run, stop a running one. */
void rq_handle_stop(struct runq *q, struct msg *m);
/* DELETE: remove a run that is not running (a queued one is cancelled first). */
void rq_handle_delete(struct runq *q, struct msg *m);
/* VUS: change a running run's VUs, record the change, publish it. */
void rq_handle_vus(struct runq *q, struct msg *m);
/* Records an event of r and publishes it. 0, or -1 and *cause. */
int rq_record_event(struct runq *q, struct qrun *r, const struct run_event *ev, char **cause);
/* MARK: mark the moment now of a running run. */
void rq_handle_mark(struct runq *q, struct msg *m);

#endif
