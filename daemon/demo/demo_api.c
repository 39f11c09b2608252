/*
 * demo_api: the routes of `rampage demo-target`, served by libmicrohttpd with a pool of epoll threads
 * sharing one listening socket. Threads: MHD's pool threads run every function here but start/stop.
 *
 * Hot path: fixed bodies (health, worker, the user list, errors) are MHD responses built once at start
 * from persistent buffers and queued again and again (MHD refcounts them); only routes whose body
 * varies build a response per request. Requests without a body carry no allocation at all: their
 * per-request pointer is a marker. A delayed answer is decided at once, then the connection is
 * suspended and demo_timer resumes it at the deadline, so no pool thread ever sleeps. Answers are
 * queued on MHD's second handler call (or later), which keeps keep-alive connections open.
 *
 * Order of decisions for one request: route → knob syntax (400) → auth (401) → injected error (500)
 * → the route's answer → ?status / ?bytes override → delay (global latency + jitter, then
 * ?delay_ms + ?jitter_ms).
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "demo/demo_extra.h"
#include "demo/demo_priv.h"

#define BODY_MAX        (64 * 1024) /* request bodies of JSON routes */
#define FILL_BLOCK      (64 * 1024) /* ?bytes= bodies up to this are one static buffer */
#define IDLE_TIMEOUT_S  60

enum knob { KNOB_DELAY_MS, KNOB_JITTER_MS, KNOB_STATUS, KNOB_BYTES, KNOB_COUNT };

static const struct knob_def {
	const char *name;
	long min, max;
} knob_defs[KNOB_COUNT] = {
	[KNOB_DELAY_MS] = { "delay_ms", 0, DEMO_MAX_DELAY_MS },
	[KNOB_JITTER_MS] = { "jitter_ms", 0, DEMO_MAX_DELAY_MS },
	[KNOB_STATUS] = { "status", 100, 599 },
	[KNOB_BYTES] = { "bytes", 0, DEMO_MAX_BYTES },
};

/* Which methods a path allows, for 405 answers. */
enum allow { ALLOW_GET, ALLOW_GET_POST, ALLOW_POST, ALLOW_COUNT };
static const char *const allow_values[ALLOW_COUNT] = { "GET, HEAD", "GET, HEAD, POST", "POST" };

struct demo_api {
	const struct demo_opts *opts;
	struct MHD_Daemon *mhd;
	struct demo_state *state;
	struct demo_timer *timer;
	struct demo_tasks *tasks;
	struct demo_misbehave *mb; /* reloads, leak, task worker, /metrics */
	struct demo_capacity *capacity;    /* --capacity; NULL: no limit */
	/* built at start, read-only afterwards */
	char *worker_body, *users_body;
	struct MHD_Response *health, *worker, *users, *not_found, *no_user, *unauthorized, *bad_login,
	    *injected, *too_large, *bad_type, *reset, *empty, *interim;
	struct MHD_Response *bad_knob[KNOB_COUNT];
	struct MHD_Response *bad_method[ALLOW_COUNT];
};

/* One request that needs memory: a POST body, or an answer waiting for its deadline. */
struct req {
	char *body;
	size_t len;
	int too_large;             /* the body went past BODY_MAX; the rest was dropped */
	int suspended;             /* waiting in demo_timer; answer below on resume */
	int in_service;            /* holds a slot of api->capacity until answered */
	unsigned status;
	struct MHD_Response *resp;
	int owned;                 /* resp was built for this request: destroy after queuing */
};

/* What a request is answered. */
struct answer {
	unsigned status;
	struct MHD_Response *resp;
	int owned;
};

/* The per-request pointer of a request that needs no memory. */
static char headers_seen;

/* Bytes of ?bytes= bodies. */
static char fill_block[FILL_BLOCK];

/* ---- randomness: one xorshift64* state per thread, seeded from the kernel ---- */

static __thread uint64_t rng_state;

/* Next pseudo-random 64 bits of this thread. */
static uint64_t
rand64(void)
{
	if (rng_state == 0) {
		while (getrandom(&rng_state, sizeof rng_state, 0) != sizeof rng_state)
			;
		rng_state |= 1;
	}
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform integer in 0..n. */
static int
rand_upto(int n)
{
	return n > 0 ? (int)(rand64() % ((uint64_t)n + 1)) : 0;
}

/* Uniform double in [0, 1). */
static double
rand_unit(void)
{
	return (double)(rand64() >> 11) * 0x1.0p-53;
}

/* ---- responses ---- */

/* Add the headers every JSON answer carries. */
static struct MHD_Response *
with_headers(const struct demo_api *api, struct MHD_Response *r, const char *type)
{
	assert(r != NULL);
	if (type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Served-By", api->opts->node_id);
	return r;
}

/* A JSON response over a buffer that outlives it (a string literal or a body built at start). */
static struct MHD_Response *
fixed_json(const struct demo_api *api, const char *body)
{
	return with_headers(api, MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT), "application/json");
}

/* A JSON response over a copy of body. */
static struct answer
copied_json(const struct demo_api *api, unsigned status, const char *body, size_t len)
{
	return (struct answer){ status, with_headers(api, MHD_create_response_from_buffer(len,
	    (void *)body, MHD_RESPMEM_MUST_COPY), "application/json"), 1 };
}

/* A JSON response that takes body (malloc'ed; MHD frees it). */
static struct answer
taken_json(const struct demo_api *api, unsigned status, char *body)
{
	return (struct answer){ status, with_headers(api, MHD_create_response_from_buffer(strlen(body),
	    body, MHD_RESPMEM_MUST_FREE), "application/json"), 1 };
}

/* A 400 whose message varies (bad request bodies only, so allocation is fine). */
static struct answer
bad_request(const struct demo_api *api, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *obj = json_pack("{s:s}", "error", msg);
	char *body = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (body == NULL)
		body = xstrdup("{\"error\":\"bad request\"}");
	return taken_json(api, MHD_HTTP_BAD_REQUEST, body);
}

/* Content reader of ?bytes= bodies above FILL_BLOCK; cls is the total size. */
static ssize_t
fill(void *cls, uint64_t pos, char *buf, size_t max)
{
	uint64_t total = (uint64_t)(uintptr_t)cls;
	size_t n = total - pos < max ? (size_t)(total - pos) : max;

	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	memset(buf, 'x', n);
	return (ssize_t)n;
}

/* A body of exactly n bytes. */
static struct MHD_Response *
sized_body(const struct demo_api *api, long n)
{
	struct MHD_Response *r;

	if (n <= FILL_BLOCK)
		r = MHD_create_response_from_buffer((size_t)n, fill_block, MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_callback((uint64_t)n, FILL_BLOCK, fill, (void *)(uintptr_t)n,
		    NULL);
	return with_headers(api, r, "application/octet-stream");
}

/* Drop an answer that will not be sent. */
static void
discard(struct answer *a)
{
	if (a->owned)
		MHD_destroy_response(a->resp);
	a->resp = NULL;
	a->owned = 0;
}

/* ---- request parsing ---- */

/* Strict non-negative decimal (no sign, no spaces, no leading zeros) into *v; -1 if not one. */
static int
parse_uint(const char *s, long max, long *v)
{
	long n = 0;

	if (s == NULL || s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > max)
			return -1;
	}
	*v = n;
	return 0;
}

struct knobs {
	long value[KNOB_COUNT];
	unsigned given;            /* bit per knob */
	int bad;                   /* first invalid knob, or -1 */
};

/* Collect one query argument into the knobs. */
static enum MHD_Result
on_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct knobs *k = cls;

	for (int i = 0; i < KNOB_COUNT; i++) {
		if (strcmp(key, knob_defs[i].name) != 0)
			continue;
		if (parse_uint(value, knob_defs[i].max, &k->value[i]) != 0 || k->value[i] < knob_defs[i].min) {
			if (k->bad < 0)
				k->bad = i;
		} else {
			k->given |= 1u << i;
		}
	}
	return MHD_YES;
}

/* Match a method and path to a route; for a known path with the wrong method, *wrong_method is set. */
static enum demo_route
route_of(const char *method, const char *url, const char **id, int *wrong_method)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;

	*wrong_method = -1;
	*id = NULL;
	if (strncmp(url, "/api/", 5) != 0)
		return DEMO_ROUTE_OTHER;
	url += 5;
	if (strcmp(url, "health") == 0) {
		if (get)
			return DEMO_ROUTE_HEALTH;
		*wrong_method = ALLOW_GET;
	} else if (strcmp(url, "health/worker") == 0) {
		if (get)
			return DEMO_ROUTE_HEALTH_WORKER;
		*wrong_method = ALLOW_GET;
	} else if (strcmp(url, "users") == 0) {
		if (get)
			return DEMO_ROUTE_USERS_LIST;
		if (post)
			return DEMO_ROUTE_USERS_CREATE;
		*wrong_method = ALLOW_GET_POST;
	} else if (strncmp(url, "users/", 6) == 0 && url[6] != '\0' && strchr(url + 6, '/') == NULL) {
		if (get) {
			*id = url + 6;
			return DEMO_ROUTE_USERS_GET;
		}
		*wrong_method = ALLOW_GET;
	} else if (strcmp(url, "auth/login") == 0) {
		if (post)
			return DEMO_ROUTE_LOGIN;
		*wrong_method = ALLOW_POST;
	} else if (strcmp(url, "tasks") == 0) {
		if (post)
			return DEMO_ROUTE_TASKS;
		*wrong_method = ALLOW_POST;
	} else if (strncmp(url, "tasks/", 6) == 0 && url[6] != '\0' && strchr(url + 6, '/') == NULL) {
		if (get) {
			*id = url + 6;
			return DEMO_ROUTE_TASKS_GET;
		}
		*wrong_method = ALLOW_GET;
	} else if (strcmp(url, "stats") == 0) {
		if (get)
			return DEMO_ROUTE_STATS;
		*wrong_method = ALLOW_GET;
	} else if (strcmp(url, "stats/reset") == 0) {
		if (post)
			return DEMO_ROUTE_STATS_RESET;
		*wrong_method = ALLOW_POST;
	} else if (strncmp(url, "redirect/", 9) == 0 && url[9] != '\0' && strchr(url + 9, '/') == NULL) {
		*id = url + 9;             /* any method: a redirect does not care */
		return DEMO_ROUTE_REDIRECT;
	}
	return DEMO_ROUTE_OTHER;
}

/* Whether the request says its body is JSON ("application/json", parameters allowed). */
static int
is_json(struct MHD_Connection *conn)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");

	return type != NULL && strncasecmp(type, "application/json", n) == 0 &&
	    (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Parse a JSON object body, or answer 400/413 in *a and return NULL. */
static json_t *
json_body(const struct demo_api *api, struct MHD_Connection *conn, const struct req *req,
    struct answer *a)
{
	json_error_t err;
	json_t *root;

	if (!is_json(conn)) {
		*a = (struct answer){ MHD_HTTP_BAD_REQUEST, api->bad_type, 0 };
		return NULL;
	}
	if (req->too_large) {
		*a = (struct answer){ MHD_HTTP_CONTENT_TOO_LARGE, api->too_large, 0 };
		return NULL;
	}
	root = json_loadb(req->body != NULL ? req->body : "", req->len, 0, &err);
	if (root == NULL) {
		*a = bad_request(api, "invalid JSON at line %d, column %d: %s", err.line, err.column, err.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		*a = bad_request(api, "expected a JSON object");
		return NULL;
	}
	return root;
}

/* A string field of 1..DEMO_USER_FIELD_MAX bytes, or NULL. */
static const char *
string_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > DEMO_USER_FIELD_MAX)
		return NULL;
	return json_string_value(v);
}

/* ---- routes ---- */

/* GET /api/users/{id}. */
static struct answer
get_user(struct demo_api *api, const char *id_text)
{
	char body[2048];
	long id;

	if (parse_uint(id_text, INT32_MAX, &id) != 0 ||
	    demo_state_user_json(api->state, id, body, sizeof body) != 0)
		return (struct answer){ MHD_HTTP_NOT_FOUND, api->no_user, 0 };
	return copied_json(api, MHD_HTTP_OK, body, strlen(body));
}

/* POST /api/users. */
static struct answer
create_user(struct demo_api *api, struct MHD_Connection *conn, const struct req *req)
{
	struct answer a;
	json_t *root = json_body(api, conn, req, &a);
	const char *name, *email;
	char location[64];

	if (root == NULL)
		return a;
	if ((name = string_field(root, "name")) == NULL)
		a = bad_request(api, "field \"name\" must be a string of 1 to %d bytes",
		    DEMO_USER_FIELD_MAX);
	else if ((email = string_field(root, "email")) == NULL || strchr(email, '@') == NULL)
		a = bad_request(api, "field \"email\" must be a string of 1 to %d bytes with an @",
		    DEMO_USER_FIELD_MAX);
	else {
		int64_t id = demo_state_user_create(api->state, name, email);
		json_t *user = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "name", name, "email", email);
		a = taken_json(api, MHD_HTTP_CREATED, json_dumps(user, JSON_COMPACT));
		json_decref(user);
		snprintf(location, sizeof location, "/api/users/%lld", (long long)id);
		MHD_add_response_header(a.resp, MHD_HTTP_HEADER_LOCATION, location);
	}
	json_decref(root);
	return a;
}

/* GET|POST /api/redirect/{n}: 302 to /api/redirect/{n-1}, /api/redirect/1 to /api/health. */
static struct answer
redirect(struct demo_api *api, const char *n_text)
{
	char body[96], location[48];
	long n;
	struct answer a;

	if (parse_uint(n_text, DEMO_REDIRECT_MAX, &n) != 0 || n < 1)
		return (struct answer){ MHD_HTTP_NOT_FOUND, api->not_found, 0 };
	if (n == 1)
		snprintf(location, sizeof location, "/api/health");
	else
		snprintf(location, sizeof location, "/api/redirect/%ld", n - 1);
	snprintf(body, sizeof body, "{\"location\":\"%s\"}", location);
	a = copied_json(api, MHD_HTTP_FOUND, body, strlen(body));
	MHD_add_response_header(a.resp, MHD_HTTP_HEADER_LOCATION, location);
	return a;
}

/* POST /api/auth/login: only test/password gets a token; anything else is 401. */
static struct answer
login(struct demo_api *api, struct MHD_Connection *conn, const struct req *req)
{
	char body[64], token[DEMO_TOKEN_HEX + 1];
	const char *user = NULL, *pass = NULL;
	json_t *root = NULL;
	int good;

	good = is_json(conn) && !req->too_large &&
	    (root = json_loadb(req->body != NULL ? req->body : "", req->len, 0, NULL)) != NULL &&
	    (user = string_field(root, "username")) != NULL && strcmp(user, "test") == 0 &&
	    (pass = string_field(root, "password")) != NULL && strcmp(pass, "password") == 0;
	json_decref(root);
	if (!good)
		return (struct answer){ MHD_HTTP_UNAUTHORIZED, api->bad_login, 0 };
	demo_state_token_issue(api->state, token);
	int n = snprintf(body, sizeof body, "{\"token\":\"%s\"}", token);
	return copied_json(api, MHD_HTTP_OK, body, (size_t)n);
}

/* POST /api/tasks: queued; done at its 3rd poll of GET /api/tasks/{id}, or at the body's "polls"th
   (a JSON body is optional; any other field is ignored); also run by the task worker at --task-rate. */
static struct answer
create_task(struct demo_api *api, struct MHD_Connection *conn, const struct req *req)
{
	char body[96];
	long need = DEMO_TASK_POLLS;
	int64_t id;
	int n;

	if (req->len > 0 && is_json(conn)) {
		struct answer a;
		json_t *root = json_body(api, conn, req, &a), *p;
		if (root == NULL)
			return a;
		p = json_object_get(root, "polls");
		if (p != NULL && (!json_is_integer(p) || json_integer_value(p) < 1 ||
		    json_integer_value(p) > 1000)) {
			json_decref(root);
			return bad_request(api, "field \"polls\" must be an integer from 1 to 1000");
		}
		if (p != NULL)
			need = (long)json_integer_value(p);
		json_decref(root);
	}
	id = demo_state_task_id(api->state);
	demo_tasks_add(api->tasks, id, (int)need);
	demo_misbehave_task_queued(api->mb);
	n = snprintf(body, sizeof body, "{\"task_id\":%lld,\"status\":\"queued\"}", (long long)id);
	return copied_json(api, MHD_HTTP_ACCEPTED, body, (size_t)n);
}

/* GET /api/tasks/{id}: "running" until its need-th poll, then "done" with done_after_ms (from its
   enqueueing to that poll). */
static struct answer
poll_task(struct demo_api *api, const char *id_text)
{
	char body[160];
	long id;
	int polls, need, n;
	int64_t done_ms;

	if (parse_uint(id_text, INT32_MAX, &id) != 0 ||
	    demo_tasks_poll(api->tasks, id, &polls, &need, &done_ms) != 0)
		return copied_json(api, MHD_HTTP_NOT_FOUND, "{\"error\":\"no such task\"}",
		    strlen("{\"error\":\"no such task\"}"));
	if (polls >= need)
		n = snprintf(body, sizeof body, "{\"task_id\":%ld,\"status\":\"done\",\"polls\":%d,"
		    "\"done_after_ms\":%lld}", id, polls, (long long)done_ms);
	else
		n = snprintf(body, sizeof body, "{\"task_id\":%ld,\"status\":\"running\",\"polls\":%d}", id,
		    polls);
	return copied_json(api, MHD_HTTP_OK, body, (size_t)n);
}

/* Decide the answer to a complete request and how long to hold it (ms); *limited: the route counts
   against --capacity (those that --latency-ms delays). */
static struct answer
decide(struct demo_api *api, struct MHD_Connection *conn, const char *url, const char *method,
    const struct req *req, int *delay_ms, int *limited)
{
	const struct demo_opts *o = api->opts;
	struct knobs k = { .bad = -1 };
	struct answer a;
	const char *id;
	int wrong_method;
	enum demo_route route;

	*delay_ms = 0;
	*limited = 0;
	if (demo_extra_answer(conn, url, method, req->body, req->len, api->opts->node_id, &a.status,
	    &a.resp)) {
		a.owned = 1;       /* /api/csrf, /api/echo: demo_extra.h */
		return a;
	}
	route = route_of(method, url, &id, &wrong_method);

	demo_state_count_route(api->state, route);
	*delay_ms = 0;
	*limited = 0;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_arg, &k);
	if (k.bad >= 0)
		return (struct answer){ MHD_HTTP_BAD_REQUEST, api->bad_knob[k.bad], 0 };

	int exempt = route == DEMO_ROUTE_HEALTH || route == DEMO_ROUTE_HEALTH_WORKER ||
	    route == DEMO_ROUTE_STATS || route == DEMO_ROUTE_STATS_RESET;
	int gated = route == DEMO_ROUTE_USERS_LIST || route == DEMO_ROUTE_USERS_GET ||
	    route == DEMO_ROUTE_USERS_CREATE || route == DEMO_ROUTE_TASKS ||
	    route == DEMO_ROUTE_TASKS_GET;
	int authorised = gated && demo_state_token_use(api->state,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));

	if (gated && o->require_auth && !authorised) {
		a = (struct answer){ MHD_HTTP_UNAUTHORIZED, api->unauthorized, 0 };
	} else if (!exempt && o->error_rate > 0 && rand_unit() < o->error_rate) {
		a = (struct answer){ MHD_HTTP_INTERNAL_SERVER_ERROR, api->injected, 0 };
	} else {
		switch (route) {
		case DEMO_ROUTE_HEALTH:
			a = (struct answer){ MHD_HTTP_OK, api->health, 0 };
			break;
		case DEMO_ROUTE_HEALTH_WORKER:
			a = (struct answer){ MHD_HTTP_OK, api->worker, 0 };
			break;
		case DEMO_ROUTE_USERS_LIST:
			a = (struct answer){ MHD_HTTP_OK, api->users, 0 };
			break;
		case DEMO_ROUTE_USERS_GET:
			a = get_user(api, id);
			break;
		case DEMO_ROUTE_USERS_CREATE:
			a = create_user(api, conn, req);
			break;
		case DEMO_ROUTE_LOGIN:
			a = login(api, conn, req);
			break;
		case DEMO_ROUTE_TASKS:
			a = create_task(api, conn, req);
			break;
		case DEMO_ROUTE_TASKS_GET:
			a = poll_task(api, id);
			break;
		case DEMO_ROUTE_STATS:
			a = taken_json(api, MHD_HTTP_OK, demo_state_stats_json(api->state));
			break;
		case DEMO_ROUTE_REDIRECT:
			a = redirect(api, id);
			break;
		case DEMO_ROUTE_STATS_RESET:
			demo_state_reset(api->state);
			a = (struct answer){ MHD_HTTP_OK, api->reset, 0 };
			break;
		case DEMO_ROUTE_OTHER:
			if (wrong_method >= 0)
				a = (struct answer){ MHD_HTTP_METHOD_NOT_ALLOWED, api->bad_method[wrong_method], 0 };
			else
				a = (struct answer){ MHD_HTTP_NOT_FOUND, api->not_found, 0 };
			break;
		default:
			abort();
		}
	}

	if (k.given & (1u << KNOB_STATUS))
		a.status = (unsigned)k.value[KNOB_STATUS];
	if (k.given & (1u << KNOB_BYTES)) {
		discard(&a);
		a.resp = sized_body(api, k.value[KNOB_BYTES]);
		a.owned = 1;
	}
	/*
	 * These statuses never carry a body (RFC 9110); a forced one gets an empty answer. A 1xx is only
	 * ever an interim answer, so the client would wait for a final one: close the connection after it.
	 */
	if (a.status < 200 || a.status == MHD_HTTP_NO_CONTENT || a.status == MHD_HTTP_NOT_MODIFIED) {
		discard(&a);
		a.resp = a.status < 200 ? api->interim : api->empty;
	}
	*limited = !exempt;
	if (!exempt)
		*delay_ms = o->latency_ms + rand_upto(o->jitter_ms);
	*delay_ms += (int)k.value[KNOB_DELAY_MS] + rand_upto((int)k.value[KNOB_JITTER_MS]);
	return a;
}

/* Queue an answer on MHD; drops our reference to a per-request response. */
static enum MHD_Result
send_answer(struct MHD_Connection *conn, struct answer *a)
{
	enum MHD_Result ret = MHD_queue_response(conn, a->status, a->resp);

	discard(a);
	return ret;
}

/* MHD's access handler: collect the body, decide, answer now or suspend until the deadline. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct demo_api *api = cls;
	struct req *req = *con_cls == &headers_seen ? NULL : *con_cls;
	struct answer a;
	int delay_ms, limited;

	if (*con_cls == NULL) {
		/* First call: headers only. Answering now would close keep-alive connections. */
		if (strcmp(method, "POST") == 0)
			*con_cls = xcalloc(1, sizeof *req);
		else
			*con_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (req != NULL && !req->too_large) {
			if (req->len + *upload_data_size > BODY_MAX) {
				req->too_large = 1;
			} else {
				req->body = xrealloc(req->body, req->len + *upload_data_size);
				memcpy(req->body + req->len, upload_data, *upload_data_size);
				req->len += *upload_data_size;
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req != NULL && req->suspended) {
		/* Resumed by demo_timer: send what was decided before suspending. */
		a = (struct answer){ req->status, req->resp, req->owned };
		req->resp = NULL;
		req->suspended = 0;
		if (req->in_service) {
			req->in_service = 0;
			demo_capacity_done(api->capacity, api->timer);
		}
		return send_answer(conn, &a);
	}

	char *mb_body;
	unsigned mb_status;
	switch (demo_misbehave_request(api->mb, url, method, &mb_status, &mb_body)) {
	case DEMO_MB_DROP:
		return MHD_NO;         /* MHD closes the connection: no answer at all */
	case DEMO_MB_TEXT:
		a = taken_json(api, mb_status, mb_body);
		MHD_del_response_header(a.resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		MHD_add_response_header(a.resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/plain; version=0.0.4; charset=utf-8");
		demo_state_count_status(api->state, a.status);
		return send_answer(conn, &a);
	case DEMO_MB_ANSWER:
		a = taken_json(api, mb_status, mb_body);
		demo_state_count_status(api->state, a.status);
		return send_answer(conn, &a);
	case DEMO_MB_PASS:
		break;
	}
	static const struct req no_body = { 0 };
	a = decide(api, conn, url, method, req != NULL ? req : &no_body, &delay_ms, &limited);
	demo_state_count_status(api->state, a.status);
	limited = limited && api->capacity != NULL;    /* every such request waits for a slot */
	if (delay_ms == 0 && !limited)
		return send_answer(conn, &a);

	if (req == NULL)
		*con_cls = req = xcalloc(1, sizeof *req);
	req->status = a.status;
	req->resp = a.resp;
	req->owned = a.owned;
	req->suspended = 1;
	MHD_suspend_connection(conn);
	if (limited) {
		req->in_service = 1;
		demo_capacity_admit(api->capacity, api->timer, conn, (int64_t)delay_ms * CLOCK_NS_PER_MS);
	} else {
		demo_timer_add(api->timer, conn, clock_now_ns() + (int64_t)delay_ms * CLOCK_NS_PER_MS);
	}
	return MHD_YES;
}

/* MHD's completion callback: free what the request held. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *req = *con_cls;

	if (req != NULL && (void *)req != &headers_seen) {
		if (req->in_service)   /* closed before its answer went out */
			demo_capacity_done(((struct demo_api *)cls)->capacity, ((struct demo_api *)cls)->timer);
		if (req->resp != NULL && req->owned)
			MHD_destroy_response(req->resp);
		free(req->body);
		free(req);
	}
	*con_cls = NULL;
}

/* MHD's error log, through ours. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);

	if (n > 0 && (size_t)n < sizeof buf && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	/* a reload's dropped connection (DEMO_MB_DROP) is on purpose, and counted in /metrics */
	if (strncmp(buf, "Application reported internal error", 35) == 0)
		return;
	log_warn("microhttpd: %s", buf);
}

/* ---- start, stop ---- */

/* The seed users as a JSON array. */
static char *
users_json(void)
{
	json_t *list = json_array();
	char name[32], email[64];

	for (int i = 1; i <= DEMO_SEED_USERS; i++) {
		snprintf(name, sizeof name, "User %d", i);
		snprintf(email, sizeof email, "user%d@example.com", i);
		json_array_append_new(list, json_pack("{s:i,s:s,s:s}", "id", i, "name", name, "email", email));
	}
	char *s = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return s;
}

struct demo_api *
demo_api_start(const struct demo_opts *opts, int listen_fd, char **cause)
{
	struct demo_api *api = xcalloc(1, sizeof *api);
	struct rlimit rl;
	unsigned limit = 1000;

	api->opts = opts;
	memset(fill_block, 'x', sizeof fill_block);

	json_t *worker = json_pack("{s:s}", "node_id", opts->node_id);
	api->worker_body = json_dumps(worker, JSON_COMPACT);
	json_decref(worker);
	api->users_body = users_json();
	api->health = fixed_json(api, "{\"status\":\"ok\"}");
	api->worker = fixed_json(api, api->worker_body);
	api->users = fixed_json(api, api->users_body);
	api->not_found = fixed_json(api, "{\"error\":\"not found\"}");
	api->no_user = fixed_json(api, "{\"error\":\"no such user\"}");
	api->unauthorized = fixed_json(api,
	    "{\"error\":\"this route needs an Authorization: Bearer token from POST /api/auth/login\"}");
	MHD_add_response_header(api->unauthorized, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	api->bad_login = fixed_json(api, "{\"error\":\"invalid credentials\"}");
	api->injected = fixed_json(api, "{\"error\":\"injected error (--error-rate)\"}");
	api->too_large = fixed_json(api, "{\"error\":\"request body too large (64 KiB at most)\"}");
	api->bad_type = fixed_json(api, "{\"error\":\"expected Content-Type: application/json\"}");
	api->reset = fixed_json(api, "{\"status\":\"reset\"}");
	api->empty = with_headers(api, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT),
	    NULL);
	api->interim = with_headers(api, MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT), NULL);
	MHD_add_response_header(api->interim, MHD_HTTP_HEADER_CONNECTION, "close");
	static const char *const knob_errors[KNOB_COUNT] = {
		[KNOB_DELAY_MS] = "{\"error\":\"query parameter delay_ms: expected an integer from 0 to 60000\","
		    "\"param\":\"delay_ms\"}",
		[KNOB_JITTER_MS] = "{\"error\":\"query parameter jitter_ms: expected an integer from 0 to 60000\","
		    "\"param\":\"jitter_ms\"}",
		[KNOB_STATUS] = "{\"error\":\"query parameter status: expected an integer from 100 to 599\","
		    "\"param\":\"status\"}",
		[KNOB_BYTES] = "{\"error\":\"query parameter bytes: expected an integer from 0 to 16777216\","
		    "\"param\":\"bytes\"}",
	};
	for (int i = 0; i < KNOB_COUNT; i++)
		api->bad_knob[i] = fixed_json(api, knob_errors[i]);
	for (int i = 0; i < ALLOW_COUNT; i++) {
		api->bad_method[i] = fixed_json(api, "{\"error\":\"method not allowed\"}");
		MHD_add_response_header(api->bad_method[i], MHD_HTTP_HEADER_ALLOW, allow_values[i]);
	}

	api->state = demo_state_new();
	api->timer = demo_timer_start();
	api->tasks = demo_tasks_new();
	if ((api->mb = demo_misbehave_new(opts, cause)) == NULL) {
		demo_api_stop(api);
		return NULL;
	}
	if (opts->capacity > 0)
		api->capacity = demo_capacity_new(opts->capacity);

	/* Every connection is a file descriptor: allow as many as the fd limit leaves room for. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 64)
		limit = rl.rlim_cur - 32 > 1000000 ? 1000000 : (unsigned)(rl.rlim_cur - 32);
	api->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, api,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,  /* first, or MHD warns */
	    MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opts->threads > 1 ? opts->threads : 0),
	    MHD_OPTION_CONNECTION_LIMIT, limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
	    MHD_OPTION_END);
	if (api->mhd == NULL) {
		*cause = xasprintf("could not start libmicrohttpd (%s)", errno != 0 ? strerror(errno) : "?");
		demo_api_stop(api);
		return NULL;
	}
	return api;
}

void
demo_api_stop(struct demo_api *api)
{
	if (api == NULL)
		return;
	/* MHD must not be stopped with suspended connections: answer the queued and delayed ones first. */
	demo_capacity_stop(api->capacity, api->timer);
	demo_timer_stop(api->timer);
	if (api->mhd != NULL)
		MHD_stop_daemon(api->mhd);
	demo_capacity_free(api->capacity);
	struct MHD_Response *all[] = { api->health, api->worker, api->users, api->not_found, api->no_user,
		api->unauthorized, api->bad_login, api->injected, api->too_large, api->bad_type, api->reset,
		api->empty, api->interim };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		MHD_destroy_response(all[i]);
	for (int i = 0; i < KNOB_COUNT; i++)
		MHD_destroy_response(api->bad_knob[i]);
	for (int i = 0; i < ALLOW_COUNT; i++)
		MHD_destroy_response(api->bad_method[i]);
	demo_state_free(api->state);
	demo_tasks_free(api->tasks);
	demo_misbehave_free(api->mb);
	free(api->worker_body);
	free(api->users_body);
	free(api);
}
