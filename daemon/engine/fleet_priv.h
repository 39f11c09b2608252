/*
 * fleet_priv.h: what the fleet's files share (fleet.c: the run's course over the agents, the
 * protocol's messages, the public calls; fleet_merge.c: the seconds, added up and handed on in
 * order; fleet_side.c: the definition's monitors and timed events, run here, and their reports;
 * fleet_agents.c: the agents from config and their token). Not for use outside
 * daemon/engine/fleet*.c; the contract for the rest of the daemon is fleet.h.
 */
#ifndef RAMPAGE_FLEET_PRIV_H
#define RAMPAGE_FLEET_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "core/clock.h"
#include "engine/fleet.h"
#include "engine/fleet_link.h"
#include "engine/setup.h"
#include "engine/sink.h"

struct evwin;
struct monitor_acc;
struct monitor_read;
struct scrape;
struct timed;

#define PEND_MAX 64                /* seconds awaiting shares at once; an older one goes out */
#define SILENT_NS (30 * CLOCK_NS_PER_S)  /* a running agent silent this long is lost */
#define STOP_WAIT_NS (60 * CLOCK_NS_PER_S) /* after a stop, agents not done by then (plus the
                                              plan's longest gracefulStop) are lost */
#define RETRY_NS (250 * CLOCK_NS_PER_MS)   /* before the start, a busy agent is asked again after */
#define INCOMPLETE_KEPT 1000       /* incomplete seconds listed in the summary (all are counted) */

enum ag_state { AG_CONNECTING, AG_HELLO, AG_TIMING, AG_PREPARING, AG_PREPARED, AG_STARTING,
    AG_RUNNING, AG_DONE, AG_LOST };

struct agent {
	char *url;
	enum ag_state st;
	char *segment;             /* as the agent said in prepared */
	char *version;
	int cores;
	int ntime;
	int64_t t0, offset_ns, delay_ns;
	int64_t next_second;       /* the next second it owes */
	int64_t last_msg_ns;       /* monotonic */
	int64_t retry_ns;          /* monotonic: connect again then (a busy agent, before the start) */
	uint64_t requests;         /* its share, from its ticks */
	bool interrupted;
	json_t *summary;           /* its done summary */
	char *why;                 /* lost or failed: why */
};

struct pend {
	bool used;
	bool short_share;          /* an agent's share of it could not be read */
	int64_t second;
	struct tick *acc;
	int64_t first_ns;          /* monotonic: when its first share arrived */
};

/* A side thread's report on its way to the fleet thread (side_mu). */
struct side_item {
	struct side_item *next;
	bool is_event;
	/* a scrape: the second it was taken in, its monitor's values, its readings (NULL: a gap) */
	int64_t second;
	int first, n;
	struct monitor_read *reads;
	/* an event: strings below */
	struct engine_event ev;
	char *name, *source, *error;
};

struct fleet {
	const struct plan *plan;
	json_t *agent_def;         /* the agents' definition: without monitors and events */
	struct engine_sink sink;
	struct setup_env env;
	char *urls, *dns, *token, *ca_file, *allow_targets;
	int want, late_ms, connect_timeout_ms;
	bool loss_fails;
	pthread_t thread;
	atomic_int stop_req;       /* 0, 1 graceful, 2 force */
	atomic_int state;          /* enum engine_state */
	atomic_llong start_mono, end_mono;
	atomic_int setup_stop;     /* setup_env.stop */

	/* the fleet thread sets it, and takes it down (under link_lock) when the agents are done, so
	   that they are free for the next run at once; fleet_stop wakes the loop through it */
	pthread_mutex_t link_lock;
	struct fleet_link *link;
	/* the fleet thread's */
	struct agent *a;
	int n;
	char **list;
	int nlist;
	char *sequence;
	bool start_sent, finished;
	int stop_sent_level;
	int64_t begin_ns, stop_ns, stop_wait_ns;
	struct pend pend[PEND_MAX];
	int64_t emit_next;
	struct tick *whole, *scratch;
	struct setup_data *setup;
	char *error;
	bool degraded;
	json_t *incomplete;        /* [second, ...] (the first INCOMPLETE_KEPT) */
	int64_t nincomplete;
	int64_t late_ticks;
	json_t *lost;              /* [{"url", "second", "why"}] */
	/* the definition's monitors and timed events, run here (started with the agents) */
	struct scrape *scrape;
	struct timed *timed;
	pthread_mutex_t side_mu;
	struct side_item *side_head, **side_tail;  /* side_mu: reports not taken yet, in order */
	struct monitor_acc *monitors;      /* the fleet thread's: the readings of the next second */
	struct evwin *events;      /* the fleet thread's: the run's events and their findings */
};

/* ---- fleet.c */
/* Moves agent x to state `to`: the one place an agent's state changes (asserts the move is one the
   protocol allows). The fleet thread. */
void fl_agent_to(struct agent *x, enum ag_state to);
/* The run fails: why (taken); see fleet.c. The fleet thread. */
void fl_fail(struct fleet *f, char *why);
/* Drops agent i for breaking the protocol: closes it, and it is lost. The fleet thread. */
void fl_lose(struct fleet *f, int i, const char *why);

/* ---- fleet_merge.c (the fleet thread) */
/* Emits every second that is complete, late beyond late_ms, or (all) whatever is left. */
void fl_try_emit(struct fleet *f, bool all);
/* Agent i's tick message. */
void fl_got_tick(struct fleet *f, int i, json_t *msg);
/* The agents' phase histograms (in their done summaries) into the whole run's. */
void fl_merge_phases(struct fleet *f);

/* ---- fleet_side.c */
/* Starts the timed events and monitors on the fleet's clock (t0: the start instant). */
void fl_side_start(struct fleet *f, int64_t t0);
/* Stops and joins them (once the agents are done). */
void fl_side_stop(struct fleet *f);
/* Takes the side threads' reports: events, and scrapes up to second upto (see fleet_side.c). */
void fl_side_take(struct fleet *f, int64_t upto, bool drop_scrapes);
/* Frees the reports not taken and the list's lock (fleet_free). */
void fl_side_free(struct fleet *f);

#endif
