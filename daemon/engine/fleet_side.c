/*
 * fleet_side: see fleet_priv.h. The definition's monitors and timed events of a run over agents run
 * here, once, on the fleet's clock (engine/scrape.h, engine/timed.h: t0 is the common start
 * instant), never on the agents. The side threads report through the fleet's side sink (side.h)
 * into a mutex-protected list (side_mu); the fleet thread takes it: a scrape's readings into the
 * second it was taken in (the merged tick's monitors, as the controller does), an event into the
 * run's events (metrics/evwin.h, fed the merged seconds) and to the sink's on_event.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"

#include "engine/fleet_priv.h"
#include "engine/scrape.h"
#include "engine/side.h"
#include "engine/timed.h"
#include "metrics/evwin.h"
#include "metrics/monitor.h"

/* ---- the side threads' reports (any thread in; the fleet thread takes them) */

static void
side_put(struct fleet *f, struct side_item *it)
{
	pthread_mutex_lock(&f->side_mu);
	*f->side_tail = it;
	f->side_tail = &it->next;
	pthread_mutex_unlock(&f->side_mu);
}

static void
side_item_free(struct side_item *it)
{
	free(it->reads);
	free(it->name);
	free(it->source);
	free(it->error);
	free(it);
}

/* side_sink.monitor: a scrape, filed under the second of the fleet's clock it was taken in. */
static void
side_monitor(void *arg, int first, int n, const struct monitor_read *reads)
{
	struct fleet *f = arg;
	struct side_item *it = xcalloc(1, sizeof *it);
	int64_t start = atomic_load(&f->start_mono), now = clock_now_ns();

	it->second = start != 0 && now > start ? (now - start) / CLOCK_NS_PER_S : 0;
	it->first = first;
	it->n = n;
	if (reads != NULL) {
		it->reads = xcalloc((size_t)n + 1, sizeof *it->reads);
		memcpy(it->reads, reads, (size_t)n * sizeof *reads);
	}
	side_put(f, it);
}

/* side_sink.event, and fleet_event: a marker (strings copied). */
static void
side_event(void *arg, const struct engine_event *ev)
{
	struct fleet *f = arg;
	struct side_item *it = xcalloc(1, sizeof *it);

	it->is_event = true;
	it->ev = *ev;
	it->name = xstrdup(ev->name);
	it->source = xstrdup(ev->source);
	it->error = ev->error != NULL ? xstrdup(ev->error) : NULL;
	it->ev.name = it->name;
	it->ev.source = it->source;
	it->ev.error = it->error;
	side_put(f, it);
}

static enum engine_state
side_state(void *arg)
{
	return fleet_state(arg);
}

void
fleet_event(struct fleet *f, const struct engine_event *ev)
{
	side_event(f, ev);
}

const struct evwin *
fleet_events(const struct fleet *f)
{
	return f->events;
}

/*
 * The fleet thread takes the side threads' reports: every event (into the run's events; a timed
 * one to the sink), and the scrapes of seconds up to `upto` into the monitors' accumulator (later
 * ones stay for their second; upto < 0: none). drop_scrapes: the run is over, scrapes left are
 * dropped (after the last second: not shown).
 */
void
fl_side_take(struct fleet *f, int64_t upto, bool drop_scrapes)
{
	struct side_item *all, *keep = NULL, **keep_tail = &keep;

	pthread_mutex_lock(&f->side_mu);
	all = f->side_head;
	f->side_head = NULL;
	f->side_tail = &f->side_head;
	pthread_mutex_unlock(&f->side_mu);
	while (all != NULL) {
		struct side_item *it = all;
		all = it->next;
		it->next = NULL;
		if (it->is_event) {
			struct evwin_event ev = { .at_ms = it->ev.at_ms, .name = it->name,
			    .source = it->source, .status = it->ev.status, .error = it->error };
			if (evwin_add(f->events, &ev) == 0 &&
			    strcmp(it->source, "definition") == 0 && f->sink.on_event != NULL)
				f->sink.on_event(f->sink.arg, &it->ev);
		} else if (!drop_scrapes && it->second > upto) {
			*keep_tail = it;
			keep_tail = &it->next;
			continue;
		} else if (!drop_scrapes) {
			monitor_acc_add(f->monitors, it->first, it->n, it->reads);
		}
		side_item_free(it);
	}
	if (keep != NULL) {
		/* back in front of whatever came meanwhile, in order */
		pthread_mutex_lock(&f->side_mu);
		*keep_tail = f->side_head;
		if (f->side_head == NULL)
			f->side_tail = keep_tail;
		f->side_head = keep;
		pthread_mutex_unlock(&f->side_mu);
	}
}

/* Starts the timed events and monitors on the fleet's clock (t0: the start instant). */
void
fl_side_start(struct fleet *f, int64_t t0)
{
	struct side_sink side = { .monitor = side_monitor, .event = side_event, .state = side_state,
	    .arg = f };
	char *cause = NULL;

	if (timed_start(f->plan, t0, &side, f->env.allow_addr, f->env.allow_arg, &f->timed,
	    &cause) != 0 ||
	    scrape_start(f->plan, t0, &side, f->env.allow_addr, f->env.allow_arg, &f->scrape,
	    &cause) != 0)
		fl_fail(f, cause);
}

/* Stops and joins them (the fleet thread, once the agents are done). */
void
fl_side_stop(struct fleet *f)
{
	timed_stop(f->timed);
	f->timed = NULL;
	scrape_stop(f->scrape);
	f->scrape = NULL;
}

void
fl_side_free(struct fleet *f)
{
	while (f->side_head != NULL) {
		struct side_item *it = f->side_head;
		f->side_head = it->next;
		side_item_free(it);
	}
	pthread_mutex_destroy(&f->side_mu);
}
