/*
 * fleet: see fleet.h. The fleet thread is the only thread that touches the fleet's agents, pending
 * seconds and totals. Other threads (the run manager's: fleet_stop, fleet_state, fleet_elapsed_ns)
 * set stop_req, move the state from running to stopping, read the atomics (state, start, end), and
 * wake the loop through the link under link_lock, which the fleet thread holds to take the link
 * down.
 *
 * A second s goes to the sink once no agent that is still running owes it (each agent sends its
 * seconds in order, none skipped: an agent whose next second is past s has sent s, one that is done
 * or lost owes nothing more), or once late_ms have passed since its first share arrived: then it goes
 * out without the missing shares and is listed as incomplete. Seconds go out in order.
 *
 * The definition's monitors and timed events run here, once (engine/scrape.h, engine/timed.h, on
 * the fleet's clock: t0 is the common start instant), never on the agents: their copy of the
 * definition has no `monitors`, `events` or `monitor:` thresholds. The side threads report through
 * the fleet's side sink (side.h) into a mutex-protected list (side_mu); the fleet thread takes it:
 * a scrape's readings into the second it was taken in (the merged tick's monitors, as the
 * controller does), an event into the run's events (metrics/evwin.h, fed the merged seconds) and to
 * the sink's on_event.
 */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <glib.h>
#include <libwebsockets.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/agent_msg.h"
#include "engine/fleet.h"
#include "engine/fleet_link.h"
#include "engine/scrape.h"
#include "engine/setup.h"
#include "engine/side.h"
#include "engine/timed.h"
#include "metrics/evwin.h"
#include "metrics/hist.h"
#include "metrics/monitor.h"
#include "metrics/tick.h"
#include "testdef/metric.h"
#include "testdef/plan.h"

#define PEND_MAX 64                /* seconds awaiting shares at once; an older one goes out */
#define SILENT_NS (30 * CLOCK_NS_PER_S)  /* a running agent silent this long is lost */
#define STOP_WAIT_NS (60 * CLOCK_NS_PER_S) /* after a stop, agents not done by then (plus the
                                              plan's longest gracefulStop) are lost */
#define RETRY_NS (250 * CLOCK_NS_PER_MS)   /* before the start, a busy agent is asked again after */
#define CLOCK_SANE_NS (86400LL * CLOCK_NS_PER_S)  /* an agent's clock this far off is not believed */
#define INCOMPLETE_KEPT 1000       /* incomplete seconds listed in the summary (all are counted) */

enum ag_state { AG_CONNECTING, AG_HELLO, AG_TIMING, AG_PREPARING, AG_PREPARED, AG_STARTING,
    AG_RUNNING, AG_DONE, AG_LOST };
static const char *const ag_state_names[] = { "connecting", "hello", "timing", "preparing",
    "prepared", "starting", "running", "done", "lost" };

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
	bool started, interrupted;
	json_t *summary;           /* its done summary */
	char *why;                 /* lost or failed: why */
	int64_t lost_second;
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
	struct link *link;
	/* the fleet thread's */
	struct agent *a;
	int n;
	char **list;
	int nlist;
	char *sequence;
	bool start_sent, stop_sent, finished;
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

/* ---- the agents from config */

int
fleet_check_url(const char *url, char **cause)
{
	char *copy = xstrdup(url);
	const char *prot, *ads, *path;
	int port, rc = 0;

	if (lws_parse_uri(copy, &prot, &ads, &port, &path) != 0 ||
	    (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0) || ads[0] == '\0') {
		*cause = xasprintf("\"%s\": expected a ws:// or wss:// URL with a host (ws://10.0.0.5:7000)",
		    url);
		rc = -1;
	}
	free(copy);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
fleet_agents(const char *urls, const char *dns, int *n, char **cause)
{
	char **list = NULL;
	int cap = 0, k = 0;

	*n = 0;
	if (urls != NULL) {
		/* separated as the config's check separates them: commas, spaces, tabs */
		char *copy = xstrdup(urls), *save = NULL;
		for (char *u = strtok_r(copy, ", \t", &save); u != NULL; u = strtok_r(NULL, ", \t", &save)) {
			if (fleet_check_url(u, cause) != 0) {
				free(copy);
				fleet_agents_free(list, k);
				return NULL;
			}
			if (k == cap)
				list = xreallocarray(list, (size_t)(cap = cap ? cap * 2 : 8), sizeof *list);
			list[k++] = xstrdup(u);
		}
		free(copy);
	}
	if (dns != NULL && dns[0] != '\0') {
		char *host = xstrdup(dns), *port = strrchr(host, ':');
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
		int rc;
		if (port == NULL || port[1] == '\0') {
			*cause = xasprintf("agents.dns \"%s\": expected NAME:PORT", dns);
			free(host);
			fleet_agents_free(list, k);
			return NULL;
		}
		*port++ = '\0';
		if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
			*cause = xasprintf("agents.dns \"%s\": %s", dns, gai_strerror(rc));
			free(host);
			fleet_agents_free(list, k);
			return NULL;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			char addr[INET6_ADDRSTRLEN];
			const void *src = ai->ai_family == AF_INET6 ?
			    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
			    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
			if (inet_ntop(ai->ai_family, src, addr, sizeof addr) == NULL)
				continue;
			if (k == cap)
				list = xreallocarray(list, (size_t)(cap = cap ? cap * 2 : 8), sizeof *list);
			list[k++] = ai->ai_family == AF_INET6 ? xasprintf("ws://[%s]:%s/", addr, port) :
			    xasprintf("ws://%s:%s/", addr, port);
		}
		freeaddrinfo(res);
		free(host);
	}
	if (k == 0) {
		*cause = xstrdup("no agent is configured (agents.urls, agents.dns)");
		free(list);
		return NULL;
	}
	/* sorted, so that the same agents get the same segments whatever order DNS answers in */
	qsort(list, (size_t)k, sizeof *list, cmp_str);
	int w = 0;
	for (int i = 0; i < k; i++) {
		if (w > 0 && strcmp(list[w - 1], list[i]) == 0) {
			free(list[i]);
			continue;
		}
		list[w++] = list[i];
	}
	*n = w;
	return list;
}

char *
fleet_read_token(const char *path, char **cause)
{
	FILE *fp;
	struct stat st;
	char line[1024];
	char *tok = NULL;

	if (path == NULL) {
		*cause = xstrdup("agents.token_file is not set: the agents need a token");
		return NULL;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		*cause = xasprintf("agents.token_file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & S_IROTH)) {
		*cause = xasprintf("agents.token_file %s is readable by every user (chmod 600)", path);
		fclose(fp);
		return NULL;
	}
	while (tok == NULL && fgets(line, sizeof line, fp) != NULL) {
		char *b = line, *e;
		while (*b == ' ' || *b == '\t')
			b++;
		e = b + strlen(b);
		while (e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*b != '\0' && *b != '#')
			tok = xstrdup(b);
	}
	fclose(fp);
	if (tok == NULL)
		*cause = xasprintf("agents.token_file %s holds no token", path);
	return tok;
}

void
fleet_agents_free(char **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* ---- the side threads' reports (any thread in; the fleet thread takes them) */

static void fail(struct fleet *f, char *why);

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
static void
side_take(struct fleet *f, int64_t upto, bool drop_scrapes)
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
static void
side_start(struct fleet *f, int64_t t0)
{
	struct side_sink side = { .monitor = side_monitor, .event = side_event, .state = side_state,
	    .arg = f };
	char *cause = NULL;

	if (timed_start(f->plan, t0, &side, f->env.allow_addr, f->env.allow_arg, &f->timed,
	    &cause) != 0 ||
	    scrape_start(f->plan, t0, &side, f->env.allow_addr, f->env.allow_arg, &f->scrape,
	    &cause) != 0)
		fail(f, cause);
}

/* Stops and joins them (the fleet thread, once the agents are done). */
static void
side_stop(struct fleet *f)
{
	timed_stop(f->timed);
	f->timed = NULL;
	scrape_stop(f->scrape);
	f->scrape = NULL;
}

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
	side_take(f, f->emit_next, false);
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
static void
try_emit(struct fleet *f, bool all)
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

static void lose(struct fleet *f, int i, const char *why);

/* Agent i's tick. One that is out of order or cannot be read breaks the protocol: the agent is
   dropped (lost, by the test's agentLoss) rather than believed for any later second. */
static void
got_tick(struct fleet *f, int i, json_t *msg)
{
	struct agent *x = &f->a[i];
	json_t *sv = json_object_get(msg, "second"), *r;
	int64_t s;
	char *cause = NULL, *why;
	struct pend *p = NULL;

	if (!json_is_integer(sv) || (s = json_integer_value(sv)) != x->next_second) {
		why = xasprintf("sent a tick out of order (second %lld was due)", (long long)x->next_second);
		lose(f, i, why);
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
		lose(f, i, why);
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
		/* again, into the second's sum: agent_msg_tick_add adds gauges (VUs) where tick_merge
		   would keep the larger */
		if (agent_msg_tick_add(f->plan, msg, p->acc, &cause) != 0) {
			free(cause);   /* cannot happen: the same message read once already */
			p->short_share = true;
		}
	}
	x->next_second = s + 1;
	x->st = AG_RUNNING;
	r = json_object_get(json_object_get(msg, "total"), "requests");
	if (json_is_integer(r))
		x->requests += (uint64_t)json_integer_value(r);
}

/* ---- the run's course */

/* Ends the fleet's service loop (every agent done or lost, or the run failed before starting). */
static void
finish(struct fleet *f)
{
	if (f->finished)
		return;
	f->finished = true;
	try_emit(f, true);
	if (f->start_sent)
		atomic_store(&f->end_mono, clock_now_ns());
	link_quit(f->link);
}

/* The run fails: why (taken; the first reason is kept, and the run manager logs it with the run's
   end). Before the start nothing has run: the loop ends; after it every agent is told to stop. */
static void
fail(struct fleet *f, char *why)
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
			link_send(f->link, i, json_pack("{s:s}", "type", "force_stop"));
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
	wall = link_wall_ns();
	mono = clock_now_ns();
	for (int i = 0; i < f->n; i++) {
		link_send(f->link, i, json_pack("{s:s, s:I}", "type", "start",
		    "at_ns", (json_int_t)(wall + lead + f->a[i].offset_ns)));
		f->a[i].st = AG_STARTING;
		f->a[i].last_msg_ns = mono;
	}
	f->start_sent = true;
	atomic_store(&f->start_mono, mono + lead);
	side_start(f, mono + lead);
	log_info("fleet: %d agent%s start in %lld ms", f->n, f->n == 1 ? "" : "s",
	    (long long)(lead / CLOCK_NS_PER_MS));
}

static void
on_open(void *arg, int i)
{
	struct fleet *f = arg;

	if (!f->finished && f->a[i].st == AG_CONNECTING)
		f->a[i].st = AG_HELLO;
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
		fail(f, xasprintf("agent %s refused the definition: %s: %s%s", x->url,
		    json_string_value(json_object_get(e0, "field")) ?: "definition",
		    json_string_value(json_object_get(e0, "message")) ?: "invalid",
		    json_array_size(errs) > 1 ? " (and more)" : ""));
		return;
	}
	fail(f, xasprintf("agent %s: %s%s%s", x->url, field != NULL ? field : "",
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
			fail(f, xasprintf("agent %s speaks protocol %lld; this daemon speaks %d", x->url,
			    json_is_integer(pv) ? (long long)json_integer_value(pv) : -1LL,
			    AGENT_PROTOCOL_VERSION));
			return;
		}
		free(x->version);
		x->version = xstrdup(json_string_value(json_object_get(msg, "version")) ?: "?");
		x->cores = (int)json_integer_value(json_object_get(msg, "cores"));
		x->st = AG_TIMING;
		x->t0 = link_wall_ns();
		link_send(f->link, i, json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)x->t0));
	} else if (strcmp(type, "time") == 0 && x->st == AG_TIMING) {
		int64_t off, delay;
		json_t *t1 = json_object_get(msg, "t1"), *t2 = json_object_get(msg, "t2");
		if (!json_is_integer(t1) || !json_is_integer(t2)) {
			fail(f, xasprintf("agent %s: a time answer without t1 and t2", x->url));
			return;
		}
		if (json_integer_value(t2) < json_integer_value(t1) ||
		    llabs(json_integer_value(t1) - x->t0) > CLOCK_SANE_NS ||
		    llabs(json_integer_value(t2) - t3) > CLOCK_SANE_NS) {
			fail(f, xasprintf("agent %s: its clock answer is not believable (t1 %lld, t2 %lld: "
			    "more than a day off, or answered before asked)", x->url,
			    (long long)json_integer_value(t1), (long long)json_integer_value(t2)));
			return;
		}
		agent_clock_offset(x->t0, json_integer_value(t1), json_integer_value(t2), t3, &off, &delay);
		if (delay < 0)
			delay = 0;   /* the clocks' resolution: the answer was as fast as can be told */
		if (x->ntime == 0 || delay < x->delay_ns) {
			x->offset_ns = off;
			x->delay_ns = delay;
		}
		if (++x->ntime < FLEET_TIME_EXCHANGES) {
			x->t0 = link_wall_ns();
			link_send(f->link, i, json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)x->t0));
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
		x->st = AG_PREPARING;
		link_send(f->link, i, prep);
	} else if (strcmp(type, "prepared") == 0 && x->st == AG_PREPARING) {
		free(x->segment);
		x->segment = xstrdup(json_string_value(json_object_get(msg, "segment")) ?: "0:1");
		x->st = AG_PREPARED;
		if (all_prepared(f) && !f->start_sent && atomic_load(&f->stop_req) == 0)
			start_all(f);
	} else if (strcmp(type, "starting") == 0) {
		/* the agent sleeps until the instant; its ticks follow */
	} else if (strcmp(type, "tick") == 0 && (x->st == AG_STARTING || x->st == AG_RUNNING)) {
		got_tick(f, i, msg);
		try_emit(f, false);
	} else if (strcmp(type, "done") == 0 && f->start_sent) {
		const char *err = json_string_value(json_object_get(msg, "error"));
		x->started = json_is_true(json_object_get(msg, "started"));
		x->interrupted = json_is_true(json_object_get(msg, "interrupted"));
		json_decref(x->summary);
		x->summary = json_incref(json_object_get(msg, "summary"));
		x->st = AG_DONE;
		if (err != NULL)
			fail(f, xasprintf("agent %s: %s", x->url, err));
		try_emit(f, false);
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
			x->st = AG_CONNECTING;
			x->retry_ns = clock_now_ns() + RETRY_NS;
			return;
		}
		x->st = AG_LOST;
		fail(f, xasprintf("agent %s: %s", x->url, why));
		return;
	}
	x->st = AG_LOST;
	x->lost_second = x->next_second;
	json_array_append_new(f->lost, json_pack("{s:s, s:I, s:s}", "url", x->url, "second",
	    (json_int_t)x->next_second, "why", why));
	log_warn("fleet: agent %s lost at second %lld: %s", x->url, (long long)x->next_second, why);
	for (int k = 0; k < f->n; k++)
		lost += f->a[k].st == AG_LOST;
	if (lost == f->n)
		fail(f, xasprintf("every agent was lost (the last, %s, at second %lld: %s)", x->url,
		    (long long)x->next_second, why));
	else if (f->loss_fails)
		fail(f, xasprintf("agent %s was lost at second %lld (%s); the test's agentLoss is \"fail\"",
		    x->url, (long long)x->next_second, why));
	f->degraded = true;
	try_emit(f, false);
	maybe_done(f);
}

static void
on_close(void *arg, int i, int code, const char *why)
{
	gone(arg, i, code, why);
}

/* Drops agent i for breaking the protocol: closes it, and it is lost. */
static void
lose(struct fleet *f, int i, const char *why)
{
	link_close(f->link, i);
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
	side_take(f, -1, false);   /* events now; scrapes wait for their second */
	if (stop > 0 && !f->start_sent) {
		/* stopped before the start: nothing ran */
		finish(f);
		return;
	}
	if (stop > f->stop_sent_level) {
		for (int i = 0; i < f->n; i++)
			if (f->a[i].st == AG_STARTING || f->a[i].st == AG_RUNNING)
				link_send(f->link, i, json_pack("{s:s}", "type", stop == 2 ? "force_stop" : "stop"));
		f->stop_sent_level = stop;
		if (f->stop_ns == 0)
			f->stop_ns = now;
	}
	if (!f->start_sent && now - f->begin_ns > (int64_t)f->connect_timeout_ms * CLOCK_NS_PER_MS) {
		for (int i = 0; i < f->n; i++)
			if (f->a[i].st < AG_PREPARED) {
				fail(f, xasprintf("agent %s did not prepare within %d ms (it was %s%s%s)", f->a[i].url,
				    f->connect_timeout_ms, ag_state_names[f->a[i].st], f->a[i].why != NULL ? ": " : "",
				    f->a[i].why != NULL ? f->a[i].why : ""));
				return;
			}
	}
	for (int i = 0; i < f->n && !f->start_sent; i++)
		if (f->a[i].retry_ns != 0 && now >= f->a[i].retry_ns) {
			f->a[i].retry_ns = 0;
			link_connect(f->link, i);
		}
	if (f->start_sent) {
		for (int i = 0; i < f->n; i++) {
			struct agent *x = &f->a[i];
			bool silent = (x->st == AG_STARTING || x->st == AG_RUNNING) &&
			    now - x->last_msg_ns > SILENT_NS + (x->st == AG_STARTING ? 5 * CLOCK_NS_PER_S : 0);
			bool overdue = f->stop_ns != 0 && now - f->stop_ns > f->stop_wait_ns &&
			    x->st != AG_DONE && x->st != AG_LOST;
			if (silent || overdue)
				lose(f, i, silent ? "sent nothing for 30 s" : "not done in time after the stop");
		}
		try_emit(f, false);
	}
}

/* The agents' phase histograms (in their done summaries) into the whole run's. */
static void
merge_phases(struct fleet *f)
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

/* The fleet thread. */
static void *
fleet_main(void *arg)
{
	struct fleet *f = arg;
	char *cause = NULL;
	struct link_ops ops = { .on_open = on_open, .on_message = on_message, .on_close = on_close,
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
	for (int i = 0; i < f->n; i++) {
		f->a[i].url = f->list[i];
		f->a[i].lost_second = -1;
	}
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
		struct link *l = link_new(f->list, f->n, f->token, f->ca_file, &ops, &cause);
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
	link_connect_all(f->link);
	link_run(f->link);
	if (!f->finished) {
		/* the service loop broke (libwebsockets failed): whatever came is kept, the run fails */
		if (f->error == NULL)
			f->error = xstrdup("libwebsockets' service failed: the agents were left");
		f->finished = true;
		try_emit(f, true);
		if (f->start_sent)
			atomic_store(&f->end_mono, clock_now_ns());
	}
	/* the agents are done: so are the monitors and timed events; what they gave meanwhile */
	side_stop(f);
	side_take(f, -1, true);
	{
		/* the agents are free for the next controller now, not when the run is recorded */
		struct link *l = f->link;
		pthread_mutex_lock(&f->link_lock);
		f->link = NULL;
		pthread_mutex_unlock(&f->link_lock);
		link_free(l);
	}
	if (f->start_sent)
		merge_phases(f);
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
	side_stop(f);
	side_take(f, -1, true);
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
		link_wake(f->link);   /* without a link, the fleet thread reads stop_req itself */
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
	link_free(f->link);   /* NULL unless fleet_main failed before taking it down */
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
	while (f->side_head != NULL) {
		struct side_item *it = f->side_head;
		f->side_head = it->next;
		side_item_free(it);
	}
	pthread_mutex_destroy(&f->side_mu);
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
