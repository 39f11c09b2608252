/*
 * events: the definition's `events`, timed markers of a run, each optionally with a request sent at
 * that moment (a reload, a deploy hook): [{"at": "30s", "name": "reload", "request": {"method":
 * "POST", "url": "http://127.0.0.1:8000/admin/reload", "timeout": "10s"}}]. Parsed like the rest of
 * the definition, on the caller's thread, errors at their JSON path; the request's origin goes
 * through the target allowlist hook as every request of the plan does.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "testdef/testdef_priv.h"

static const char *const event_keys[] = { "at", "name", "request", NULL };
static const char *const request_keys[] = { "method", "url", "timeout", NULL };

int
testdef_event_name_check(const char *s, size_t n, const char **why)
{
	if (n < 1 || n > PLAN_EVENT_NAME_MAX) {
		*why = "a name of 1 to 64 characters";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f) {
			*why = "a name of printable characters (no control characters)";
			return -1;
		}
	}
	return 0;
}

/* Orders events by time (stable for equal times: by index). */
static int
by_time(const void *a, const void *b)
{
	const struct plan_event *x = a, *y = b;

	return x->at_ns < y->at_ns ? -1 : x->at_ns > y->at_ns;
}

/* The request of one event. */
static void
event_request(struct walk *c, json_t *req, struct plan_event *ev)
{
	const char *const *lists[] = { request_keys };
	const char *method = "POST", *url = NULL, *why;
	size_t n, olen;
	int64_t t;

	if (!json_is_object(req)) {
		walk_expected(c, "request", "an object like {\"method\": \"POST\", \"url\": \"http://...\"}",
		    req);
		return;
	}
	size_t old = walk_key(c, "request");
	walk_check_keys(c, req, lists, 1, -1);
	if (walk_get_string(c, req, "method", 1, &method) == 1 &&
	    !request_is_token(method, strlen(method))) {
		walk_expected(c, "method", "an HTTP method like \"POST\"", json_object_get(req, "method"));
		method = NULL;
	}
	ev->timeout_ns = 10 * 1000000000LL;
	if (walk_get_duration(c, req, "timeout", 1, 60 * 1000000000LL, &t) == 1)
		ev->timeout_ns = t;
	if (walk_get_string(c, req, "url", 1, &url) == 0)
		walk_missing(c, "url", "an absolute http:// or https:// URL", "an event's request");
	if (url != NULL) {
		n = strlen(url);
		if ((olen = request_url_origin(url, n, &why)) == 0) {
			walk_expected(c, "url", why, json_object_get(req, "url"));
			url = NULL;
		} else {
			request_check_target(c, "url", url, olen);
		}
	}
	if (method != NULL && url != NULL) {
		ev->method = xstrdup(method);
		ev->url = xstrdup(url);
	}
	walk_pop(c, old);
}

void
events_parse(struct walk *c, json_t *root)
{
	const char *const *lists[] = { event_keys };
	json_t *list = json_object_get(root, "events"), *obj;
	struct plan *p = c->plan;
	size_t i;

	if (list == NULL)
		return;
	if (!json_is_array(list)) {
		walk_expected(c, "events", "an array of {\"at\", \"name\", \"request\"}", list);
		return;
	}
	if (json_array_size(list) > PLAN_MAX_EVENTS) {
		walk_err_key(c, "events", "at most %d events, got %zu", PLAN_MAX_EVENTS,
		    json_array_size(list));
		return;
	}
	size_t at_events = walk_key(c, "events");
	p->events = xcalloc(json_array_size(list) + 1, sizeof *p->events);
	json_array_foreach(list, i, obj) {
		struct plan_event ev = { 0 };
		const char *name = NULL, *why;
		size_t old = walk_index(c, i);

		if (!json_is_object(obj)) {
			walk_expected(c, NULL, "an object like {\"at\": \"30s\", \"name\": \"reload\"}", obj);
			walk_pop(c, old);
			continue;
		}
		walk_check_keys(c, obj, lists, 1, -1);
		if (walk_get_duration(c, obj, "at", 0, PLAN_MAX_STAGE_NS, &ev.at_ns) == 0)
			walk_missing(c, "at", WALK_DURATION_LIKE, "an event");
		else if (p->max_end_ns > 0 && ev.at_ns >= p->max_end_ns)
			walk_err_key(c, "at", "the event would come after the run's end");
		if (walk_get_string(c, obj, "name", 1, &name) == 0)
			walk_missing(c, "name", "a name like \"reload\"", "an event");
		else if (name != NULL && testdef_event_name_check(name, strlen(name), &why) != 0) {
			walk_expected(c, "name", why, json_object_get(obj, "name"));
			name = NULL;
		}
		if (json_object_get(obj, "request") != NULL)
			event_request(c, json_object_get(obj, "request"), &ev);
		if (name != NULL) {
			ev.name = xstrdup(name);
			p->events[p->nevents++] = ev;
		} else {
			free(ev.method);
			free(ev.url);
		}
		walk_pop(c, old);
	}
	walk_pop(c, at_events);
	qsort(p->events, (size_t)p->nevents, sizeof *p->events, by_time);
}
