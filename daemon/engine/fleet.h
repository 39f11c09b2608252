/*
 * fleet: a run driven over agents (`rampage agent`, docs/agent-protocol.md) instead of this
 * machine's workers: the engine's facade (engine.h) runs a plan here or, given
 * engine_options.fleet, over a fleet, and its callers see the same sink, state and totals either way.
 *
 * One thread per fleet run (the "fleet" thread) does everything in order: picks the agents (the
 * configured URLs, or every A/AAAA record of a DNS name), runs the definition's setup once here,
 * connects to every agent with libwebsockets (one client context of its own), measures each agent's
 * clock offset (NTP-style, the exchange with the least delay of FLEET_TIME_EXCHANGES), sends each its
 * execution segment of one sequence, waits until every one has prepared (the barrier), and starts
 * them all at one wall-clock instant, each told it on its own clock. Then each second it adds the
 * same second of every agent into one tick (agent_msg_tick_add: counters add, histograms merge, so
 * percentiles are exact) and gives it to the sink in order; a second that some agent has not sent
 * within late_ms goes out without that agent's share and is listed as incomplete (the share, when it
 * comes, still counts in the whole run). A lost agent is in the summary; by the test's policy the run
 * goes on (degraded) or ends as error. Teardown runs here once every agent is done.
 *
 * What runs once runs here: the definition's monitors and timed events (scrape.h, timed.h) run on
 * threads of this daemon from the common start instant, and the agents get the definition without
 * them; their readings go into the merged seconds, their events to the sink's on_event and into the
 * run's events (with findings from the merged seconds, as a local run's).
 */
#ifndef RAMPAGE_FLEET_H
#define RAMPAGE_FLEET_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "engine/sink.h"

struct plan;
struct tick;
struct fleet;
struct setup_env;

#define FLEET_ALL (-1)             /* fleet_options.want: every agent known */
#define FLEET_MAX_AGENTS 256       /* agents one run may use */
#define FLEET_TIME_EXCHANGES 5     /* clock exchanges per agent; the least-delay one is kept */

/* What a fleet run needs (strings copied by fleet_start). */
struct fleet_options {
	const char *urls;          /* agents.urls: comma-separated ws:// or wss:// URLs, or NULL */
	const char *dns;           /* agents.dns: "name:port" (every A/AAAA record is an agent), or NULL */
	const char *token;         /* the Bearer token the agents accept */
	const char *ca_file;       /* wss://: the CA bundle to check agents' certificates (NULL: system) */
	const char *allow_targets; /* this daemon's security.allow_targets, sent in every prepare */
	int want;                  /* agents to use: 1..FLEET_MAX_AGENTS or FLEET_ALL */
	bool loss_fails;           /* an agent lost mid-run ends the run as error (else it goes on) */
	int late_ms;               /* how long a second waits for a late agent */
	int connect_timeout_ms;    /* from the start until every agent has prepared */
};

/* The agents of urls and dns, sorted and without duplicates: a new array of n URLs (free each, then
   it), or NULL and *cause (no agent configured, a name that does not resolve). Blocks on DNS. */
char **fleet_agents(const char *urls, const char *dns, int *n, char **cause);
/* The agents' token: the first line of path that is not empty or a # comment. A new string, or
   NULL and *cause (missing, unreadable, readable by every user, no token). */
char *fleet_read_token(const char *path, char **cause);
/* Frees fleet_agents' array. */
void fleet_agents_free(char **list, int n);
/* Checks one agents.urls entry: a ws:// or wss:// URL with a host. 0, or -1 and *cause. */
int fleet_check_url(const char *url, char **cause);

/*
 * Starts a fleet run of plan (its definition is what every agent gets). Returns at once: picking,
 * connecting and preparing happen on the fleet thread; a failure there ends the run with
 * fleet_error set (sink->on_done is called as for any end). NULL and *cause only when the thread
 * cannot start. env: the connect guard setup and teardown run with here.
 */
struct fleet *fleet_start(const struct plan *plan, const struct fleet_options *opt,
    const struct engine_sink *sink, const struct setup_env *env, char **cause);
/* Asks every agent to stop (force: interrupt now). Any thread. */
void fleet_stop(struct fleet *f, int force);
/* Joins the fleet thread (after on_done). */
void fleet_wait(struct fleet *f);
enum engine_state fleet_state(const struct fleet *f);
/* The whole run, every agent's seconds added (after fleet_wait: phase histograms from the agents'
   summaries included). */
const struct tick *fleet_totals(const struct fleet *f);
/* Since the common start instant (0 before it). */
int64_t fleet_elapsed_ns(const struct fleet *f);
/* Why the run failed (an agent refused, could not be reached or was lost under `agentLoss: fail`,
   setup or teardown failed), or NULL. After fleet_wait. */
const char *fleet_error(const struct fleet *f);
/* The agents' part of the summary (rampage.agents): each agent's URL, segment, clock offset,
   requests and state, incomplete seconds, lost agents, `degraded`. New reference; after fleet_wait. */
json_t *fleet_summary_json(const struct fleet *f);
/* A marker of the run (engine_mark; strings copied): into the run's events with their findings.
   Any thread. */
struct engine_event;
void fleet_event(struct fleet *f, const struct engine_event *ev);
/* The run's events, timed and marked, and their findings (after fleet_wait). */
struct evwin;
const struct evwin *fleet_events(const struct fleet *f);
/* Frees f (after fleet_wait). NULL is a no-op. */
void fleet_free(struct fleet *f);

/*
 * Probes every agent: connects, reads its hello (version, cores, state), measures its clock offset
 * and disconnects. {"agents": [{"url", "state" ("idle", "prepared", "running" ...: the agent's own;
 * "busy": another controller holds it; "unauthorized"; "unreachable"), "version", "cores",
 * "protocol", "clock_offset_ms", "delay_ms", "error"}]}, in fleet_agents' order. Blocks for at
 * most timeout_ms. New reference, or NULL and *cause when no agent is configured.
 */
json_t *fleet_probe(const char *urls, const char *dns, const char *token, const char *ca_file,
    int timeout_ms, char **cause);

#endif
