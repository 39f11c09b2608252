/*
 * agent: see agent.h and docs/agent-protocol.md.
 *
 * Threads:
 *   - main: parses the options, builds the policy, starts the service thread, then waits in
 *     sigwait() for SIGINT/SIGTERM (blocked in every thread) and shuts down in reverse.
 *   - service ("agent"): owns the libwebsockets context, the one controller connection and the
 *     agent's state; every state transition happens here, in set_state(). Other threads hand it
 *     finished messages through a mailbox woken by lws_cancel_service (its one thread-safe call).
 *   - runner ("agent-run"), one per started run: sleeps until the start instant, starts the
 *     engine, waits for it and builds the done message (summary with histograms).
 *   - the engine's controller thread calls on_tick, which encodes the second and queues it.
 *
 * Shared between service and runner (under run.lock): the engine pointer and the stop request, so
 * that a stop that arrives before the start instant cancels the sleep and one that arrives after
 * reaches engine_stop at once.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "agent/agent.h"
#include "engine/agent_msg.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/fdlimit.h"
#include "core/log.h"
#include "core/mailbox.h"
#include "core/opts.h"
#include "core/segment.h"
#include "core/xmalloc.h"
#include "engine/engine.h"
#include "engine/fleet_link.h"
#include "engine/setup.h"
#include "metrics/summary.h"
#include "metrics/tick.h"
#include "security/security.h"
#include "testdef/plan.h"
#include "testdef/testdef.h"

#define RX_CAP          (4 * 1024 * 1024)   /* bytes of one controller message (a definition) */
#define CLOSE_TRY_LATER 1013                /* RFC 6455 registry: "Try Again Later" */
#define QUEUE_MAX       600                 /* messages unsent to the controller (10 min of ticks) */
#define CLOSE_UNAUTHORIZED 4401             /* private range (RFC 6455 7.4.2): no or wrong token */

enum agent_state {
	AGENT_IDLE,                /* attached or not, nothing prepared */
	AGENT_PREPARED,            /* a plan is built and waits for start */
	AGENT_STARTING,            /* the runner sleeps until the start instant */
	AGENT_RUNNING,             /* the engine runs (stop asked or not) */
	AGENT_NSTATES,
};

static const char *const state_names[AGENT_NSTATES] = {
	[AGENT_IDLE] = "idle", [AGENT_PREPARED] = "prepared", [AGENT_STARTING] = "starting",
	[AGENT_RUNNING] = "running",
};

/* A message for the controller, made on any thread, sent by the service thread. */
struct out {
	struct mailbox_msg link;   /* first: the mailbox's link */
	struct out *next;          /* the send queue (service thread) */
	bool done;                 /* the runner's last message: the run has ended */
	size_t len;
	unsigned char buf[];       /* LWS_PRE bytes of headroom, then len bytes of JSON */
};

/* One prepared (then started) run. */
struct run {
	struct plan *plan;
	struct segment *segment;
	struct security *ctrl;     /* the controller's allow_targets */
	struct setup_data *setup;  /* the controller ran setup: its variables; NULL: setup runs here */
	const struct security *own;/* the agent's own policy (narrows the controller's) */
	int64_t start_mono_ns;     /* CLOCK_MONOTONIC instant to start at */
	pthread_t thread;
	bool thread_started;
	struct summary_series series;   /* owned by the engine's controller thread while it runs */
	struct agent *agent;
	/* shared between the service thread and the runner */
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* CLOCK_MONOTONIC: the runner's sleep, cut short by a stop */
	struct engine *engine;     /* NULL until started */
	int stop;                  /* 0 none, 1 graceful, 2 force */
};

struct agent {
	struct security *sec;      /* tokens and the agent's own allow_targets, env, caps */
	struct lws_context *ctx;
	struct lws_vhost *vh;
	pthread_t service;
	volatile int done;         /* set by main, read by the service loop */
	struct mailbox inbox;      /* any thread -> service */
	int cores;
	int workers;
	/* service thread only */
	enum agent_state state;
	struct lws *ctrl;          /* the attached controller, or NULL */
	struct out *q_head, *q_tail;
	int qlen;
	unsigned char *rx;
	size_t rxlen;
	struct run *run;           /* prepared or running; NULL when idle */
};

/* The per-connection data (lws zeroes it). */
struct conn {
	bool attached;             /* this connection is the controller */
	int close_code;            /* refused: the close frame to send (and nothing else) */
	const char *close_reason;  /* static */
};

/* A message of len bytes of text. */
static struct out *
out_new(const char *text, size_t len)
{
	struct out *o = xcalloc(1, sizeof *o + LWS_PRE + len);

	o->len = len;
	memcpy(o->buf + LWS_PRE, text, len);
	return o;
}

/* Encodes j (and releases it) as a message. */
static struct out *
out_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	struct out *o = out_new(s, strlen(s));

	free(s);
	json_decref(j);
	return o;
}

/* Any thread: hands a message to the service thread. */
static void
give(struct agent *a, struct out *o)
{
	struct mailbox_msg *m = &o->link;

	mailbox_give(&a->inbox, &m);
}

/* ---- the runner and the engine's callbacks */

/* Engine controller thread: one second. */
static void
on_tick(void *arg, const struct tick *second, const struct tick *whole)
{
	struct run *r = arg;

	(void)whole;
	summary_series_add(&r->series, second);
	give(r->agent, out_json(agent_msg_tick(r->plan, second)));
}

/* Engine controller thread: the run has ended (the runner reports it after engine_wait). */
static void
on_done(void *arg, const struct tick *whole)
{
	(void)arg;
	(void)whole;
}

/* Engine worker thread: the connect guard: both policies must allow the address. */
static int
allow_addr(void *arg, const struct sockaddr *sa)
{
	struct run *r = arg;

	return security_check_addr(r->own, sa, NULL) != 0 || security_check_addr(r->ctrl, sa, NULL) != 0;
}

/* The done message without a summary (never started). */
static struct out *
done_empty(const char *error)
{
	struct out *o = out_json(json_pack("{s:s, s:b, s:b, s:o, s:n}", "type", "done", "started", 0,
	    "interrupted", 1, "error", error != NULL ? json_string(error) : json_null(), "summary"));

	o->done = true;
	return o;
}

/* Runner thread: sleep until the instant, run, report. */
static void *
runner(void *arg)
{
	struct run *r = arg;
	struct engine_options eo = { .workers = r->agent->workers, .allow_addr = allow_addr,
		.allow_arg = r, .segment = r->segment, .setup_data = r->setup };
	struct engine_sink sink = { .on_tick = on_tick, .on_done = on_done, .arg = r };
	struct timespec ts = clock_ts(r->start_mono_ns);
	struct engine *e;
	char *cause = NULL;
	struct out *o;
	int stop;

	pthread_mutex_lock(&r->lock);
	while (r->stop == 0 && clock_now_ns() < r->start_mono_ns)
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	if (r->stop != 0) {
		pthread_mutex_unlock(&r->lock);
		give(r->agent, done_empty(NULL));
		return NULL;
	}
	e = engine_start(r->plan, &eo, &sink, &cause);
	r->engine = e;
	pthread_mutex_unlock(&r->lock);
	if (e == NULL) {
		give(r->agent, out_json(agent_msg_error("start_failed", NULL, cause)));
		give(r->agent, done_empty(cause));
		free(cause);
		return NULL;
	}
	log_info("agent: started %s of %s", segment_string(r->segment),
	    segment_sequence_string(r->segment));
	engine_wait(e);
	pthread_mutex_lock(&r->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);

	struct summary_run sr = {
		.plan = r->plan, .whole = engine_totals(e), .series = &r->series,
		.duration_ns = engine_elapsed_ns(e), .interrupted = stop != 0, .segment = r->segment,
		.histograms = true,
	};
	json_t *events = engine_events_json(e);
	sr.events = events;
	o = out_json(json_pack("{s:s, s:b, s:b, s:o, s:o}", "type", "done", "started", 1,
	    "interrupted", stop != 0, "error", engine_error(e) != NULL ? json_string(engine_error(e)) :
	    json_null(), "summary", summary_json(&sr)));
	o->done = true;
	json_decref(events);
	log_info("agent: run ended%s", stop == 2 ? " (force-stopped)" : stop == 1 ? " (stopped)" : "");
	give(r->agent, o);
	return NULL;
}

/* Service thread: frees a run whose runner (if any) has ended. */
static void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	if (r->thread_started)
		pthread_join(r->thread, NULL);
	engine_free(r->engine);
	plan_free(r->plan);
	segment_free(r->segment);
	setup_data_free(r->setup);
	security_free(r->ctrl);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Asks the run to stop: before the start instant it does not start; after, the engine stops
   (force: at once). Service or main thread. */
static void
run_stop(struct run *r, bool force)
{
	pthread_mutex_lock(&r->lock);
	if (r->stop < (force ? 2 : 1))
		r->stop = force ? 2 : 1;
	if (r->engine != NULL)
		engine_stop(r->engine, force);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* ---- the service thread */

/* The one place the agent's state changes. */
static void
set_state(struct agent *a, enum agent_state to)
{
	static const bool legal[AGENT_NSTATES][AGENT_NSTATES] = {
		[AGENT_IDLE] = { [AGENT_PREPARED] = true },
		[AGENT_PREPARED] = { [AGENT_IDLE] = true, [AGENT_PREPARED] = true,
			[AGENT_STARTING] = true },
		[AGENT_STARTING] = { [AGENT_RUNNING] = true, [AGENT_IDLE] = true },
		[AGENT_RUNNING] = { [AGENT_IDLE] = true },
	};

	assert(legal[a->state][to]);
	log_debug("agent: %s -> %s", state_names[a->state], state_names[to]);
	a->state = to;
}

/* Queues a message for the controller (dropped when none is attached). A controller that leaves
   QUEUE_MAX messages unread is closed (1008): our memory must not follow a stalled reader. */
static void
send_out(struct agent *a, struct out *o)
{
	struct conn *c;

	if (a->ctrl == NULL) {
		free(o);
		return;
	}
	c = lws_wsi_user(a->ctrl);
	if (a->qlen >= QUEUE_MAX) {
		free(o);
		if (c->close_code == 0) {
			log_warn("agent: the controller reads too slowly (%d messages unsent): closing", a->qlen);
			c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
			c->close_reason = "too slow: messages unsent piled up";
			lws_callback_on_writable(a->ctrl);
		}
		return;
	}
	a->qlen++;
	if (a->q_tail != NULL)
		a->q_tail->next = o;
	else
		a->q_head = o;
	a->q_tail = o;
	lws_callback_on_writable(a->ctrl);
}

/* What the runner and the engine handed over. */
static void
drain_inbox(struct agent *a)
{
	struct mailbox_msg *m = mailbox_take_all(&a->inbox);

	while (m != NULL) {
		struct out *o = (struct out *)m;
		bool done = o->done;
		m = m->next;
		o->link.next = NULL;
		if (a->state == AGENT_STARTING && !done)
			set_state(a, AGENT_RUNNING);   /* the first second (or a start failure) */
		send_out(a, o);
		if (done) {
			run_free(a->run);
			a->run = NULL;
			set_state(a, AGENT_IDLE);
		}
	}
}

/* testdef's check_target: both policies must allow the origin (the agent's narrows). */
static int
check_target(void *arg, const char *origin, char **why)
{
	struct run *r = arg;

	if (security_check_target(r->own, origin, why) != 0)
		return -1;
	return security_check_target(r->ctrl, origin, why);
}

/* testdef's env: what the agent's own env_allow lets through. */
static const char *
env(void *arg, const char *name)
{
	struct run *r = arg;

	return security_env(r->own, name);
}

/* The slot of setup's variable `name` (one that a setup step extracts), or -1. */
static int
setup_slot(const struct plan *plan, const char *name)
{
	for (int i = 0; i < plan->nsetup; i++)
		for (int j = 0; j < plan->setup[i].nextracts; j++)
			if (strcmp(plan->setup[i].extracts[j].var, name) == 0)
				return plan->setup[i].extracts[j].slot;
	return -1;
}

/*
 * prepare's setup_data: the variables the controller's run of setup extracted, into r->setup (the
 * engine then sends neither setup nor teardown). Every variable setup extracts must be given, as a
 * string, number or boolean. 0, or -1 with *field ("setup_data.NAME") and *cause.
 */
static int
setup_given(struct run *r, json_t *given, const char **field, char **cause)
{
	static char field_buf[160];   /* service thread only */
	const char *name;
	json_t *v;

	*field = "setup_data";
	if (r->plan->nsetup == 0) {
		*cause = xstrdup("the definition has no setup: leave setup_data out");
		return -1;
	}
	r->setup = setup_data_new(r->plan);
	json_object_foreach(given, name, v) {
		int slot = setup_slot(r->plan, name), rc;
		snprintf(field_buf, sizeof field_buf, "setup_data.%s", name);
		*field = field_buf;
		if (slot < 0) {
			*cause = xstrdup("not a variable the definition's setup extracts");
			return -1;
		}
		if (json_is_string(v))
			rc = setup_data_set(r->setup, slot, json_string_value(v), json_string_length(v), 0);
		else if (json_is_number(v) || json_is_boolean(v)) {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			rc = setup_data_set(r->setup, slot, s, strlen(s), 1);
			free(s);
		} else {
			*cause = xstrdup("expected a string, a number or a boolean");
			return -1;
		}
		if (rc != 0) {
			*cause = xstrdup("longer than the definition's variable cap");
			return -1;
		}
	}
	for (int i = 0; i < r->plan->nsetup; i++)
		for (int j = 0; j < r->plan->setup[i].nextracts; j++)
			if (json_object_get(given, r->plan->setup[i].extracts[j].var) == NULL) {
				snprintf(field_buf, sizeof field_buf, "setup_data.%s",
				    r->plan->setup[i].extracts[j].var);
				*field = field_buf;
				*cause = xstrdup("missing: setup extracts it, and the controller ran setup");
				return -1;
			}
	return 0;
}

/* A prepare message: validate, build the plan and the segment, answer prepared or an error. */
static void
prepare(struct agent *a, json_t *msg)
{
	struct agent_prepare p;
	const char *field = NULL;
	char *cause = NULL;
	struct run *r;
	struct testdef_errors errs;

	if (a->state != AGENT_IDLE && a->state != AGENT_PREPARED) {
		send_out(a, out_json(agent_msg_error("busy", NULL, "a run is under way: stop it first")));
		return;
	}
	if (agent_msg_prepare_parse(msg, &p, &field, &cause) != 0)
		goto refuse;
	r = xcalloc(1, sizeof *r);
	r->agent = a;
	r->own = a->sec;
	pthread_mutex_init(&r->lock, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&r->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if ((r->ctrl = security_allowlist_new(p.allow_targets, "allow_targets", &cause)) == NULL) {
		field = "allow_targets";
		run_free(r);
		goto refuse;
	}
	if ((r->segment = segment_new(p.segment, p.sequence, &cause)) == NULL) {
		field = strstr(cause, "sequence") != NULL ? "sequence" : "segment";
		run_free(r);
		goto refuse;
	}
	{
		const struct security_caps *caps = security_caps(a->sec);
		struct testdef_options opt = {
			.max_vus = caps->max_vus, .max_rate = caps->max_rate,
			.max_duration_ns = caps->max_duration_ns, .limits_name = "limits",
			.check_target = check_target, .env = env, .arg = r,
		};
		testdef_errors_init(&errs);
		r->plan = testdef_parse(json_incref(p.definition), &opt, &errs);
		json_decref(p.definition);
		if (r->plan == NULL) {
			json_t *e = json_array();
			for (int i = 0; i < errs.n; i++)
				json_array_append_new(e, json_pack("{s:s, s:s}", "field", errs.v[i].path,
				    "message", errs.v[i].message));
			json_t *j = agent_msg_error("invalid", errs.n > 0 ? errs.v[0].path : "definition",
			    errs.n > 0 ? errs.v[0].message : "invalid definition");
			json_object_set_new(j, "errors", e);
			send_out(a, out_json(j));
			testdef_errors_fini(&errs);
			run_free(r);
			return;
		}
		testdef_errors_fini(&errs);
	}
	if (p.setup_data != NULL && setup_given(r, p.setup_data, &field, &cause) != 0) {
		run_free(r);
		goto refuse;
	}
	summary_series_init(&r->series, a->workers > 0 ? a->workers : a->cores);
	run_free(a->run);
	a->run = r;
	set_state(a, AGENT_PREPARED);
	send_out(a, out_json(json_pack("{s:s, s:s, s:s, s:i, s:i}", "type", "prepared",
	    "segment", segment_string(r->segment), "sequence", segment_sequence_string(r->segment),
	    "scenarios", r->plan->nscenarios, "max_vus", r->plan->max_vus)));
	return;
refuse:
	send_out(a, out_json(agent_msg_error("invalid", field, cause)));
	free(cause);
}

/* A start message: schedule the runner at the instant. */
static void
start(struct agent *a, json_t *msg)
{
	int64_t at_wall, now_wall, now_mono;
	char *cause = NULL;
	struct timespec ts;
	int err;

	if (a->state != AGENT_PREPARED) {
		send_out(a, out_json(agent_msg_error("not_prepared", NULL, a->state == AGENT_IDLE ?
		    "nothing is prepared: send prepare first" : "a run is under way")));
		return;
	}
	if (agent_msg_start_parse(msg, &at_wall, &cause) != 0) {
		send_out(a, out_json(agent_msg_error("invalid", "at_ns", cause)));
		free(cause);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now_mono = clock_now_ns();
	now_wall = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	a->run->start_mono_ns = agent_mono_of_wall(at_wall, now_wall, now_mono);
	if ((err = pthread_create(&a->run->thread, NULL, runner, a->run)) != 0) {
		char *why = xasprintf("cannot start a thread: %s", strerror(err));
		send_out(a, out_json(agent_msg_error("start_failed", NULL, why)));
		/* as the protocol says, done follows: the controller waits for nothing more */
		send_out(a, done_empty(why));
		free(why);
		run_free(a->run);
		a->run = NULL;
		set_state(a, AGENT_IDLE);
		return;
	}
	pthread_setname_np(a->run->thread, "agent-run");
	a->run->thread_started = true;
	set_state(a, AGENT_STARTING);
	send_out(a, out_json(json_pack("{s:s, s:I, s:I}", "type", "starting", "at_ns",
	    (json_int_t)at_wall, "in_ns", (json_int_t)(a->run->start_mono_ns - now_mono))));
}

/* The wall clock in ns. */
static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One whole message from the controller. */
static void
on_message(struct agent *a, const unsigned char *text, size_t len, int64_t t1)
{
	json_error_t jerr;
	json_t *msg = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type = json_string_value(json_object_get(msg, "type"));
	char *cause = NULL;

	if (msg == NULL || type == NULL) {
		send_out(a, out_json(agent_msg_error("invalid", "type", msg == NULL ? jerr.text :
		    "expected an object with a string \"type\"")));
		json_decref(msg);
		return;
	}
	if (strcmp(type, "time") == 0) {
		json_t *reply = agent_msg_time_reply(msg, t1, wall_ns(), &cause);
		if (reply == NULL) {
			send_out(a, out_json(agent_msg_error("invalid", "t0", cause)));
			free(cause);
		} else
			send_out(a, out_json(reply));
	} else if (strcmp(type, "prepare") == 0)
		prepare(a, msg);
	else if (strcmp(type, "start") == 0)
		start(a, msg);
	else if (strcmp(type, "stop") == 0 || strcmp(type, "force_stop") == 0) {
		if (a->state == AGENT_STARTING || a->state == AGENT_RUNNING)
			run_stop(a->run, type[0] == 'f');
		else
			send_out(a, out_json(agent_msg_error("not_running", NULL, "no run to stop")));
	} else if (strcmp(type, "hello") == 0)
		send_out(a, out_json(agent_msg_hello(a->cores, state_names[a->state])));
	else
		send_out(a, out_json(agent_msg_error("unknown_type", "type", type)));
	json_decref(msg);
}

/* The peer's address, for the log. */
static void
peer_name(struct lws *wsi, char *buf, size_t len)
{
	buf[0] = '\0';
	lws_get_peer_simple(wsi, buf, len);
}

/*
 * Whether the upgrade's request may be the controller: a configured token in its Authorization
 * header, and no controller attached. Refused: the close code and reason are set in c (sent
 * before any message) and the refusal logged. Judged at ESTABLISHED, where lws still holds the
 * request's headers: on our own listen socket a status written from lws 4.1.6's
 * FILTER_PROTOCOL_CONNECTION did not reach the client (it read no HTTP response), and
 * HTTP_CONFIRM_UPGRADE has a use-after-free there (http/live.c).
 */
static bool
attach_ok(struct agent *a, struct lws *wsi, struct conn *c)
{
	char auth[SECURITY_TOKEN_MAX + 32], peer[64];
	int n = lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);

	peer_name(wsi, peer, sizeof peer);
	if (n <= 0 || !security_bearer_ok(a->sec, auth)) {
		log_warn("agent: refused a controller from %s: %s", peer, n <= 0 ?
		    "no Authorization header" : "wrong token");
		c->close_code = CLOSE_UNAUTHORIZED;
		c->close_reason = "unauthorized: Authorization: Bearer <a token of the agent's token file>";
		return false;
	}
	if (a->ctrl != NULL) {
		log_warn("agent: refused a controller from %s: another controller is attached", peer);
		c->close_code = CLOSE_TRY_LATER;
		c->close_reason = "busy: another controller is attached to this agent (one at a time)";
		return false;
	}
	return true;
}

/* The controller's connection is gone: a run it started cannot be reported, so it ends now. */
static void
detach(struct agent *a)
{
	struct out *o;

	a->ctrl = NULL;
	while ((o = a->q_head) != NULL) {
		a->q_head = o->next;
		free(o);
	}
	a->q_tail = NULL;
	a->qlen = 0;
	a->rxlen = 0;
	if (a->state == AGENT_STARTING || a->state == AGENT_RUNNING) {
		log_warn("agent: the controller left during a run: force-stopping it");
		run_stop(a->run, true);
	} else if (a->state == AGENT_PREPARED) {
		run_free(a->run);
		a->run = NULL;
		set_state(a, AGENT_IDLE);
	}
	log_info("agent: controller detached");
}

/* The protocol's callback. */
static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct agent *a = ctx != NULL ? lws_context_user(ctx) : NULL;
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (a != NULL)
			drain_inbox(a);
		return 0;
	case LWS_CALLBACK_ESTABLISHED: {
		char peer[64];
		if (!attach_ok(a, wsi, c)) {
			lws_callback_on_writable(wsi);   /* the close frame, and nothing else */
			return 0;
		}
		c->attached = true;
		a->ctrl = wsi;
		peer_name(wsi, peer, sizeof peer);
		log_info("agent: controller attached from %s", peer);
		send_out(a, out_json(agent_msg_hello(a->cores, state_names[a->state])));
		return 0;
	}
	case LWS_CALLBACK_RECEIVE: {
		int64_t t1 = wall_ns();
		if (!c->attached)
			return -1;
		if (lws_frame_is_binary(wsi)) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
			    (unsigned char *)"text messages only", 18);
			return -1;
		}
		if (len > RX_CAP - a->rxlen) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
			    (unsigned char *)"message too large", 17);
			return -1;
		}
		memcpy(a->rx + a->rxlen, in, len);
		a->rxlen += len;
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
			size_t n = a->rxlen;
			a->rxlen = 0;
			on_message(a, a->rx, n, t1);
		}
		return 0;
	}
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		struct out *o;
		int n;
		if (c->close_code != 0) {
			lws_close_reason(wsi, (enum lws_close_status)c->close_code,
			    (unsigned char *)c->close_reason, strlen(c->close_reason));
			return -1;
		}
		if (!c->attached || (o = a->q_head) == NULL)
			return 0;
		a->q_head = o->next;
		if (a->q_head == NULL)
			a->q_tail = NULL;
		a->qlen--;
		n = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
		free(o);
		if (n < 0)
			return -1;
		if (a->q_head != NULL)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_CLOSED:
		if (c->attached)
			detach(a);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "rampage-agent", callback, sizeof(struct conn), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* The service thread. */
static void *
service(void *arg)
{
	struct agent *a = arg;

	while (!a->done)
		lws_service(a->ctx, 0);
	return NULL;
}

/* The mailbox's wake hook. */
static void
wake(void *arg)
{
	struct agent *a = arg;

	lws_cancel_service(a->ctx);
}

/* Prints the usage. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rampage agent --listen ADDR:PORT --token-file PATH [--config PATH] [options]\n"
	    "\n"
	    "  --listen ADDR:PORT     where the controller connects (a websocket; port 0: any free one)\n"
	    "  --token-file PATH      the tokens a controller may present (Authorization: Bearer),\n"
	    "                         one a line; not readable by every user\n"
	    "  --config PATH          a rampage config: its [security] allow_targets narrows what the\n"
	    "                         controller allows, its env_allow and [limits] apply\n"
	    "  --tls-cert PATH, --tls-key PATH\n"
	    "                         serve wss:// with this certificate chain and key (PEM)\n"
	    "  --workers N            engine worker threads (default: one per usable core)\n"
	    "  --log-level LEVEL      error, warning, notice, info (default) or debug\n"
	    "\n"
	    "docs/agent-protocol.md describes the messages.\n");
}

int
agent_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL, *token_file = NULL, *config = NULL, *cert = NULL, *key = NULL;
	struct agent a;
	struct conf cfg;
	struct lws_context_creation_info info;
	char *host = NULL, *cause = NULL;
	int port = 0, c, rc = 1, sig, err;
	cpu_set_t cpus;
	sigset_t set;

	memset(&a, 0, sizeof a);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 't': token_file = optarg; break;
		case 'c': config = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'w':
			a.workers = atoi(optarg);
			if (a.workers < 1 || a.workers > 1024) {
				fprintf(stderr, "rampage agent: --workers: expected 1 to 1024, got \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'L':
			if (log_set_level(optarg) != 0) {
				fprintf(stderr, "rampage agent: --log-level: unknown level \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default:
			opts_refused(stderr, "agent", opts, "h", argc, argv);
			return 2;
		}
	}
	if (optind < argc || listen == NULL || token_file == NULL) {
		fprintf(stderr, "rampage agent: %s\n", optind < argc ? "unexpected argument" :
		    "--listen and --token-file are required");
		usage(stderr);
		return 2;
	}
	if ((cert == NULL) != (key == NULL)) {
		fprintf(stderr, "rampage agent: --tls-cert and --tls-key go together\n");
		return 2;
	}
	conf_init(&cfg);
	security_conf_checks(&cfg);
	if (config != NULL && conf_load(&cfg, config, 1, &cause) != 0)
		goto fail_cfg;
	if (conf_parse_listen(listen, &host, &port, &cause) != 0)
		goto fail_cfg;
	free(cfg.token_file);
	cfg.token_file = xstrdup(token_file);
	if ((a.sec = security_new(&cfg, &cause)) == NULL)
		goto fail_cfg;
	if (!security_has_tokens(a.sec)) {
		cause = xasprintf("%s: no token", token_file);
		goto fail_cfg;
	}
	a.cores = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	a.rx = xmalloc(RX_CAP);
	if (fdlimit_raise(&cause) != 0) {
		free(cause);   /* the engine checks the limit against a plan's VUs and says so */
		cause = NULL;
	}

	/* Signals: blocked before any thread exists; main reads them with sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	lws_set_log_level(LLL_ERR | LLL_WARN | (log_level >= LOG_DEBUG ? LLL_NOTICE : 0),
	    fleet_link_lws_log);
	mailbox_init(&a.inbox, wake, &a);
	memset(&info, 0, sizeof info);
	info.port = port;
	info.iface = host;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (strchr(host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (cert != NULL) {
		/* lws reads both files now: a bad one fails lws_create_context below */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
	}
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = &a;
	info.timeout_secs = 5;
	a.ctx = lws_create_context(&info);
	if (a.ctx == NULL) {
		cause = xasprintf("--listen %s: cannot listen%s (libwebsockets; see its lines above)",
		    listen, cert != NULL ? ", or --tls-cert/--tls-key cannot be used" : "");
		goto fail_mb;
	}
	a.vh = lws_get_vhost_by_name(a.ctx, "default");
	if (a.vh != NULL)
		port = lws_get_vhost_listen_port(a.vh);
	if ((err = pthread_create(&a.service, NULL, service, &a)) != 0) {
		cause = xasprintf("cannot start the service thread: %s", strerror(err));
		goto fail_ctx;
	}
	pthread_setname_np(a.service, "agent");
	log_notice("agent: listening on %s://%s%s%s:%d (%d cores usable)", cert != NULL ? "wss" : "ws",
	    strchr(host, ':') ? "[" : "",
	    host, strchr(host, ':') ? "]" : "", port, a.cores);

	while (sigwait(&set, &sig) != 0 || (sig != SIGINT && sig != SIGTERM))
		;
	log_notice("agent: %s: stopping", strsignal(sig));
	a.done = 1;
	lws_cancel_service(a.ctx);
	pthread_join(a.service, NULL);
	if (a.run != NULL && a.run->thread_started) {
		/* the runner's last messages still wake the context: join it before destroying that */
		run_stop(a.run, true);
		pthread_join(a.run->thread, NULL);
		a.run->thread_started = false;
	}
	rc = 0;
fail_ctx:
	lws_context_destroy(a.ctx);   /* closes the controller: callbacks run on this thread now */
	run_free(a.run);
	a.run = NULL;
	{
		struct mailbox_msg *m = mailbox_take_all(&a.inbox);
		while (m != NULL) {
			struct mailbox_msg *next = m->next;
			free(m);
			m = next;
		}
	}
	while (a.q_head != NULL) {
		struct out *o = a.q_head;
		a.q_head = o->next;
		free(o);
	}
fail_mb:
	mailbox_fini(&a.inbox);
fail_cfg:
	if (cause != NULL) {
		fprintf(stderr, "rampage agent: %s\n", cause);
		free(cause);
		rc = 1;
	}
	free(a.rx);
	free(host);
	security_free(a.sec);
	conf_fini(&cfg);
	return rc;
}
