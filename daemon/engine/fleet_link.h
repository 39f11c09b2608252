/*
 * fleet_link: the controller's end of the agent protocol's connections (docs/agent-protocol.md):
 * one libwebsockets client context, one websocket per agent with `Authorization: Bearer`, every
 * message a JSON object in a text frame, an outgoing queue per agent, and a 100 ms timer. What the
 * messages mean is the caller's (fleet.c runs a run over them, fleet_probe reads hellos): this file
 * only moves them. Everything here runs on the thread that calls link_run.
 */
#ifndef RAMPAGE_FLEET_LINK_H
#define RAMPAGE_FLEET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct link;

/* What a link tells its owner; every call on the link_run thread. */
struct link_ops {
	void (*on_open)(void *arg, int agent);
	/* a whole message, parsed (borrowed); t_recv_ns: the wall clock when its last frame arrived */
	void (*on_message)(void *arg, int agent, json_t *msg, int64_t t_recv_ns);
	/* the connection ended or never opened; why: "connection refused", "closed by the agent (4401
	   unauthorized)", ... (borrowed); code: the close code the agent sent, or 0 */
	void (*on_close)(void *arg, int agent, int code, const char *why);
	/* every 100 ms, and when link_wake was called */
	void (*on_timer)(void *arg);
	void *arg;
};

/* A link to n agents (urls borrowed until link_free). NULL and *cause when libwebsockets cannot
   start a client context. Connects nothing yet. */
struct link *link_new(char **urls, int n, const char *token, const char *ca_file,
    const struct link_ops *ops, char **cause);
/* Starts connecting to every agent, and the timer. */
void link_connect_all(struct link *l);
/* Connects to agent i again (after its on_close); nothing when it is connected or connecting. */
void link_connect(struct link *l, int agent);
/* Serves until link_quit. */
void link_run(struct link *l);
/* Ends link_run after the current service pass; from then on the owner is told nothing (no
   open, message or close). link_run's thread. */
void link_quit(struct link *l);
/* Makes on_timer run soon. Any thread (lws_cancel_service). */
void link_wake(struct link *l);
/* Queues a message to agent i (takes msg); dropped when the agent is not connected. */
void link_send(struct link *l, int agent, json_t *msg);
/* Closes agent i's connection (on_close follows). */
void link_close(struct link *l, int agent);
/* Whether agent i is connected. */
bool link_open(const struct link *l, int agent);
/* Closes every connection and frees l. */
void link_free(struct link *l);

/* One of libwebsockets' log lines (n bytes), from the process's log routing (http/live.c sets it,
   process-wide): a TLS refusal's reason is noted for the connection being made on this thread, so
   that its on_close says why ("self-signed certificate") instead of OpenSSL's bare error code. */
void link_lws_line(const char *line, size_t n);
/* The wall clock (CLOCK_REALTIME) in ns: the protocol's times. */
int64_t link_wall_ns(void);

#endif
