/*
 * demo_priv: the parts of `rampage demo-target` shared between its files.
 *   demo.c        flags, the listening socket, MHD start/stop, signals (main thread)
 *   demo_api.c    routes, per-request knobs, responses (MHD's pool threads)
 *   demo_state.c  counters, issued tokens, created users (any thread; atomics and one mutex)
 *   demo_tasks.c  the task queue: tasks done after N polls (any thread; one mutex)
 *   demo_timer.c  delayed answers: suspended connections resumed at a deadline (its own thread)
 *   demo_misbehave.c  reloads, leak mode, the task worker, /metrics (MHD's threads; its own worker)
 *   demo_capacity.c --capacity N: at most N requests in service, the rest queued (MHD's threads)
 * The demo target is a test fixture, not the engine: shared state behind a mutex is fine here.
 */
#ifndef RAMPAGE_DEMO_PRIV_H
#define RAMPAGE_DEMO_PRIV_H

#include <stdint.h>

struct MHD_Connection;

#define DEMO_MAX_DELAY_MS 60000            /* --latency-ms, --jitter-ms, ?delay_ms=, ?jitter_ms= */
#define DEMO_MAX_BYTES    (16 * 1024 * 1024) /* ?bytes= */
#define DEMO_SEED_USERS   20               /* users 1..20 always exist */
#define DEMO_TOKEN_HEX    32               /* a token is 128 random bits in hex */
#define DEMO_TOKEN_MAX    (1u << 20)       /* tokens remembered; the oldest is forgotten past this */
#define DEMO_TOKENS_LISTED 10000           /* tokens listed one by one in the stats, first seen first */
#define DEMO_USER_RING    4096             /* created users whose name and email are kept */
#define DEMO_USER_FIELD_MAX 128            /* bytes of a user's name or email */
#define DEMO_TASK_RING    65536            /* tasks remembered for GET /api/tasks/{id} */
#define DEMO_TASK_POLLS   3                /* a task is done at its 3rd poll (body "polls": 1..1000) */
#define DEMO_REDIRECT_MAX 20               /* /api/redirect/{n}: the longest chain */

/* Settings from the command line; read-only once the server runs. */
struct demo_opts {
	char *listen_host;
	int listen_port;
	int latency_ms;            /* added to every route but health and stats */
	int jitter_ms;             /* uniform 0..jitter_ms on top of latency_ms */
	double error_rate;         /* fraction of requests answered 500 (same routes as latency) */
	int require_auth;          /* users and tasks routes need a bearer token this process issued */
	char *node_id;
	int threads;               /* MHD pool threads */
	/* misbehaving (demo_misbehave.c) */
	int reload_ms;             /* how long POST /admin/reload disturbs the other routes */
	int reload_503;            /* answer 503 while reloading (else drop the connection) */
	int leak_bytes;            /* leak mode: bytes kept per request; 0: off */
	int leak_cap_mb;           /* the most leak mode keeps */
	int task_rate;             /* tasks the worker runs per second; 0: no worker */
	int capacity;              /* at most this many requests in service (0: no limit) */
};

/* ---- demo_state.c: counters and tokens ---- */

/* Routes, as counted in GET /api/stats. */
enum demo_route {
	DEMO_ROUTE_HEALTH,
	DEMO_ROUTE_HEALTH_WORKER,
	DEMO_ROUTE_USERS_LIST,
	DEMO_ROUTE_USERS_GET,
	DEMO_ROUTE_USERS_CREATE,
	DEMO_ROUTE_LOGIN,
	DEMO_ROUTE_TASKS,
	DEMO_ROUTE_TASKS_GET,
	DEMO_ROUTE_STATS,
	DEMO_ROUTE_STATS_RESET,
	DEMO_ROUTE_REDIRECT,
	DEMO_ROUTE_OTHER,          /* unknown path or method */
	DEMO_ROUTE_COUNT
};

/* "GET /api/users/{id}" and so on. */
const char *demo_route_name(enum demo_route route);

struct demo_state;

struct demo_state *demo_state_new(void);
void demo_state_free(struct demo_state *st);
/* Counts one request of a route. Any thread; lock-free. */
void demo_state_count_route(struct demo_state *st, enum demo_route route);
/* Counts one answered status code (by class). Any thread; lock-free. */
void demo_state_count_status(struct demo_state *st, unsigned status);
/*
 * Issues a new random token into hex (DEMO_TOKEN_HEX digits and a NUL). When the table is full the
 * oldest token is forgotten (later requests with it get 401). Any thread.
 */
void demo_state_token_issue(struct demo_state *st, char hex[DEMO_TOKEN_HEX + 1]);
/*
 * Checks an Authorization header value ("Bearer <hex>"); if it carries a token this process issued,
 * counts one request for that token and returns 1, else 0. NULL is 0. Any thread.
 */
int demo_state_token_use(struct demo_state *st, const char *authorization);
/* Remembers a created user (name and email of 1..DEMO_USER_FIELD_MAX bytes); returns its id. Any thread. */
int64_t demo_state_user_create(struct demo_state *st, const char *name, const char *email);
/*
 * Writes the JSON of user `id` into buf (cap bytes); 0, or -1 if no such user. Users 1..20 and every
 * id handed out by demo_state_user_create exist; the last few thousand created keep their name and
 * email, older ones answer a synthesized name. Any thread.
 */
int demo_state_user_json(struct demo_state *st, int64_t id, char *buf, size_t cap);
/* Returns the next task id. Any thread. */
int64_t demo_state_task_id(struct demo_state *st);
/* Builds the body of GET /api/stats (caller frees). Any thread. */
char *demo_state_stats_json(struct demo_state *st);
/* Zeroes every counter (tokens stay valid). Any thread. */
void demo_state_reset(struct demo_state *st);

/* ---- demo_tasks.c: the task queue ---- */

struct demo_tasks;

struct demo_tasks *demo_tasks_new(void);
/* NULL is a no-op. */
void demo_tasks_free(struct demo_tasks *t);
/* Enqueues task id (from demo_state_task_id), done at its need-th poll. Any thread. */
void demo_tasks_add(struct demo_tasks *t, int64_t id, int need);
/* Polls task id: counts the poll (up to need) and gives the polls so far, need and, once done, the
   ms from its enqueueing to the poll that found it done (-1 before). 0, or -1 for an unknown (or
   forgotten) task. Any thread. */
int demo_tasks_poll(struct demo_tasks *t, int64_t id, int *polls, int *need, int64_t *done_ms);

/* ---- demo_timer.c: delayed answers ---- */

struct demo_timer;

/* Starts the timer thread. */
struct demo_timer *demo_timer_start(void);
/*
 * Resumes the (already suspended) connection at the monotonic deadline. If the timer is stopping it
 * is resumed at once. Called from MHD's threads.
 */
void demo_timer_add(struct demo_timer *t, struct MHD_Connection *conn, int64_t deadline_ns);
/* Resumes every waiting connection now, stops the thread and frees. Main thread; NULL is a no-op. */
void demo_timer_stop(struct demo_timer *t);

/* ---- demo_misbehave.c: reloads, leak mode, the task worker, /metrics ---- */

struct demo_misbehave;

/* What to do with a request. */
enum demo_mb_action {
	DEMO_MB_PASS,              /* the usual routes */
	DEMO_MB_ANSWER,            /* answer *status with JSON *body (caller frees) */
	DEMO_MB_TEXT,              /* answer *status with Prometheus text *body (caller frees) */
	DEMO_MB_DROP,              /* close the connection without an answer (a reload under way) */
};

/* Starts the task worker when opts->task_rate > 0. NULL and *cause. Main thread. */
struct demo_misbehave *demo_misbehave_new(const struct demo_opts *opts, char **cause);
/* Stops the worker and frees (the leak too). NULL is a no-op. Main thread. */
void demo_misbehave_free(struct demo_misbehave *m);
/* Judges a complete request (url without the query): /admin/reload, /metrics, a reload under way,
   the leak. Any thread. */
enum demo_mb_action demo_misbehave_request(struct demo_misbehave *m, const char *url,
    const char *method, unsigned *status, char **body);
/* POST /api/tasks queued a task. Any thread. */
void demo_misbehave_task_queued(struct demo_misbehave *m);
/* ---- demo_capacity.c: --capacity N, at most N requests in service ---- */

struct demo_capacity;

/* A gate letting at most limit (>= 1) requests into service at once. */
struct demo_capacity *demo_capacity_new(int limit);
/*
 * Takes a suspended connection whose service lasts service_ns: into service now (t resumes it when
 * the service ends) when fewer than limit are in service or the gate is stopping, else into the
 * queue, first come first served. MHD's threads.
 */
void demo_capacity_admit(struct demo_capacity *c, struct demo_timer *t, struct MHD_Connection *conn,
    int64_t service_ns);
/* A request in service was answered (or closed): its slot goes to the first queued one, whose
   service starts now. MHD's threads. */
void demo_capacity_done(struct demo_capacity *c, struct demo_timer *t);
/* Stops queueing: every queued request goes to t at once, and later ones are not held. Main
   thread, before demo_timer_stop; NULL is a no-op. */
void demo_capacity_stop(struct demo_capacity *c, struct demo_timer *t);
/* Frees it once MHD has stopped. NULL is a no-op. */
void demo_capacity_free(struct demo_capacity *c);

/* ---- demo_api.c: the HTTP side ---- */

struct demo_api;

/* Builds the static responses and starts MHD on the listening socket fd (MHD owns it from now).
 * NULL and *cause on failure. Main thread. */
struct demo_api *demo_api_start(const struct demo_opts *opts, int listen_fd, char **cause);
/* Stops MHD (answering delayed requests first) and frees. Main thread; NULL is a no-op. */
void demo_api_stop(struct demo_api *api);

#endif
