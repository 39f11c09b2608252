/*
 * api: the REST API and the static dashboard, served by libmicrohttpd on its own internal epoll
 * thread. It has no listening socket: the front door hands it connections. That thread owns a
 * read-only SQLite connection. Routes and the handler-side API are in api_priv.h; the route table
 * is in routes.c.
 */
#ifndef RAMPAGE_API_H
#define RAMPAGE_API_H

#include <sys/socket.h>

struct conf;
struct runq;
struct sched;
struct sched_runner;
struct security;
struct store;
struct api;

/*
 * Starts MHD without
 * a listen socket, with sec (tokens, caps; the caller's, it must outlive the api), opens the api thread's read connection on store (store may be NULL in tests:
 * /api/health then reports the db as "error"). Handlers reach the run queue through runq (NULL
 * in tests: the routes that need it answer 503). Main thread. NULL and *cause on failure.
 */
struct api *api_start(const struct conf *cfg, const struct security *sec, struct store *store,
    struct runq *runq, char **cause);
/*
 * Hands an accepted connection to MHD and returns 0: MHD owns fd from then on (and closes it if it
 * cannot serve it). -1, with fd left to the caller, when server.max_connections handed connections
 * are still open: the caller answers 503 itself. One thread only (the front door's): the check and
 * the count are not one atomic step.
 */
int api_add_connection(struct api *api, int fd, const struct sockaddr *sa, socklen_t salen);
/*
 * Gives the handlers the scheduler (sched/sched.h), which they tell of every schedule they write.
 * Main thread, before the front door hands over the first connection.
 */
void api_set_sched(struct api *api, struct sched *sched);
/* What the scheduler's runner needs to start runs (main's; it outlives the scheduler). */
struct api_sched_link {
	struct runq *runq;
	const struct security *sec;
	struct store *store;
};
/*
 * Fills out with the scheduler's way to the run queue (sched/sched.h, struct sched_runner): a run of
 * a schedule's test with its overrides, judged under link->sec and queued on link->runq with the
 * fire's record in its transaction (api_schedules.c). sched and runs are one layer; this one joins
 * them. Main thread.
 */
void api_sched_runner(struct api_sched_link *link, struct sched_runner *out);
/* Stops MHD, closes its connections and the read connection, frees. NULL is a no-op. Main thread. */
void api_stop(struct api *api);
/*
 * The security policy (API tokens, target allowlist, caps) api_start built from the config: the
 * front door checks websocket tokens with it, handlers judge definitions under it (run_plan.h).
 * Immutable; lives until api_stop. Any thread.
 */
const struct security *api_security(const struct api *api);

#endif
