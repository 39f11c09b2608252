/*
 * api_agents: GET /api/agents, the agents this daemon may run tests over (config [agents]) with
 * each one's state, version, cores and measured clock offset (engine/fleet.h, fleet_probe).
 *
 * The probe connects to every agent from the api thread, so it is bounded twice: each probe gives
 * up after PROBE_MS, and its answer is reused for CACHE_MS, so that a page polling the list (or
 * anyone calling it in a loop) holds the api thread for at most PROBE_MS in every CACHE_MS.
 */
#include <config.h>

#include <stdlib.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/xmalloc.h"
#include "engine/fleet.h"
#include "http/api_priv.h"

#define PROBE_MS 1000
#define CACHE_MS 5000

static json_t *cached;             /* the api thread's */
static int64_t cached_at_ms;

void
api_agents_list(struct api_request *req)
{
	const struct conf *cfg = req->cfg;
	char *token = NULL, *cause = NULL;
	int64_t now = clock_now_ns() / CLOCK_NS_PER_MS;
	json_t *out;

	if (cfg->agent_urls == NULL && cfg->agent_dns == NULL) {
		api_reply_json_new(req, 200, json_pack("{s:[], s:s}", "agents", "note",
		    "no agent is configured (agents.urls, agents.dns)"));
		return;
	}
	if (cached != NULL && now - cached_at_ms < CACHE_MS) {
		api_reply_json_new(req, 200, json_incref(cached));
		return;
	}
	if ((token = fleet_read_token(cfg->agent_token_file, &cause)) == NULL ||
	    (out = fleet_probe(cfg->agent_urls, cfg->agent_dns, token, cfg->agent_ca_file, PROBE_MS,
	    &cause)) == NULL) {
		api_reply_error(req, 503, "agents_unavailable", "%s", cause);
		free(token);
		free(cause);
		return;
	}
	free(token);
	json_object_set_new(out, "probed_ms", json_integer(clock_wall_ms()));
	json_decref(cached);
	cached = json_incref(out);
	cached_at_ms = now;
	api_reply_json_new(req, 200, out);
}
