/*
 * api_agents: GET /api/agents, the agents this daemon may run tests over (config [agents]) with
 * each one's state, version, cores and measured clock offset (engine/fleet.h, fleet_probe).
 *
 * The probe connects to every agent and may wait on DNS, so it runs on a thread of its own, one at
 * a time: the api thread waits for it at most WAIT_MS and otherwise answers 503 with Retry-After
 * (the probe goes on and its answer is kept). An answer, a failure included, is reused for
 * CACHE_MS: a page polling the list, or anyone calling it in a loop, starts at most one probe in
 * every CACHE_MS and never holds the api thread longer than WAIT_MS.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "engine/fleet.h"
#include "http/api_priv.h"

#define PROBE_MS 1000              /* each agent's probe */
#define WAIT_MS 1500               /* the api thread's wait for a probe */
#define CACHE_MS 5000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;    /* on CLOCK_MONOTONIC (init_once) */
static pthread_once_t once = PTHREAD_ONCE_INIT;
/* under lock */
static bool probing;
static json_t *answer;             /* the last probe's list, or NULL */
static char *failure;              /* or why it failed */
static int64_t answered_ms;        /* CLOCK_MONOTONIC, 0: never */

static void
init_once(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&changed, &ca);
	pthread_condattr_destroy(&ca);
}

/* The probe thread: one probe, its answer kept. */
static void *
probe_main(void *arg)
{
	const struct conf *cfg = arg;
	char *token, *cause = NULL;
	json_t *out = NULL;

	if ((token = fleet_read_token(cfg->agent_token_file, &cause)) != NULL)
		out = fleet_probe(cfg->agent_urls, cfg->agent_dns, token, cfg->agent_ca_file, PROBE_MS,
		    &cause);
	free(token);
	if (out != NULL)
		json_object_set_new(out, "probed_ms", json_integer(clock_wall_ms()));
	pthread_mutex_lock(&lock);
	json_decref(answer);
	free(failure);
	answer = out;
	failure = out == NULL ? cause : NULL;
	if (out != NULL)
		free(cause);
	answered_ms = clock_now_ns() / CLOCK_NS_PER_MS;
	probing = false;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Replies with the kept answer. Under lock. */
static void
reply_kept(struct api_request *req)
{
	if (answer != NULL)
		api_reply_json_new(req, 200, json_incref(answer));
	else
		api_reply_error(req, 503, "agents_unavailable", "%s", failure != NULL ? failure : "no answer");
}

void
api_agents_list(struct api_request *req)
{
	const struct conf *cfg = req->cfg;
	int64_t now = clock_now_ns() / CLOCK_NS_PER_MS;
	struct timespec until;

	if (cfg->agent_urls == NULL && cfg->agent_dns == NULL) {
		api_reply_json_new(req, 200, json_pack("{s:[], s:s}", "agents", "note",
		    "no agent is configured (agents.urls, agents.dns)"));
		return;
	}
	pthread_once(&once, init_once);
	pthread_mutex_lock(&lock);
	if (answered_ms != 0 && now - answered_ms < CACHE_MS && !probing) {
		reply_kept(req);
		pthread_mutex_unlock(&lock);
		return;
	}
	if (!probing) {
		pthread_t t;
		pthread_attr_t attr;
		int err;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if ((err = pthread_create(&t, &attr, probe_main, (void *)cfg)) != 0) {
			pthread_attr_destroy(&attr);
			pthread_mutex_unlock(&lock);
			api_reply_error(req, 503, "agents_unavailable", "cannot start the probe: %s",
			    strerror(err));
			return;
		}
		pthread_attr_destroy(&attr);
		probing = true;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += WAIT_MS / 1000;
	until.tv_nsec += (long)(WAIT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (probing && pthread_cond_timedwait(&changed, &lock, &until) != ETIMEDOUT)
		;
	if (probing) {
		pthread_mutex_unlock(&lock);
		api_add_header(req, "Retry-After", "2");
		api_reply_error(req, 503, "agents_probing", "the agents are still being probed (a name "
		    "that is slow to resolve, or agents slow to answer): ask again in a moment");
		return;
	}
	reply_kept(req);
	pthread_mutex_unlock(&lock);
}
