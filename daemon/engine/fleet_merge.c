/*
 * fleet_merge: see fleet_priv.h. A second s goes to the sink once no agent that is still running
 * owes it (each agent sends its seconds in order, none skipped: an agent whose next second is past s
 * has sent s, one that is done or lost owes nothing more), or once late_ms have passed since its
 * first share arrived: then it goes out without the missing shares and is listed as incomplete.
 * Seconds go out in order. A share that comes after its second went out still counts in the whole
 * run. The fleet thread only.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"

#include <glib.h>

#include "engine/agent_msg.h"
#include "engine/fleet_priv.h"
#include "metrics/evwin.h"
#include "metrics/hist.h"
#include "metrics/monitor.h"
#include "metrics/tick.h"
#include "testdef/metric.h"
#include "testdef/plan.h"

/* ---- seconds */

/* The pending entry of second s, created if absent; NULL when s is too far ahead. */
static struct pend *
pend_of(struct fleet *f, int64_t s)
{
	struct pend *p = &f->pend[s % PEND_MAX];

	if (p->used && p->second == s)
		return p;
	if (p->used)
		return NULL;   /* an older second still waits in its place */
	p->used = true;
	p->short_share = false;
	p->second = s;
	p->first_ns = clock_now_ns();
	if (p->acc == NULL)
		p->acc = tick_new(f->plan, 0);
	else
		tick_reset(p->acc);
	return p;
}

/* Whether agent x still owes second s. */
static bool
owes(const struct agent *x, int64_t s)
{
	return (x->st == AG_STARTING || x->st == AG_RUNNING) && x->next_second <= s;
}

/* Gives second emit_next to the sink (incomplete: some share missing) and moves on. */
static void
emit(struct fleet *f, bool incomplete)
{
	struct pend *p = &f->pend[f->emit_next % PEND_MAX];

	p->acc->second = f->emit_next;
	incomplete = incomplete || p->short_share;
	/* the daemon's part of the second: the monitors' readings taken in it, the events' window */
	fl_side_take(f, f->emit_next, false);
	monitor_acc_take(f->monitors, p->acc, f->emit_next);
	evwin_second(f->events, f->emit_next, p->acc->total.requests, p->acc->total.failed,
	    p->acc->total.duration);
	tick_merge(f->whole, p->acc);
	f->whole->second = f->emit_next;
	for (int i = 0; i < f->n && !incomplete; i++)
		if (f->a[i].st == AG_LOST && f->a[i].next_second <= f->emit_next)
			incomplete = true;   /* a lost agent's share of this second is missing */
	if (incomplete) {
		if (f->nincomplete < INCOMPLETE_KEPT)
			json_array_append_new(f->incomplete, json_integer(f->emit_next));
		f->nincomplete++;
	}
	f->sink.on_tick(f->sink.arg, p->acc, f->whole);
	p->used = false;
	f->emit_next++;
}

/* Emits every second that is complete, late beyond late_ms, or (all = true) whatever is left. */
void
fl_try_emit(struct fleet *f, bool all)
{
	int64_t now = clock_now_ns();

	for (;;) {
		struct pend *p = &f->pend[f->emit_next % PEND_MAX];
		bool waiting = false;
		if (!p->used || p->second != f->emit_next)
			return;
		for (int i = 0; i < f->n; i++)
			if (owes(&f->a[i], f->emit_next))
				waiting = true;
		if (!waiting)
			emit(f, false);
		else if (all || now - p->first_ns > (int64_t)f->late_ms * CLOCK_NS_PER_MS)
			emit(f, true);
		else
			return;
	}
}

/* Agent i's tick. One that is out of order or cannot be read breaks the protocol: the agent is
   dropped (lost, by the test's agentLoss) rather than believed for any later second. */
void
fl_got_tick(struct fleet *f, int i, json_t *msg)
{
	struct agent *x = &f->a[i];
	json_t *sv = json_object_get(msg, "second");
	int64_t s;
	char *cause = NULL, *why;
	struct pend *p = NULL;

	if (!json_is_integer(sv) || (s = json_integer_value(sv)) != x->next_second) {
		why = xasprintf("sent a tick out of order (second %lld was due)", (long long)x->next_second);
		fl_lose(f, i, why);
		free(why);
		return;
	}
	/* read into the scratch tick first: a message that fails half-way adds nothing */
	tick_reset(f->scratch);
	if (agent_msg_tick_add(f->plan, msg, f->scratch, &cause) != 0) {
		if (s >= f->emit_next && (p = pend_of(f, s)) != NULL)
			p->short_share = true;
		why = xasprintf("sent second %lld unreadable (%s)", (long long)s, cause);
		free(cause);
		fl_lose(f, i, why);
		free(why);
		return;
	}
	if (s >= f->emit_next + PEND_MAX)
		while (f->emit_next + PEND_MAX <= s)
			emit(f, true);   /* the others are far behind: the oldest seconds go out */
	if (s < f->emit_next) {
		/* the second went out without it: it still counts in the whole run */
		tick_merge(f->whole, f->scratch);
		f->late_ticks++;
	} else if ((p = pend_of(f, s)) != NULL) {
		agent_msg_tick_sum(p->acc, f->scratch);
	}
	x->next_second = s + 1;
	fl_agent_to(x, AG_RUNNING);
	x->requests += f->scratch->total.requests;
}

/* The agents' phase histograms (in their done summaries) into the whole run's. */
void
fl_merge_phases(struct fleet *f)
{
	for (int i = 0; i < f->n; i++) {
		json_t *metrics = json_object_get(json_object_get(json_object_get(f->a[i].summary,
		    "rampage"), "histograms"), "metrics");
		if (!json_is_object(metrics))
			continue;
		for (int p = 0; p < TICK_NPHASE; p++) {
			const char *name = metric_get(metric_of_phase(p))->name;
			const char *b64 = json_string_value(json_object_get(metrics, name));
			guchar *blob;
			gsize len;
			char *cause = NULL;
			if (b64 == NULL || f->whole->total.phase[p] == NULL)
				continue;
			blob = g_base64_decode(b64, &len);
			if (hist_merge_blob(f->whole->total.phase[p], blob, len, &cause) != 0) {
				log_warn("fleet: agent %s: %s in its summary: %s", f->a[i].url, name, cause);
				free(cause);
			}
			g_free(blob);
		}
	}
}
