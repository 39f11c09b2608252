/*
 * fleet_probe: see fleet.h. The API's agent list: each agent's hello and clock, read over a short
 * connection of its own on the caller's thread (an agent takes one controller at a time, so an agent
 * in a run answers "busy").
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "engine/agent_msg.h"
#include "engine/fleet.h"
#include "engine/fleet_link.h"

#define PROBE_EXCHANGES 3

struct probe_agent {
	json_t *row;               /* the agent's entry */
	int ntime;
	int64_t t0, offset, delay;
	bool finished;
};

struct probe {
	struct fleet_link *link;
	struct probe_agent *a;
	int n;
	int64_t deadline;
};

/* Agent i is known: stop talking to it; the probe ends when every agent is. */
static void
settle(struct probe *p, int i)
{
	p->a[i].finished = true;
	for (int k = 0; k < p->n; k++)
		if (!p->a[k].finished)
			return;
	fleet_link_quit(p->link);
}

static void
on_open(void *arg, int i)
{
	(void)arg;
	(void)i;
}

static void
on_message(void *arg, int i, json_t *msg, int64_t t3)
{
	struct probe *p = arg;
	struct probe_agent *x = &p->a[i];
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (x->finished)
		return;
	if (strcmp(type, "hello") == 0) {
		json_object_set(x->row, "state", json_object_get(msg, "state"));
		json_object_set(x->row, "version", json_object_get(msg, "version"));
		json_object_set(x->row, "cores", json_object_get(msg, "cores"));
		json_object_set(x->row, "protocol", json_object_get(msg, "protocol"));
		x->t0 = fleet_link_wall_ns();
		fleet_link_send(p->link, i, json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)x->t0));
	} else if (strcmp(type, "time") == 0) {
		int64_t off, delay;
		char *why = NULL;
		if (agent_msg_time_read(msg, x->t0, t3, &off, &delay, &why) != 0) {
			/* the same answer would end a run: say so here rather than show a made-up offset */
			json_object_set_new(x->row, "error", json_string(why));
			free(why);
			fleet_link_close(p->link, i);
			settle(p, i);
			return;
		}
		if (x->ntime == 0 || delay < x->delay) {
			x->offset = off;
			x->delay = delay;
		}
		if (++x->ntime < PROBE_EXCHANGES) {
			x->t0 = fleet_link_wall_ns();
			fleet_link_send(p->link, i, json_pack("{s:s, s:I}", "type", "time", "t0", (json_int_t)x->t0));
			return;
		}
		json_object_set_new(x->row, "clock_offset_ms", json_real((double)x->offset / 1e6));
		json_object_set_new(x->row, "delay_ms", json_real((double)x->delay / 1e6));
		fleet_link_close(p->link, i);
		settle(p, i);
	}
}

static void
on_close(void *arg, int i, int code, const char *why)
{
	struct probe *p = arg;
	struct probe_agent *x = &p->a[i];

	if (x->finished)
		return;
	json_object_set_new(x->row, "state", json_string(code == 4401 ? "unauthorized" :
	    code == 1013 ? "busy" : code != 0 ? "refused" : "unreachable"));
	json_object_set_new(x->row, "error", json_string(why));
	settle(p, i);
}

static void
on_timer(void *arg)
{
	struct probe *p = arg;

	if (clock_now_ns() < p->deadline)
		return;
	for (int i = 0; i < p->n; i++)
		if (!p->a[i].finished) {
			if (json_object_get(p->a[i].row, "state") == NULL ||
			    json_is_null(json_object_get(p->a[i].row, "state")))
				json_object_set_new(p->a[i].row, "state", json_string("unreachable"));
			json_object_set_new(p->a[i].row, "error", json_string("no answer in time"));
			p->a[i].finished = true;
		}
	fleet_link_quit(p->link);
}

json_t *
fleet_probe(const char *urls, const char *dns, const char *token, const char *ca_file,
    int timeout_ms, char **cause)
{
	struct probe p = { 0 };
	struct fleet_link_ops ops = { .on_open = on_open, .on_message = on_message, .on_close = on_close,
	    .on_timer = on_timer, .arg = &p };
	char **list;
	int n;
	json_t *out, *rows;

	if ((list = fleet_agents(urls, dns, &n, cause)) == NULL)
		return NULL;
	p.n = n;
	p.a = xcalloc((size_t)n, sizeof *p.a);
	rows = json_array();
	for (int i = 0; i < n; i++) {
		p.a[i].row = json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n, s:n}", "url", list[i], "state",
		    "version", "cores", "protocol", "clock_offset_ms", "delay_ms", "error");
		json_array_append(rows, p.a[i].row);
	}
	p.deadline = clock_now_ns() + (int64_t)timeout_ms * CLOCK_NS_PER_MS;
	if ((p.link = fleet_link_new(list, n, token, ca_file, &ops, cause)) == NULL) {
		json_decref(rows);
		out = NULL;
		goto done;
	}
	fleet_link_connect_all(p.link);
	fleet_link_run(p.link);
	fleet_link_free(p.link);
	out = json_pack("{s:o}", "agents", rows);
done:
	for (int i = 0; i < n; i++)
		json_decref(p.a[i].row);
	free(p.a);
	fleet_agents_free(list, n);
	return out;
}
