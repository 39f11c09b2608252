/*
 * fleet_link: the controller's end of the agent protocol's connections (docs/agent-protocol.md):
 * one libwebsockets client context, one websocket per agent with `Authorization: Bearer`, every
 * message a JSON object in a text frame, an outgoing queue per agent, and a 100 ms timer. What the
 * messages mean is the caller's (fleet.c runs a run over them, fleet_probe reads hellos): this file
 * only moves them. Everything here runs on the thread that calls fleet_link_run.
 */
#ifndef RAMPAGE_FLEET_LINK_H
#define RAMPAGE_FLEET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct fleet_link;

/* What a link tells its owner; every call on the fleet_link_run thread. */
struct fleet_link_ops {
	void (*on_open)(void *arg, int agent);
	/* a whole message, parsed (borrowed); t_recv_ns: the wall clock when its last frame arrived */
	void (*on_message)(void *arg, int agent, json_t *msg, int64_t t_recv_ns);
	/* the connection ended or never opened; why: "connection refused", "closed by the agent (4401
	   unauthorized)", ... (borrowed); code: the close code the agent sent, or 0 */
	void (*on_close)(void *arg, int agent, int code, const char *why);
	/* every 100 ms, and when fleet_link_wake was called */
	void (*on_timer)(void *arg);
	void *arg;
};

/* A link to n agents (urls borrowed until fleet_link_free). NULL and *cause when libwebsockets cannot
   start a client context. Connects nothing yet. */
struct fleet_link *fleet_link_new(char **urls, int n, const char *token, const char *ca_file,
    const struct fleet_link_ops *ops, char **cause);
/* Starts connecting to every agent, and the timer. */
void fleet_link_connect_all(struct fleet_link *l);
/* Connects to agent i again (after its on_close); nothing when it is connected or connecting. */
void fleet_link_connect(struct fleet_link *l, int agent);
/* Serves until fleet_link_quit. */
void fleet_link_run(struct fleet_link *l);
/* Ends fleet_link_run after the current service pass; from then on the owner is told nothing (no
   open, message or close). fleet_link_run's thread. */
void fleet_link_quit(struct fleet_link *l);
/* Makes on_timer run soon. Any thread (lws_cancel_service). */
void fleet_link_wake(struct fleet_link *l);
/* Queues a message to agent i (takes msg); dropped when the agent is not connected. */
void fleet_link_send(struct fleet_link *l, int agent, json_t *msg);
/* Closes agent i's connection (on_close follows). */
void fleet_link_close(struct fleet_link *l, int agent);
/* Whether agent i is connected. */
bool fleet_link_open(const struct fleet_link *l, int agent);
/* Closes every connection and frees l. */
void fleet_link_free(struct fleet_link *l);

/* libwebsockets' log lines, routed as the process's (lws_set_log_level; the daemon's live stream
   and the agent set it, process-wide): problems as warnings, the rest as debug. On the way, a TLS
   refusal's reason is noted for the connection being made on this thread, so that its on_close
   says why ("self-signed certificate") instead of OpenSSL's bare error code. */
void fleet_link_lws_log(int level, const char *line);
/* The wall clock (CLOCK_REALTIME) in ns: the protocol's times. */
int64_t fleet_link_wall_ns(void);

#endif
