/*
 * fleet: see fleet.h. The fleet thread is the only thread that touches the fleet's agents, pending
 * seconds and totals. Other threads (the run manager's: fleet_stop, fleet_state, fleet_elapsed_ns)
 * set stop_req, move the state from running to stopping, read the atomics (state, start, end), and
 * wake the loop through the link under link_lock, which the fleet thread holds to take the link
 * down.
 *
 * The seconds are added up in fleet_merge.c, the definition's monitors and timed events run in
 * fleet_side.c (the agents' copy of the definition has no `monitors`, `events` or `monitor:`
 * thresholds), the agents come from config in fleet_agents.c.
 */
#include <config.h>

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/agent_msg.h"
#include "engine/fleet_priv.h"
#include "metrics/evwin.h"
#include "metrics/monitor.h"
#include "metrics/tick.h"
#include "testdef/plan.h"

static const char *const ag_state_names[] = { "connecting", "hello", "timing", "preparing",
    "prepared", "starting", "running", "done", "lost" };

/* Which moves an agent's state may make (from the row's state to the column's): the protocol's
   order, a busy agent back to connecting before the start, and done or lost as the end. */
static const bool ag_legal[AG_LOST + 1][AG_LOST + 1] = {
	[AG_CONNECTING] = { [AG_CONNECTING] = true, [AG_HELLO] = true, [AG_LOST] = true },
	[AG_HELLO] = { [AG_TIMING] = true, [AG_CONNECTING] = true, [AG_LOST] = true },
	[AG_TIMING] = { [AG_PREPARING] = true, [AG_LOST] = true },
	[AG_PREPARING] = { [AG_PREPARED] = true, [AG_LOST] = true },
	[AG_PREPARED] = { [AG_STARTING] = true, [AG_LOST] = true },
	[AG_STARTING] = { [AG_RUNNING] = true, [AG_DONE] = true, [AG_LOST] = true },
	[AG_RUNNING] = { [AG_RUNNING] = true, [AG_DONE] = true, [AG_LOST] = true },
};

void
fl_agent_to(struct agent *x, enum ag_state to)
{
	assert(ag_legal[x->st][to]);
	if (x->st != to)
		log_debug("fleet: agent %s: %s -> %s", x->url, ag_state_names[x->st], ag_state_names[to]);
	x->st = to;
}

/* ---- the run's course */

/* Ends the fleet's service loop (every agent done or lost, or the run failed before starting). */
static void
finish(struct fleet *f)
{
	if (f->finished)
		return;
	f->finished = true;
	fl_try_emit(f, true);
	if (f->start_sent)
		atomic_store(&f->end_mono, clock_now_ns());
	fleet_link_quit(f->link);
}

/* The run fails: why (taken; the first reason is kept, and the run manager logs it with the run's
   end). Before the start nothing has run: the loop ends; after it every agent is told to stop. */
void
fl_fail(struct fleet *f, char *why)
{
	if (f->error == NULL)
		f->error = why;
	else
		free(why);
	if (!f->start_sent) {
		finish(f);
		return;
	}
	/* started: every agent is told to stop at once; the run ends when they are done */
	for (int i = 0; i < f->n; i++)
		if (f->a[i].st != AG_DONE && f->a[i].st != AG_LOST)
			fleet_link_send(f->link, i, json_pack("{s:s}", "type", "force_stop"));
	if (f->stop_ns == 0)
		f->stop_ns = clock_now_ns();
}

/* Whether every agent has prepared (and none is lost: a lost one fails the run before the start). */
static bool
all_prepared(const struct fleet *f)
{
	for (int i = 0; i < f->n; i++)
		if (f->a[i].st != AG_PREPARED)
			return false;
	return true;
}

/* Ends the run once no agent is still running. */
static void
maybe_done(struct fleet *f)
{
	for (int i = 0; i < f->n; i++)
		if (f->a[i].st != AG_DONE && f->a[i].st != AG_LOST)
			return;
	finish(f);
}

/* The setup data of the daemon's setup run, as prepare's setup_data. New reference, or NULL. */
static json_t *
setup_json(const struct fleet *f)
{
	const struct tmpl_var *vars;
	json_t *o;

	if (f->setup == NULL)
		return NULL;
	vars = setup_data_vars(f->setup);
	o = json_object();
	for (int i = 0; i < f->plan->nsetup_slots; i++) {
		int slot = f->plan->setup_slots[i];
		const struct tmpl_var *v = &vars[slot];
		json_t *val;
		if (v->s == NULL)
			continue;
		val = v->json ? json_loadb(v->s, v->len, JSON_DECODE_ANY, NULL) : NULL;
		if (val == NULL)
			val = json_stringn(v->s, v->len);
		if (val != NULL)
			json_object_set_new(o, f->plan->var_names[slot], val);
	}
	return o;
}

/* Agent i's segment of the fleet's sequence ("i/n:(i+1)/n"; NULL for one agent). */
static char *
segment_of(const struct fleet *f, int i)
{
	if (f->n == 1)
		return NULL;
	if (i == 0)
		return xasprintf("0:1/%d", f->n);
	if (i == f->n - 1)
		return xasprintf("%d/%d:1", i, f->n);
	return xasprintf("%d/%d:%d/%d", i, f->n, i + 1, f->n);
}

/* Every agent has prepared: start them all at one instant, each on its own clock. */
static void
start_all(struct fleet *f)
{
	int64_t worst = 0, lead, wall, mono;

	for (int i = 0; i < f->n; i++)
		if (f->a[i].delay_ns > worst)
			worst = f->a[i].delay_ns;
	/* long enough for the start message to reach the slowest agent: 200 ms plus two round trips */
	lead = 200 * CLOCK_NS_PER_MS + 2 * worst;
	if (lead > 5 * CLOCK_NS_PER_S)
		lead = 5 * CLOCK_NS_PER_S;
	wall = fleet_link_wall_ns();
	mono = clock_now_ns();
	for (int i = 0; i < f->n; i++) {
		fleet_link_send(f->link, i, json_pack("{s:s, s:I}", "type", "start",
		    "at_ns", (json_int_t)(wall + lead + f->a[i].offset_ns)));
		fl_agent_to(&f->a[i], AG_STARTING);
		f->a[i].last_msg_ns = mono;
	}
	f->start_sent = true;
	atomic_store(&f->start_mono, mono + lead);
	fl_side_start(f, mono + lead);
	log_info("fleet: %d agent%s start in %lld ms", f->n, f->n == 1 ? "" : "s",
	    (long long)(lead / CLOCK_NS_PER_MS));
}

static void
on_open(void *arg, int i)
{
	struct fleet *f = arg;

	if (!f->finished && f->a[i].st == AG_CONNECTING)
		fl_agent_to(&f->a[i], AG_HELLO);
}

/* An error message from agent i. */
static void
got_error(struct fleet *f, int i, json_t *msg)
{
	struct agent *x = &f->a[i];
	const char *code = json_string_value(json_object_get(msg, "code"));
	const char *field = json_string_value(json_object_get(msg, "field"));
	const char *text = json_string_value(json_object_get(msg, "message"));
	json_t *errs = json_object_get(msg, "errors");

	if (f->start_sent && code != NULL && strcmp(code, "not_running") == 0)
		return;   /* a stop that crossed its done */
	if (json_array_size(errs) > 0) {
		json_t *e0 = json_array_get(errs, 0);
		fl_fail(f, xasprintf("agent %s refused the definition: %s: %s%s", x->url,
		    json_string_value(json_object_get(e0, "field")) ?: "definition",
		    json_string_value(json_object_get(e0, "message")) ?: "invalid",
		    json_array_size(errs) > 1 ? " (and more)" : ""));
		return;
	}
	fl_fail(f, xasprintf("agent %s: %s%s%s", x->url, field != NULL ? field : "",
	    field != NULL ? ": " : "", text != NULL ? text : code != NULL ? code : "error"));
}

static void
on_message(void *arg, int i, json_t *msg, int64_t t3)
{
	struct fleet *f = arg;
	struct agent *x = &f->a[i];
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (f->finished || x->st == AG_LOST)
		return;   /* the loop is ending, or the agent was dropped: nothing more from it counts */
	x->last_msg_ns = clock_now_ns();
	if (strcmp(type, "hello") == 0 && x->st == AG_HELLO) {
		json_t *pv = json_object_get(msg, "protocol");
		if (!json_is_integer(pv) || json_integer_value(pv) != AGENT_PROTOCOL_VERSION) {
			fl_fail(f, xasprintf("agent %s speaks protocol %lld; this daemon speaks %d", x->url,
			    json_is_integer(pv) ? (long long)json_integer_value(pv) : -1LL,
			    AGENT_PROTOCOL_VERSION));
			return;
		}
		free(x->version);
		x->version = xstrdup(json_string_value(json_object_get(msg, "version")) ?: "?");
		x->cores = (int)json_integer_value(json_object_get(msg, "cores"));
		fl_agent_to(x, AG_TIMING);
		x->t0 = fleet_link_wall_ns();
		fleet_link_send(f->link, i, json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)x->t0));
	} else if (strcmp(type, "time") == 0 && x->st == AG_TIMING) {
		int64_t off, delay;
		char *why = NULL;
		if (agent_msg_time_read(msg, x->t0, t3, &off, &delay, &why) != 0) {
			fl_fail(f, xasprintf("agent %s: %s", x->url, why));
			free(why);
			return;
		}
		if (x->ntime == 0 || delay < x->delay_ns) {
			x->offset_ns = off;
			x->delay_ns = delay;
		}
		if (++x->ntime < FLEET_TIME_EXCHANGES) {
			x->t0 = fleet_link_wall_ns();
			fleet_link_send(f->link, i, json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)x->t0));
			return;
		}
		char *seg = segment_of(f, i);
		json_t *prep = json_pack("{s:s, s:O, s:s}", "type", "prepare", "definition",
		    f->agent_def, "allow_targets", f->allow_targets);
		if (seg != NULL) {
			json_object_set_new(prep, "segment", json_string(seg));
			json_object_set_new(prep, "sequence", json_string(f->sequence));
		}
		if (f->setup != NULL)
			json_object_set_new(prep, "setup_data", setup_json(f));
		free(seg);
		fl_agent_to(x, AG_PREPARING);
		fleet_link_send(f->link, i, prep);
	} else if (strcmp(type, "prepared") == 0 && x->st == AG_PREPARING) {
		free(x->segment);
		x->segment = xstrdup(json_string_value(json_object_get(msg, "segment")) ?: "0:1");
		fl_agent_to(x, AG_PREPARED);
		if (all_prepared(f) && !f->start_sent && atomic_load(&f->stop_req) == 0)
			start_all(f);
	} else if (strcmp(type, "starting") == 0) {
		/* the agent sleeps until the instant; its ticks follow */
	} else if (strcmp(type, "tick") == 0 && (x->st == AG_STARTING || x->st == AG_RUNNING)) {
		fl_got_tick(f, i, msg);
		fl_try_emit(f, false);
	} else if (strcmp(type, "done") == 0 && f->start_sent) {
		const char *err = json_string_value(json_object_get(msg, "error"));
		x->interrupted = json_is_true(json_object_get(msg, "interrupted"));
		json_decref(x->summary);
		x->summary = json_incref(json_object_get(msg, "summary"));
		fl_agent_to(x, AG_DONE);
		if (err != NULL)
			fl_fail(f, xasprintf("agent %s: %s", x->url, err));
		fl_try_emit(f, false);
		maybe_done(f);
	} else if (strcmp(type, "error") == 0) {
		got_error(f, i, msg);
	}
}

/* Agent i is gone (its connection closed, or it broke the protocol and was dropped). Before the
   start: a busy agent (1013: another controller, or a probe, holds it) is asked again until
   connect_timeout_ms; any other end fails the run. After it: the agent is lost, by agentLoss. */
static void
gone(struct fleet *f, int i, int code, const char *why)
{
	struct agent *x = &f->a[i];
	int lost = 0;

	if (x->st == AG_DONE || x->st == AG_LOST || f->finished)
		return;
	free(x->why);
	x->why = xstrdup(why);
	if (!f->start_sent) {
		if (code == 1013 && x->st <= AG_HELLO) {
			fl_agent_to(x, AG_CONNECTING);
			x->retry_ns = clock_now_ns() + RETRY_NS;
			return;
		}
		fl_agent_to(x, AG_LOST);
		fl_fail(f, xasprintf("agent %s: %s", x->url, why));
		return;
	}
	fl_agent_to(x, AG_LOST);
	json_array_append_new(f->lost, json_pack("{s:s, s:I, s:s}", "url", x->url, "second",
	    (json_int_t)x->next_second, "why", why));
	log_warn("fleet: agent %s lost at second %lld: %s", x->url, (long long)x->next_second, why);
	for (int k = 0; k < f->n; k++)
		lost += f->a[k].st == AG_LOST;
	if (lost == f->n)
		fl_fail(f, xasprintf("every agent was lost (the last, %s, at second %lld: %s)", x->url,
		    (long long)x->next_second, why));
	else if (f->loss_fails)
		fl_fail(f, xasprintf("agent %s was lost at second %lld (%s); the test's agentLoss is \"fail\"",
		    x->url, (long long)x->next_second, why));
	f->degraded = true;
	fl_try_emit(f, false);
	maybe_done(f);
}

static void
on_close(void *arg, int i, int code, const char *why)
{
	gone(arg, i, code, why);
}

/* Drops agent i for breaking the protocol: closes it, and it is lost. */
void
fl_lose(struct fleet *f, int i, const char *why)
{
	fleet_link_close(f->link, i);
	gone(f, i, 0, why);
}

static void
on_timer(void *arg)
{
	struct fleet *f = arg;
	int64_t now = clock_now_ns();
	int stop = atomic_load(&f->stop_req);

	if (f->finished)
		return;
	fl_side_take(f, -1, false);   /* events now; scrapes wait for their second */
	if (stop > 0 && !f->start_sent) {
		/* stopped before the start: nothing ran */
		finish(f);
		return;
	}
	if (stop > f->stop_sent_level) {
		for (int i = 0; i < f->n; i++)
			if (f->a[i].st == AG_STARTING || f->a[i].st == AG_RUNNING)
				fleet_link_send(f->link, i, json_pack("{s:s}", "type", stop == 2 ? "force_stop" : "stop"));
		f->stop_sent_level = stop;
		if (f->stop_ns == 0)
			f->stop_ns = now;
	}
	if (!f->start_sent && now - f->begin_ns > (int64_t)f->connect_timeout_ms * CLOCK_NS_PER_MS) {
		for (int i = 0; i < f->n; i++)
			if (f->a[i].st < AG_PREPARED) {
				fl_fail(f, xasprintf("agent %s did not prepare within %d ms (it was %s%s%s)", f->a[i].url,
				    f->connect_timeout_ms, ag_state_names[f->a[i].st], f->a[i].why != NULL ? ": " : "",
				    f->a[i].why != NULL ? f->a[i].why : ""));
				return;
			}
	}
	for (int i = 0; i < f->n && !f->start_sent; i++)
		if (f->a[i].retry_ns != 0 && now >= f->a[i].retry_ns) {
			f->a[i].retry_ns = 0;
			fleet_link_connect(f->link, i);
		}
	if (f->start_sent) {
		for (int i = 0; i < f->n; i++) {
			struct agent *x = &f->a[i];
			bool silent = (x->st == AG_STARTING || x->st == AG_RUNNING) &&
			    now - x->last_msg_ns > SILENT_NS + (x->st == AG_STARTING ? 5 * CLOCK_NS_PER_S : 0);
			bool overdue = f->stop_ns != 0 && now - f->stop_ns > f->stop_wait_ns &&
			    x->st != AG_DONE && x->st != AG_LOST;
			if (silent || overdue)
				fl_lose(f, i, silent ? "sent nothing for 30 s" : "not done in time after the stop");
		}
		fl_try_emit(f, false);
	}
}

/* The fleet thread. */
static void *
fleet_main(void *arg)
{
	struct fleet *f = arg;
	char *cause = NULL;
	struct fleet_link_ops ops = { .on_open = on_open, .on_message = on_message, .on_close = on_close,
	    .on_timer = on_timer, .arg = f };
	bool setup_ok = false;

	f->begin_ns = clock_now_ns();
	if ((f->list = fleet_agents(f->urls, f->dns, &f->nlist, &cause)) == NULL) {
		f->error = cause;
		goto done;
	}
	if (f->want != FLEET_ALL && f->want > f->nlist) {
		f->error = xasprintf("agents: %d asked, %d configured (agents.urls, agents.dns)", f->want,
		    f->nlist);
		goto done;
	}
	if (f->want == FLEET_ALL && f->nlist > FLEET_MAX_AGENTS) {
		f->error = xasprintf("agents: \"all\" is %d agents; a run may use at most %d", f->nlist,
		    FLEET_MAX_AGENTS);
		goto done;
	}
	f->n = f->want == FLEET_ALL ? f->nlist : f->want;
	/* a stop waits for the agents' own gracefulStop before it counts them lost */
	f->stop_wait_ns = STOP_WAIT_NS;
	for (int i = 0; i < f->plan->nscenarios; i++) {
		const struct plan_scenario *sc = &f->plan->scenarios[i];
		int64_t g = sc->graceful_stop_ns > sc->graceful_ramp_down_ns ? sc->graceful_stop_ns :
		    sc->graceful_ramp_down_ns;
		if (STOP_WAIT_NS + g > f->stop_wait_ns)
			f->stop_wait_ns = STOP_WAIT_NS + g;
	}
	f->a = xcalloc((size_t)f->n, sizeof *f->a);
	for (int i = 0; i < f->n; i++)
		f->a[i].url = f->list[i];
	{
		/* one sequence of n equal segments */
		GString *s = g_string_new("0");
		for (int i = 1; i < f->n; i++)
			g_string_append_printf(s, ",%d/%d", i, f->n);
		g_string_append(s, ",1");
		f->sequence = xstrdup(s->str);
		g_string_free(s, TRUE);
	}
	if (f->plan->nsetup > 0) {
		/* what runs once runs once: setup here, its data to every agent */
		f->setup = setup_data_new(f->plan);
		f->env.stop = &f->setup_stop;
		int rc = setup_run(f->plan, f->plan->setup, f->plan->nsetup, "setup", f->setup, &f->env,
		    &cause);
		if (rc < 0) {
			f->error = cause;
			goto done;
		}
		if (rc > 0)
			goto done;   /* stopped during setup: nothing ran */
		setup_ok = true;
	}
	{
		struct fleet_link *l = fleet_link_new(f->list, f->n, f->token, f->ca_file, &ops, &cause);
		if (l == NULL) {
			f->error = cause;
			goto done;
		}
		pthread_mutex_lock(&f->link_lock);
		f->link = l;
		pthread_mutex_unlock(&f->link_lock);
	}
	log_info("fleet: a run over %d agent%s (sequence %s)", f->n, f->n == 1 ? "" : "s", f->sequence);
	f->begin_ns = clock_now_ns();   /* connect_timeout_ms counts from here, not from before setup */
	fleet_link_connect_all(f->link);
	fleet_link_run(f->link);
	if (!f->finished) {
		/* the service loop broke (libwebsockets failed): whatever came is kept, the run fails */
		if (f->error == NULL)
			f->error = xstrdup("libwebsockets' service failed: the agents were left");
		f->finished = true;
		fl_try_emit(f, true);
		if (f->start_sent)
			atomic_store(&f->end_mono, clock_now_ns());
	}
	/* the agents are done: so are the monitors and timed events; what they gave meanwhile */
	fl_side_stop(f);
	fl_side_take(f, -1, true);
	{
		/* the agents are free for the next controller now, not when the run is recorded */
		struct fleet_link *l = f->link;
		pthread_mutex_lock(&f->link_lock);
		f->link = NULL;
		pthread_mutex_unlock(&f->link_lock);
		fleet_link_free(l);
	}
	if (f->start_sent)
		fl_merge_phases(f);
	if (setup_ok && f->plan->nteardown > 0) {
		atomic_store(&f->setup_stop, 0);
		if (setup_run(f->plan, f->plan->teardown, f->plan->nteardown, "teardown", f->setup, &f->env,
		    &cause) < 0) {
			if (f->error == NULL)
				f->error = cause;
			else
				free(cause);
		}
	}
done:
	fl_side_stop(f);
	fl_side_take(f, -1, true);
	evwin_finish(f->events);
	if (atomic_load(&f->end_mono) == 0 && atomic_load(&f->start_mono) != 0)
		atomic_store(&f->end_mono, clock_now_ns());
	atomic_store(&f->state, ENGINE_DONE);
	f->sink.on_done(f->sink.arg, f->whole);
	return NULL;
}

/* The definition the agents get: def without what the daemon runs once for them (its monitors,
   its timed events, the thresholds on the monitors' values: the agent would refuse those without
   the monitors; the daemon judges them on the merged seconds). New reference. */
static json_t *
agent_definition(const json_t *def)
{
	json_t *d = json_deep_copy(def), *th;
	const char *key;
	void *tmp;
	json_t *v;

	if (!json_is_object(d))
		return d;
	json_object_del(d, "monitors");
	json_object_del(d, "events");
	th = json_object_get(d, "thresholds");
	if (json_is_object(th))
		json_object_foreach_safe(th, tmp, key, v)
			if (strncmp(key, "monitor:", 8) == 0)
				json_object_del(th, key);
	return d;
}

struct fleet *
fleet_start(const struct plan *plan, const struct fleet_options *opt, const struct engine_sink *sink,
    const struct setup_env *env, char **cause)
{
	struct fleet *f = xcalloc(1, sizeof *f);
	int rc;

	f->plan = plan;
	f->sink = *sink;
	if (env != NULL)
		f->env = *env;
	f->urls = opt->urls != NULL ? xstrdup(opt->urls) : NULL;
	f->dns = opt->dns != NULL ? xstrdup(opt->dns) : NULL;
	f->token = xstrdup(opt->token != NULL ? opt->token : "");
	f->ca_file = opt->ca_file != NULL ? xstrdup(opt->ca_file) : NULL;
	f->allow_targets = xstrdup(opt->allow_targets != NULL ? opt->allow_targets : "");
	f->want = opt->want;
	f->late_ms = opt->late_ms > 0 ? opt->late_ms : 2000;
	f->connect_timeout_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : 10000;
	f->loss_fails = opt->loss_fails;
	atomic_init(&f->stop_req, 0);
	atomic_init(&f->state, ENGINE_RUNNING);
	atomic_init(&f->start_mono, 0);
	atomic_init(&f->end_mono, 0);
	atomic_init(&f->setup_stop, 0);
	pthread_mutex_init(&f->link_lock, NULL);
	f->whole = tick_new(plan, 1);
	f->scratch = tick_new(plan, 0);
	f->agent_def = agent_definition(plan->definition);
	pthread_mutex_init(&f->side_mu, NULL);
	f->side_tail = &f->side_head;
	f->monitors = monitor_acc_new(plan);
	f->events = evwin_new();
	f->incomplete = json_array();
	f->lost = json_array();
	if ((rc = pthread_create(&f->thread, NULL, fleet_main, f)) != 0) {
		*cause = xasprintf("cannot start the fleet thread: %s", strerror(rc));
		f->thread = 0;
		fleet_free(f);
		return NULL;
	}
	pthread_setname_np(f->thread, "fleet");
	return f;
}

void
fleet_stop(struct fleet *f, int force)
{
	int want = force ? 2 : 1, cur = atomic_load(&f->stop_req);

	while (cur < want && !atomic_compare_exchange_weak(&f->stop_req, &cur, want))
		;
	int running = ENGINE_RUNNING;

	atomic_store(&f->setup_stop, 1);
	atomic_compare_exchange_strong(&f->state, &running, ENGINE_STOPPING);   /* never over DONE */
	pthread_mutex_lock(&f->link_lock);
	if (f->link != NULL)
		fleet_link_wake(f->link);   /* without a link, the fleet thread reads stop_req itself */
	pthread_mutex_unlock(&f->link_lock);
}

void
fleet_wait(struct fleet *f)
{
	if (f->thread != 0) {
		pthread_join(f->thread, NULL);
		f->thread = 0;
	}
}

enum engine_state
fleet_state(const struct fleet *f)
{
	return (enum engine_state)atomic_load(&f->state);
}

const struct tick *
fleet_totals(const struct fleet *f)
{
	return f->whole;
}

int64_t
fleet_elapsed_ns(const struct fleet *f)
{
	int64_t start = atomic_load(&f->start_mono), end = atomic_load(&f->end_mono), now;

	if (start == 0)
		return 0;
	now = end != 0 ? end : clock_now_ns();
	return now > start ? now - start : 0;
}

const char *
fleet_error(const struct fleet *f)
{
	return f->error;
}

json_t *
fleet_summary_json(const struct fleet *f)
{
	json_t *o = json_object(), *list = json_array();

	for (int i = 0; i < f->n; i++) {
		const struct agent *x = &f->a[i];
		json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:i, s:f, s:f, s:I, s:s, s:b, s:o}",
		    "url", x->url,
		    "segment", x->segment != NULL ? json_string(x->segment) : json_null(),
		    "version", x->version != NULL ? json_string(x->version) : json_null(),
		    "cores", x->cores,
		    "clock_offset_ms", (double)x->offset_ns / 1e6,
		    "delay_ms", (double)x->delay_ns / 1e6,
		    "requests", (json_int_t)x->requests,
		    "state", ag_state_names[x->st],
		    "interrupted", x->interrupted,
		    "why", x->why != NULL ? json_string(x->why) : json_null()));
	}
	json_object_set_new(o, "count", json_integer(f->n));
	json_object_set_new(o, "sequence", f->sequence != NULL ? json_string(f->sequence) : json_null());
	json_object_set_new(o, "agents", list);
	json_object_set_new(o, "setup", json_string(f->setup != NULL ? "daemon" : "none"));
	json_object_set_new(o, "incomplete_seconds", json_deep_copy(f->incomplete));
	json_object_set_new(o, "incomplete_count", json_integer(f->nincomplete));
	json_object_set_new(o, "late_shares", json_integer(f->late_ticks));
	json_object_set_new(o, "lost", json_deep_copy(f->lost));
	json_object_set_new(o, "degraded", json_boolean(f->degraded));
	json_object_set_new(o, "loss_policy", json_string(f->loss_fails ? "fail" : "continue"));
	return o;
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	fleet_wait(f);
	fleet_link_free(f->link);   /* NULL unless fleet_main failed before taking it down */
	pthread_mutex_destroy(&f->link_lock);
	for (int i = 0; i < f->n; i++) {
		free(f->a[i].segment);
		free(f->a[i].version);
		free(f->a[i].why);
		json_decref(f->a[i].summary);
	}
	free(f->a);
	fleet_agents_free(f->list, f->nlist);
	for (int i = 0; i < PEND_MAX; i++)
		tick_free(f->pend[i].acc);
	tick_free(f->whole);
	tick_free(f->scratch);
	setup_data_free(f->setup);
	fl_side_free(f);
	monitor_acc_free(f->monitors);
	evwin_free(f->events);
	json_decref(f->agent_def);
	json_decref(f->incomplete);
	json_decref(f->lost);
	free(f->sequence);
	free(f->error);
	free(f->urls);
	free(f->dns);
	free(f->token);
	free(f->ca_file);
	free(f->allow_targets);
	free(f);
}
